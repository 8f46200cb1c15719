package dev.presence.hazelcast.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells whether a member can read this module's processors the way a partition thread does: one
 * serialized on the calling thread (with the application's context) and read back on a new thread
 * without it (no inherited thread locals, the member's class loader). Inside Payara Micro that
 * holds only once the application's deployment has completed; elsewhere it holds at once.
 */
final class PromotionProbe {

  private static final Logger LOG = Logger.getLogger(PromotionProbe.class.getName());

  private PromotionProbe() {}

  static boolean applicationReadable(HazelcastInstance hz) {
    if (!(hz instanceof SerializationServiceSupport support)) {
      LOG.info(
          () ->
              "cannot probe "
                  + hz.getClass().getName()
                  + " for the application's classes: promoting at the first sweep");
      return true;
    }
    SerializationService serialization = support.getSerializationService();
    Data data = serialization.toData(new ChannelProcessors.Due(0));
    AtomicReference<Object> read = new AtomicReference<>();
    // Without the caller's inheritable thread locals (the container's invocation context) and with
    // the member's class loader: what a partition thread has.
    Thread reader =
        new Thread(
            null,
            () -> {
              try {
                read.set(serialization.toObject(data));
              } catch (RuntimeException | LinkageError e) {
                read.set(e);
              }
            },
            "presence-promotion-probe",
            0,
            false);
    reader.setDaemon(true);
    ClassLoader memberLoader = hz.getConfig().getClassLoader();
    reader.setContextClassLoader(
        memberLoader != null ? memberLoader : HazelcastInstance.class.getClassLoader());
    reader.start();
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    Object result = read.get();
    if (result instanceof ChannelProcessors.Due) {
      return true;
    }
    LOG.log(
        Level.FINE,
        "the application's classes cannot be read by this member yet; not promoting it now",
        result instanceof Throwable t ? t : null);
    return false;
  }
}
