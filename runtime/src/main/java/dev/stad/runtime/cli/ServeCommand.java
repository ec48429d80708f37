package dev.stad.runtime.cli;

import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.engine.EngineKind;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.serve.ServeOptions;
import dev.stad.runtime.serve.StationServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code runtime serve}: the station as a local HTTP service ({@link StationServer}), until the
 * process is stopped (Ctrl-C or SIGTERM finish the requests in flight first).
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Serves a model bundle over HTTP: POST /v1/score with an image, a page at / to look at"
                + " maps, /health, /v1/info and /metrics.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "1:the bundle, the engine or the address could not be used (one line says why)",
            "2:invalid command line, or the engine asked for cannot run on this machine",
            "143:stopped by SIGTERM (130: Ctrl-C) after finishing the requests in flight, as the JVM reports a"
                    + " signal"
        })
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--bundle", required = true, paramLabel = "PATH", description = "Model bundle: a folder or a .zip.")
    Path bundle;

    @Option(
            names = "--port",
            paramLabel = "N",
            defaultValue = "" + ServeOptions.DEFAULT_PORT,
            description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--bind",
            paramLabel = "ADDRESS",
            defaultValue = ServeOptions.DEFAULT_BIND,
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every"
                    + " interface: then use --token-file).")
    String bind;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "File holding a bearer token every endpoint but /health requires (header 'Authorization:"
                    + " Bearer <token>'; the page also takes ?token=).")
    Path tokenFile;

    @Option(
            names = "--parallel",
            paramLabel = "K",
            defaultValue = "1",
            description = "Images scored at the same time (default: ${DEFAULT-VALUE}; the engine already uses every"
                    + " core for one).")
    int parallel;

    @Option(
            names = "--queue",
            paramLabel = "N",
            defaultValue = "" + ServeOptions.DEFAULT_QUEUE,
            description = "Requests that may wait for the detector; more are answered 503 with Retry-After"
                    + " (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "" + 30,
            description = "Longest a request waits for the detector before a 503 (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(
            names = "--drain",
            paramLabel = "SECONDS",
            defaultValue = "" + 30,
            description = "On SIGTERM, how long requests in flight may take to finish (default: ${DEFAULT-VALUE}).")
    double drainSeconds;

    @Option(
            names = "--max-body-mb",
            paramLabel = "MB",
            defaultValue = "" + (ServeOptions.DEFAULT_MAX_BODY_BYTES >> 20),
            description = "Largest request body, in MiB; larger ones get 413 unread (default: ${DEFAULT-VALUE}).")
    double maxBodyMb;

    @Option(
            names = "--max-megapixels",
            paramLabel = "MP",
            defaultValue = "" + 30,
            description = "Largest image decoded; larger ones get 413 from their header (default: ${DEFAULT-VALUE}).")
    double maxMegapixels;

    @Option(
            names = "--threshold",
            paramLabel = "T",
            description = "Image threshold for decisions and regions (default: the bundle's).")
    Double threshold;

    @Mixin
    GpuOptions gpu;

    @Mixin
    DetectorChoiceOptions detectorChoice;

    @Mixin
    TileOptions tiles;

    @Mixin
    TrustOptions trust;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ServeOptions options = serveOptions();
        EngineKind engine = detectorChoice.engine();
        Engines.Choice choice = Engines.choose(engine);
        detectorChoice.requirePrecisionRunsOn(choice.kind());
        DetectorOptions detectorOptions = detectorChoice
                .detectorOptions(gpu, gpu.trt(parallel), tiles, trust)
                .withThreshold(threshold);
        StationServer server = StationServer.start(bundle, detectorOptions, options);
        Thread hook = new Thread(server::close, "stad-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("listening on " + server.url() + " (engine " + choice + "); opening " + bundle + " ...");
        out.flush();
        if (!ServeOptions.DEFAULT_BIND.equals(bind) && tokenFile == null) {
            spec.commandLine()
                    .getErr()
                    .println("warning: serving " + bind + " without --token-file: anyone who can reach this port"
                            + " can score images and read the model's description");
        }
        try {
            while (!server.awaitReady(Duration.ofMinutes(1))) {
                out.println("still opening " + bundle + " ...");
                out.flush();
            }
        } catch (IOException e) {
            server.close();
            Runtime.getRuntime().removeShutdownHook(hook);
            throw e;
        }
        Detector d = server.detector();
        if (d == null) {
            return 0; // stopped while it was opening
        }
        out.println("ready: model " + d.manifest().name() + ", " + d.engine() + ", "
                + d.precision().id()
                + " detector, threshold " + d.threshold() + "; page at " + server.url() + "/ , POST images to "
                + server.url() + "/v1/score");
        out.flush();
        server.awaitStopped();
        return 0;
    }

    private ServeOptions serveOptions() throws IOException {
        if (parallel < 1) {
            throw new ParameterException(spec.commandLine(), "--parallel must be >= 1, found " + parallel);
        }
        if (queue < 0) {
            throw new ParameterException(spec.commandLine(), "--queue must be >= 0, found " + queue);
        }
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be 0 to 65535, found " + port);
        }
        if (!(timeoutSeconds > 0) || !(drainSeconds >= 0) || !(maxBodyMb > 0) || !(maxMegapixels > 0)) {
            throw new ParameterException(
                    spec.commandLine(), "--timeout, --max-body-mb and --max-megapixels must be positive, --drain >= 0");
        }
        String token = null;
        if (tokenFile != null) {
            try {
                token = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new ParameterException(
                        spec.commandLine(), "--token-file " + tokenFile + ": cannot read (" + e.getMessage() + ")");
            }
            if (token.isEmpty() || token.contains("\n")) {
                throw new ParameterException(
                        spec.commandLine(), "--token-file " + tokenFile + " must hold one non-empty line");
            }
        }
        return ServeOptions.defaults()
                .withBind(bind)
                .withPort(port)
                .withToken(token)
                .withWorkers(parallel)
                .withQueue(queue)
                .withTimeout(Duration.ofMillis(Math.round(timeoutSeconds * 1000)))
                .withDrain(Duration.ofMillis(Math.round(drainSeconds * 1000)))
                .withMaxBodyBytes(Math.round(maxBodyMb * (1 << 20)))
                .withMaxPixels(Math.round(maxMegapixels * 1e6));
    }
}
