package org.elasticsearch.node;

import dev.search.analysis.DevAnalysisPlugin;
import dev.search.rest.DevRootPlugin;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.Build;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.transport.netty4.Netty4Plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Entry point of the dev single-node Elasticsearch.
 *
 * <pre>
 * java [jvm options] -cp target/es-dev-launcher.jar:target/lib/* org.elasticsearch.node.DevElasticsearch \
 *      -Epath.home=/some/dir [-Ehttp.port=9200] [-Ekey=value ...]
 * </pre>
 *
 * Only {@code path.home} is required; the rest have dev-friendly defaults (see {@link #defaults}).
 * SIGTERM / SIGINT close the node cleanly (a JVM shutdown hook).
 */
public final class DevElasticsearch {

    /** Plugins loaded from the classpath instead of modules/ and plugins/ directories. */
    static final List<Class<? extends Plugin>> PLUGINS = List.of(
        Netty4Plugin.class,      // HTTP + transport (the server jar has no network implementation of its own)
        DevAnalysisPlugin.class, // italian/english analyzers etc. (stand-in for the analysis-common module)
        DevRootPlugin.class      // GET / and HEAD / (stand-in for the rest-root module)
    );

    private static final CountDownLatch STOPPED = new CountDownLatch(1);

    private DevElasticsearch() {}

    static Settings.Builder defaults(Path home) {
        return Settings.builder()
            .put("path.data", home.resolveSibling("data").toString())
            .put("path.logs", home.resolveSibling("logs").toString())
            .put("cluster.name", "skills-dev")
            .put("node.name", "dev-node")
            // one node, no discovery, no bootstrap checks (those only apply when binding a non-loopback address)
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", "9200")
            // the real-memory breaker is tuned for the distribution's GC settings; with a small heap it
            // rejects requests spuriously. The per-request breakers (request, fielddata, in-flight) stay on.
            .put("indices.breaker.total.use_real_memory", false)
            // a dev laptop with a nearly full disk must not flip indices to read-only
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            // dev/test convenience: allow DELETE /test-* when cleaning up
            .put("action.destructive_requires_name", false);
    }

    public static void main(String[] args) throws Exception {
        // Elasticsearch's logging setup redirects System.out/err into log4j: keep the real stderr for fatal errors.
        final PrintStream stderr = System.err;
        try {
            run(args);
        } catch (Throwable t) {
            t.printStackTrace(stderr);
            fail(stderr, t);
        }
    }

    private static void run(String[] args) throws Exception {
        final long t0 = System.nanoTime();
        Settings.Builder overrides = Settings.builder();
        for (String arg : args) {
            if (arg.startsWith("-E") && arg.indexOf('=') > 2) {
                int eq = arg.indexOf('=');
                overrides.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else {
                System.err.println("unsupported argument [" + arg + "]: use -Ekey=value");
                System.exit(64);
            }
        }
        String homeValue = overrides.get("path.home");
        if (homeValue == null) {
            System.err.println("-Epath.home=<dir> is required");
            System.exit(64);
        }
        Path home = Path.of(homeValue).toAbsolutePath().normalize();
        Settings settings = defaults(home).put(overrides.build()).put("path.home", home.toString()).build();

        // The logging configuration ships inside our jar; config/ is (re)written from it on every start.
        Path config = Files.createDirectories(home.resolve("config"));
        try (InputStream in = DevElasticsearch.class.getResourceAsStream("/dev/search/log4j2.properties")) {
            Files.copy(in, config.resolve("log4j2.properties"), StandardCopyOption.REPLACE_EXISTING);
        }
        for (String dir : List.of("path.data", "path.logs")) {
            Files.createDirectories(Path.of(settings.get(dir)));
        }

        String nativeNote = prepareNativeLibraries(home);

        LogConfigurator.registerErrorListener();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), config, () -> "dev-node");
        LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(environment.settings()));
        LogConfigurator.configure(environment, true); // true = keep the console appender (stdout)
        Logger logger = LogManager.getLogger(DevElasticsearch.class);
        logger.info("native libraries: {}", nativeNote);

        final Node node;
        try {
            node = new DevNode(environment, PLUGINS);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(node, logger), "dev-node-shutdown"));
            node.start();
        } catch (Throwable t) {
            logger.fatal("node failed to start", t);
            LogManager.shutdown();
            throw t;
        }
        logger.info(
            "dev node [{}] started in {} ms (elasticsearch {}, java {}, plugins {})",
            Node.NODE_NAME_SETTING.get(environment.settings()),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
            Build.current().version(),
            Runtime.version(),
            PLUGINS.stream().map(Class::getSimpleName).toList()
        );
        // Node threads are daemons: keep the JVM alive until the shutdown hook has closed the node.
        STOPPED.await();
    }

    /**
     * Elasticsearch's native access (Panama FFM) expects its own shared libraries in
     * {@code $ES_HOME/lib/platform/<os>-<arch>} (or {@code -Des.nativelibs.path}). The distribution ships libzstd,
     * libvec and libes_parquet_rs there; none of them is on Maven Central. Without libzstd the whole native layer
     * is disabled, so point Elasticsearch at the system's libzstd when there is one (Debian/Ubuntu: libzstd1)
     * and switch off the optional native vector library (Lucene's Panama vector code is used instead).
     * Must run before anything touches {@code NativeAccess}.
     */
    private static String prepareNativeLibraries(Path home) throws IOException {
        if (System.getProperty("org.elasticsearch.nativeaccess.enableVectorLibrary") == null) {
            System.setProperty("org.elasticsearch.nativeaccess.enableVectorLibrary", "false");
        }
        if (System.getProperty("es.nativelibs.path") != null) {
            return "using -Des.nativelibs.path=" + System.getProperty("es.nativelibs.path");
        }
        Path dir = Files.createDirectories(home.resolve("native"));
        Path link = dir.resolve(System.mapLibraryName("zstd"));
        System.setProperty("es.nativelibs.path", dir.toString());
        for (String candidate : List.of(
            "/usr/lib/x86_64-linux-gnu/libzstd.so.1",
            "/usr/lib/aarch64-linux-gnu/libzstd.so.1",
            "/lib/x86_64-linux-gnu/libzstd.so.1",
            "/lib/aarch64-linux-gnu/libzstd.so.1",
            "/usr/lib64/libzstd.so.1",
            "/usr/lib/libzstd.so.1",
            "/opt/homebrew/lib/libzstd.1.dylib",
            "/usr/local/lib/libzstd.1.dylib"
        )) {
            Path target = Path.of(candidate);
            if (Files.isReadable(target)) {
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, target);
                return "zstd from " + target + " (native vector library disabled)";
            }
        }
        Files.deleteIfExists(link);
        return "no system libzstd found: Elasticsearch native access is disabled (zstd-compressed stored fields, "
            + "e.g. index.codec=best_compression, will not work); install libzstd1 to enable it";
    }

    private static void shutdown(Node node, Logger logger) {
        try {
            logger.info("stopping (signal received)");
            node.prepareForClose();
            node.close();
            if (node.awaitClose(20, TimeUnit.SECONDS) == false) {
                logger.warn("node did not close within 20s");
            }
            logger.info("stopped");
        } catch (IOException | InterruptedException | RuntimeException e) {
            logger.warn("error while stopping the node", e);
        } finally {
            LogManager.shutdown();
            STOPPED.countDown();
        }
    }

    private static void fail(PrintStream err, Throwable t) {
        err.println("dev elasticsearch failed to start: " + t);
        err.flush();
        Runtime.getRuntime().halt(1);
    }
}
