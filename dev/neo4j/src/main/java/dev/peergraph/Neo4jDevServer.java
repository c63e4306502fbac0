package dev.peergraph;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.GraphDatabase;

/**
 * Neo4j community edition with a Bolt connector on 127.0.0.1:PORT, data under HOME.
 * Usage: Neo4jDevServer HOME PORT (password from NEO4J_PASSWORD).
 * Prints "READY bolt://127.0.0.1:PORT" once Bolt has answered a query, and shuts the
 * database down cleanly on SIGTERM so the same HOME opens again with the same data.
 */
public final class Neo4jDevServer {
  public static void main(String[] args) throws Exception {
    Path home = Path.of(args[0]).toAbsolutePath();
    int port = Integer.parseInt(args[1]);
    String password = System.getenv().getOrDefault("NEO4J_PASSWORD", "peergraph-dev");

    Path passwordSet = home.resolve("password-set");
    if (!Files.exists(passwordSet)) {
      // A fresh store's built-in user keeps its default password until we change it.
      // Do that with Bolt closed: a client already retrying on this port (an app
      // started before its database) would otherwise fail to log in and trip Neo4j's
      // auth rate limit, which then locks out every login, this launcher's included.
      DatabaseManagementService setup = dbms(home, port, false);
      try {
        setPassword(setup, password);
      } finally {
        setup.shutdown();
      }
      Files.writeString(passwordSet, "");
    }

    DatabaseManagementService dbms = dbms(home, port, true);
    Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "neo4j-shutdown"));

    setPassword(dbms, password);  // a reopened store takes a changed NEO4J_PASSWORD

    String uri = "bolt://127.0.0.1:" + port;
    Config config = Config.builder().withConnectionTimeout(5, TimeUnit.SECONDS).build();
    try (var driver = GraphDatabase.driver(uri, AuthTokens.basic("neo4j", password), config);
        var session = driver.session()) {
      session.run("RETURN 1").consume();
    }
    System.out.println("READY " + uri);
    System.out.flush();
    Thread.currentThread().join();  // serve until the process is signalled
  }

  private static DatabaseManagementService dbms(Path home, int port, boolean bolt) {
    return new DatabaseManagementServiceBuilder(home)
        .setConfig(BoltConnector.enabled, bolt)
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .setConfig(HttpConnector.enabled, false)
        .setConfig(GraphDatabaseSettings.auth_enabled, true)
        .setConfig(GraphDatabaseSettings.pagecache_memory, 256L * 1024 * 1024)
        .build();
  }

  /** The built-in user starts with a must-change password; a reopened store keeps its own. */
  private static void setPassword(DatabaseManagementService dbms, String password) {
    try {
      dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
          "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
    } catch (RuntimeException e) {
      // Reopening a store whose password is already this one: Neo4j refuses "the same".
      if (!String.valueOf(e.getMessage()).contains("the same")) {
        throw e;
      }
    }
  }
}
