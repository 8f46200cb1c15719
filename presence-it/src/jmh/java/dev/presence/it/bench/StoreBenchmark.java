package dev.presence.it.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * The settings every benchmark of this package inherits (JMH reads these annotations from
 * superclasses): throughput in operations per second, one fork with a fixed 1 GiB heap, Hazelcast
 * phone-home off, and the module options Hazelcast asks for to use its fast paths (it warns without
 * them; Payara Micro passes them too).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Xms1g",
      "-Xmx1g",
      "-Dhazelcast.phone.home.enabled=false",
      "--add-modules=java.se",
      "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.management/sun.management=ALL-UNNAMED",
      "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED"
    })
abstract class StoreBenchmark {}
