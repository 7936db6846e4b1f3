import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;

/**
 * Starts mongo-java-server (in-memory) on 127.0.0.1 for tests and the sandbox.
 * Usage: java -cp 'lib/*' Launcher.java [port]   (port 0 = any free port)
 * Prints "listening <port>" once bound, then runs until stdin closes or the process is killed.
 * It reports MongoDB 6.0 (wire version 17): the MongoDB Node.js driver 7 refuses the library's
 * default (wire version 8).
 */
public class Launcher {
  enum ReportedVersion implements MongoVersion {
    MONGO_6_0;

    @Override
    public List<Integer> getVersionArray() {
      return List.of(6, 0, 0);
    }

    @Override
    public int getWireVersion() {
      return 17;
    }
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    MemoryBackend backend = new MemoryBackend();
    backend.version(ReportedVersion.MONGO_6_0);
    MongoServer server = new MongoServer(backend);
    server.bind("127.0.0.1", port);
    System.out.println("listening " + server.getLocalAddress().getPort());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    // The parent owns our lifetime: when its end of stdin closes (it exited or died), stop.
    while (System.in.read() != -1) {
      // ignore input
    }
    server.shutdownNow();
    System.exit(0);
  }
}
