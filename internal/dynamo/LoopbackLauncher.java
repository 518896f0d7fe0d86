// LoopbackLauncher starts DynamoDB Local as its own main class
// (ServerRunner) does, but listening on 127.0.0.1 only. DynamoDB Local has no
// option for the address: its DynamoDBProxyServer makes a Jetty Server(port),
// which listens on every network interface, so anyone on the network could
// read and change the tables (there is no IAM in front of it).
//
// internal/dynamo/local.go compiles this file once with javac (into the user's
// cache directory) and runs
//
//	java -cp DynamoDBLocal.jar:CACHE LoopbackLauncher -inMemory -port N ...
//
// Exit status 3: the server did not start (the port is taken), so running
// DynamoDB Local the plain way would not help. Any other failure (the jar's
// insides changed) makes local.go fall back to the plain start, with a warning.
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackLauncher {
    static final String HOST = "127.0.0.1";

    public static void main(String[] args) throws Exception {
        // Parses the same options and prints the same banner as ServerRunner.
        // ServerRunner.main also sets up telemetry, which the workshop turns
        // off (-disableTelemetry): skipping it sends nothing either.
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field f = DynamoDBProxyServer.class.getDeclaredField("server");
        f.setAccessible(true);
        Server server = (Server) f.get(proxy);
        Connector[] connectors = server.getConnectors();
        if (connectors.length == 0) {
            throw new IllegalStateException("DynamoDB Local's Jetty server has no connector to bind to " + HOST);
        }
        for (Connector c : connectors) {
            ((ServerConnector) c).setHost(HOST);
        }
        proxy.start(); // prints "Could not start server on port" and stops when it cannot listen
        if (!server.isStarted()) {
            System.err.println("LoopbackLauncher: DynamoDB Local did not start on " + HOST);
            System.exit(3);
        }
        for (Connector c : connectors) {
            System.out.println("LoopbackLauncher: DynamoDB Local listens on " + HOST + ":" + ((ServerConnector) c).getLocalPort() + " only");
        }
        proxy.join();
    }
}
