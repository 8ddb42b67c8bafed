package jp.lg.nakano.solr;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Properties;
import javax.servlet.DispatcherType;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.solr.servlet.CoreContainerProvider;
import org.apache.solr.servlet.SolrDispatchFilter;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

/**
 * Serves Solr's HTTP API at http://HOST:PORT/solr, wired the way Solr's own
 * JettySolrRunner does it. No search logic lives here: every request goes to
 * Solr's SolrDispatchFilter.
 *
 * Usage: java -cp ... jp.lg.nakano.solr.Launcher SOLR_HOME [PORT] [HOST]
 */
public final class Launcher {

  private Launcher() {}

  /** Jetty needs a servlet at the end of the filter chain; Solr answers before it. */
  public static final class NotFound extends HttpServlet {
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp)
        throws java.io.IOException {
      resp.sendError(404, "Not found");
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: Launcher SOLR_HOME [PORT] [HOST]");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 8983;
    // Loopback by default: the launcher has no access control of its own.
    String host = args.length > 2 ? args[2] : "127.0.0.1";

    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);

    ServletContextHandler context =
        new ServletContextHandler(ServletContextHandler.SESSIONS);
    context.setContextPath("/solr");
    context.setAttribute(SolrDispatchFilter.PROPERTIES_ATTRIBUTE, new Properties());
    context.setAttribute(SolrDispatchFilter.SOLRHOME_ATTRIBUTE, home.toString());
    context.addEventListener(new CoreContainerProvider());

    FilterHolder dispatch = new FilterHolder(SolrDispatchFilter.class);
    dispatch.setInitParameter(
        "excludePatterns", "/partials/.+,/libs/.+,/css/.+,/js/.+,/img/.+,/templates/.+");
    context.addFilter(dispatch, "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(new NotFound()), "/");

    server.setHandler(context);
    server.setStopAtShutdown(true);
    server.start();
    System.out.println("Solr listening on http://" + host + ":" + port + "/solr (home " + home + ")");
    server.join();
  }
}
