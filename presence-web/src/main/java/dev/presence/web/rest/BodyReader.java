package dev.presence.web.rest;

import dev.presence.InvalidArgumentException;
import dev.presence.TooLargeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Reads a request body as UTF-8 text without ever holding more than the limit: a declared {@code
 * Content-Length} over the limit is refused before reading, and reading stops one byte past it.
 */
public final class BodyReader {

  private BodyReader() {}

  /**
   * Reads a body.
   *
   * @param in the body stream
   * @param contentLength the {@code Content-Length} header, or null
   * @param maxBytes the largest body accepted
   * @return the text
   * @throws TooLargeException if the body is over {@code maxBytes}
   * @throws InvalidArgumentException if the body is not valid UTF-8, or cannot be read
   */
  public static String read(InputStream in, @Nullable String contentLength, int maxBytes) {
    if (contentLength != null) {
      long declared;
      try {
        declared = Long.parseLong(contentLength.trim());
      } catch (NumberFormatException e) {
        declared = -1;
      }
      if (declared > maxBytes) {
        throw tooLarge(maxBytes);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, 8192));
    byte[] buffer = new byte[8192];
    try {
      int total = 0;
      while (true) {
        int n = in.read(buffer, 0, Math.min(buffer.length, maxBytes + 1 - total));
        if (n < 0) {
          break;
        }
        total += n;
        if (total > maxBytes) {
          throw tooLarge(maxBytes);
        }
        out.write(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new InvalidArgumentException("the request body could not be read", e);
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidArgumentException("the request body is not valid UTF-8", e);
    }
  }

  private static TooLargeException tooLarge(int maxBytes) {
    return new TooLargeException("the request body may be at most " + maxBytes + " bytes");
  }
}
