package dev.presence.it.cluster;

import java.net.URI;
import java.nio.file.Path;

/**
 * One server process a cluster IT started and runs the WAR in: a Payara Micro node ({@link
 * PayaraNode}) or a standalone WildFly ({@link WildFlyNode}). What the shared checks of {@link
 * ClusterSupport} and {@link ClusterScenarios} need of a node.
 */
interface ClusterNode extends AutoCloseable {

  /** The node's name, for messages. */
  String name();

  /** The application root, {@code http://<host>:<port>/}. */
  URI base();

  /** The file the node's output goes to. */
  Path logFile();

  /** The node's process. */
  Process process();

  /** The node's output so far (server and Hazelcast log lines). */
  default String log() {
    return ClusterSupport.read(logFile());
  }

  /** The process id. */
  default long pid() {
    return process().pid();
  }

  /** Whether the process runs. */
  default boolean alive() {
    return process().isAlive();
  }

  /** SIGKILL ({@code kill -9}), waiting (30 s at most) until the process is gone. */
  default void kill() {
    ClusterSupport.kill(process());
  }

  /** SIGTERM (a graceful stop), then SIGKILL if the process still runs after 30 s. */
  @Override
  default void close() {
    ClusterSupport.stop(process());
  }
}
