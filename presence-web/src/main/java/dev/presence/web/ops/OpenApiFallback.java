package dev.presence.web.ops;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.annotation.WebListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /openapi} on servers without MicroProfile OpenAPI (WildFly's default {@code
 * standalone.xml}, GlassFish 7): the WAR serves its own {@value #DOCUMENT} there, as YAML.
 *
 * <p>Where the server has MicroProfile OpenAPI (Payara, WildFly's {@code
 * standalone-microprofile.xml}) the server serves that same file at {@code /openapi} ({@code
 * mp.openapi.scan.disable=true}), with {@code ?format=json} and content negotiation; then nothing
 * is registered here, so the two never compete for the path. The test is whether the MicroProfile
 * OpenAPI API ({@value #MP_OPENAPI_CLASS}) is visible to the application: servers make it visible
 * exactly when their OpenAPI support is on.
 *
 * <p>The fallback answers YAML only: {@code ?format=json} gets 406 (converting needs a YAML parser,
 * which the WAR does not carry).
 */
@WebListener
public class OpenApiFallback implements ServletContextListener {

  private static final Logger LOG = Logger.getLogger(OpenApiFallback.class.getName());

  /** A class of the MicroProfile OpenAPI API; visible to applications where the server has it. */
  static final String MP_OPENAPI_CLASS = "org.eclipse.microprofile.openapi.OASFactory";

  /** The document, in the WAR's classes. */
  static final String DOCUMENT = "META-INF/openapi.yaml";

  /** The path MicroProfile OpenAPI serves the document at. */
  static final String PATH = "/openapi";

  @Override
  public void contextInitialized(ServletContextEvent event) {
    ServletContext context = event.getServletContext();
    ClassLoader loader = context.getClassLoader();
    if (serverHasOpenApi(loader)) {
      LOG.fine("MicroProfile OpenAPI present: the server serves " + PATH);
      return;
    }
    byte[] document = read(loader);
    if (document == null) {
      LOG.warning(DOCUMENT + " not found in the WAR: " + PATH + " is not served");
      return;
    }
    ServletRegistration.Dynamic servlet =
        context.addServlet(OpenApiFallback.class.getSimpleName(), new DocumentServlet(document));
    Set<String> taken = servlet == null ? Set.of(PATH) : servlet.addMapping(PATH);
    if (taken.isEmpty()) {
      LOG.info(
          "no MicroProfile OpenAPI in this server: "
              + PATH
              + " serves the WAR's "
              + DOCUMENT
              + " (YAML)");
    } else {
      LOG.warning(PATH + " is already mapped in this application; the fallback is not registered");
    }
  }

  static boolean serverHasOpenApi(ClassLoader loader) {
    try {
      Class.forName(MP_OPENAPI_CLASS, false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  static byte @Nullable [] read(ClassLoader loader) {
    try (InputStream in = loader.getResourceAsStream(DOCUMENT)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + DOCUMENT, e);
    }
  }

  /** Serves the document as {@code application/yaml}. */
  static final class DocumentServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final byte[] document;

    DocumentServlet(byte[] document) {
      this.document = document.clone();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String format = req.getParameter("format");
      if (format != null && !format.toLowerCase(Locale.ROOT).equals("yaml")) {
        // The error body of SPEC 4.4, written here: the error page's 406 text is about JSON.
        resp.setStatus(HttpServletResponse.SC_NOT_ACCEPTABLE);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter()
            .write(
                "{\"error\":{\"code\":\"INVALID_ARGUMENT\",\"message\":\"this server has no"
                    + " MicroProfile OpenAPI: the document is served as YAML only\"}}");
        return;
      }
      resp.setStatus(HttpServletResponse.SC_OK);
      resp.setContentType("application/yaml;charset=UTF-8");
      resp.setContentLength(document.length);
      resp.getOutputStream().write(document);
    }
  }
}
