package dev.presence.web.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.Subscription;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SubscriptionStream: the engine subscription behind a stream")
class SubscriptionStreamTest {

  private static final ChannelId A = ChannelId.of("a");

  /** Counts closes; may fail them. */
  private static final class CountingSubscription implements Subscription {
    final AtomicInteger closes = new AtomicInteger();
    boolean fail;

    @Override
    public ChannelId channel() {
      return A;
    }

    @Override
    public ChannelUsers snapshot() {
      throw new UnsupportedOperationException();
    }

    @Override
    public ChannelUsers resync() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
      closes.incrementAndGet();
      if (fail) {
        throw new IllegalStateException("the store is gone");
      }
    }
  }

  @Test
  @DisplayName("closing the subscription closes the attached one")
  void closeAttached() {
    SubscriptionStream<String> s = new SubscriptionStream<>(A);
    CountingSubscription sub = new CountingSubscription();
    s.attach(sub);
    assertThat(s.subscription()).isSameAs(sub);
    s.closeSubscription();
    assertThat(sub.closes).hasValue(1);
  }

  @Test
  @DisplayName("a subscription attached after the close is closed at once")
  void closeBeforeAttach() {
    SubscriptionStream<String> s = new SubscriptionStream<>(A);
    s.closeSubscription();
    CountingSubscription sub = new CountingSubscription();
    s.attach(sub);
    assertThat(sub.closes).hasValue(1);
  }

  @Test
  @DisplayName("a subscription that fails to close does not fail the caller")
  void closeFails() {
    SubscriptionStream<String> s = new SubscriptionStream<>(A);
    CountingSubscription sub = new CountingSubscription();
    sub.fail = true;
    s.attach(sub);
    s.closeSubscription();
    assertThat(sub.closes).hasValue(1);
  }

  @Test
  @DisplayName("a new stream has no subscription yet and names its channel and state")
  void fresh() {
    SubscriptionStream<String> s = new SubscriptionStream<>(A);
    assertThat(s.subscription()).isNull();
    assertThat(s.channel()).isEqualTo(A);
    assertThat(s).hasToString("Stream[a, PENDING]");
  }
}
