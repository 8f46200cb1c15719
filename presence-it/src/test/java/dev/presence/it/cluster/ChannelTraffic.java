package dev.presence.it.cluster;

import dev.presence.it.support.Http;
import dev.presence.it.support.Tokens;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Event traffic through two nodes that the hook tests ({@code HookIT}, {@code PluginsIT}) share.
 */
final class ChannelTraffic {

  /** The events {@link #joinUpdateLeave} makes per channel. */
  static final int EVENTS_PER_CHANNEL = 6;

  private ChannelTraffic() {}

  /**
   * In each channel two users join, set attributes and leave through the REST API, user {@code
   * u<i>a} through one node and {@code u<i>b} through the other (even channels start on {@code a}),
   * four channels at a time: {@value #EVENTS_PER_CHANNEL} events per channel, seqs 1 to 6. Returns
   * when every call succeeded (at most 120 s each channel).
   *
   * @param channels the channels
   * @param a node A's client
   * @param b node B's client
   * @throws Exception if a call failed or timed out
   */
  static void joinUpdateLeave(List<String> channels, Http a, Http b) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < channels.size(); i++) {
        String ch = channels.get(i);
        Http first = i % 2 == 0 ? a : b;
        Http second = i % 2 == 0 ? b : a;
        String u1 = "u" + i + "a";
        String u2 = "u" + i + "b";
        work.add(
            pool.submit(
                () -> {
                  first.put(Http.member(ch, u1), Tokens.dev(u1)).ok();
                  second.put(Http.member(ch, u2), Tokens.dev(u2)).ok();
                  first.put(Http.attributes(ch, u1), Tokens.dev(u1), "{\"n\":\"1\"}").ok();
                  second.put(Http.attributes(ch, u2), Tokens.dev(u2), "{\"n\":\"2\"}").ok();
                  first.delete(Http.member(ch, u1), Tokens.dev(u1)).ok();
                  second.delete(Http.member(ch, u2), Tokens.dev(u2)).ok();
                }));
      }
      for (Future<?> w : work) {
        w.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
