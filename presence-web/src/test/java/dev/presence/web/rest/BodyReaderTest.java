package dev.presence.web.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.InvalidArgumentException;
import dev.presence.TooLargeException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BodyReaderTest {

  @Test
  void readsUtf8() {
    byte[] body = "{\"mood\":\"héhé ☺\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(BodyReader.read(new ByteArrayInputStream(body), null, 100))
        .isEqualTo("{\"mood\":\"héhé ☺\"}");
    assertThat(BodyReader.read(new ByteArrayInputStream(new byte[0]), "0", 100)).isEmpty();
  }

  @Test
  void refusesADeclaredLengthOverTheLimitWithoutReading() {
    AtomicLong read = new AtomicLong();
    InputStream endless = endless(read);
    assertThatThrownBy(() -> BodyReader.read(endless, "1000000", 1024))
        .isInstanceOf(TooLargeException.class)
        .hasMessageContaining("1024 bytes");
    assertThat(read).hasValue(0);
  }

  @Test
  void stopsReadingJustPastTheLimit() {
    AtomicLong read = new AtomicLong();
    assertThatThrownBy(() -> BodyReader.read(endless(read), null, 1024))
        .isInstanceOf(TooLargeException.class);
    assertThat(read.get()).isEqualTo(1025);
    byte[] exactly = new byte[1024];
    java.util.Arrays.fill(exactly, (byte) 'a');
    assertThat(BodyReader.read(new ByteArrayInputStream(exactly), null, 1024)).hasSize(1024);
  }

  @Test
  void refusesInvalidUtf8() {
    byte[] bad = {'{', (byte) 0xC3, '}'};
    assertThatThrownBy(() -> BodyReader.read(new ByteArrayInputStream(bad), null, 100))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("UTF-8");
  }

  private static InputStream endless(AtomicLong read) {
    return new InputStream() {
      @Override
      public int read() {
        read.incrementAndGet();
        return 'a';
      }

      @Override
      public int read(byte[] b, int off, int len) {
        java.util.Arrays.fill(b, off, off + len, (byte) 'a');
        read.addAndGet(len);
        return len;
      }
    };
  }
}
