import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Embedded Neo4j 5.26 Community with only the Bolt connector, for the selfheal
 * service's tests. Started by scripts/services.sh (see docs/services.md).
 *
 * <p>Usage: java [--add-opens ...] -Dbolt.port=7687 -cp 'classes:lib/*' Neo4jMain HOME_DIR
 *
 * <p>Prints "NEO4J READY bolt://HOST:PORT version=..." once the "neo4j" database
 * answers a query. SIGTERM runs the shutdown hook, which shuts the DBMS down
 * cleanly (the store stays consistent and the data persists in HOME_DIR).
 */
public final class Neo4jMain {
  private Neo4jMain() {}

  public static void main(String[] args) throws InterruptedException {
    Path home = Path.of(args.length > 0 ? args[0] : ".services/data/neo4j").toAbsolutePath();
    String host = System.getProperty("bolt.host", "127.0.0.1");
    int port = Integer.getInteger("bolt.port", 7687);
    long pagecacheMb = Long.getLong("pagecache.mb", 128L);
    long t0 = System.nanoTime();
    try {
      DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
          .setConfig(BoltConnector.enabled, true)
          .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
          .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
          .setConfig(HttpConnector.enabled, false)
          .setConfig(GraphDatabaseSettings.auth_enabled, false)
          .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pagecacheMb))
          // dbms.usage_report.enabled (default true): no anonymous usage data, no outbound traffic
          .setConfig(GraphDatabaseSettings.udc_enabled, false)
          // Bolt's Netty event loops wait 5 s (quiet period) each on shutdown: ~10 s per stop.
          .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
          .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(3))
          .build();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        System.out.println("NEO4J STOPPING");
        System.out.flush();
        dbms.shutdown();
        System.out.println("NEO4J STOPPED");
        System.out.flush();
      }, "neo4j-shutdown"));
      String version = dbms.database("system").executeTransactionally(
          "CALL dbms.components() YIELD versions RETURN versions[0] AS v", Map.of(),
          r -> r.hasNext() ? String.valueOf(r.next().get("v")) : "unknown");
      dbms.database("neo4j").executeTransactionally("RETURN 1");
      long ms = (System.nanoTime() - t0) / 1_000_000L;
      System.out.printf("NEO4J READY bolt://%s:%d version=%s home=%s startup_ms=%d%n",
          host, port, version, home, ms);
      System.out.flush();
    } catch (Throwable t) {
      t.printStackTrace();
      System.err.println("NEO4J FAILED: " + t);
      System.err.flush();
      Runtime.getRuntime().halt(1);
    }
    Thread.currentThread().join();
  }
}
