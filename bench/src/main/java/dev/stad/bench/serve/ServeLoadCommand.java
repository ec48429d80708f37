package dev.stad.bench.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.bench.report.ProcessMemory;
import dev.stad.bench.report.Stats;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.serve.ServeOptions;
import dev.stad.runtime.serve.StationServer;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bench serve-load}: {@code runtime serve} under load, over real HTTP on loopback. The
 * station runs in this process, so its resident memory is this process's (the clients' share is
 * small and constant). After a warm-up (every image once, then one overloaded phase not kept),
 * two phases that each run until the same number of requests have been answered, images taken
 * round-robin from a folder: as many concurrent clients as the station admits ({@code --parallel
 * + --queue}), where every request must succeed, then {@code --overload} times as many, where
 * every request must either succeed or be refused with 503, and a refused client waits as its
 * Retry-After says before it tries again. Passes when both hold and resident memory after the
 * warm-up stays within 10% of where the warm-up left it.
 */
@Command(
        name = "serve-load",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Loads the HTTP station on loopback with concurrent clients: throughput, p50/p99 latency,"
                + " answers by status below and above the queue limit, resident memory.")
public final class ServeLoadCommand implements Callable<Integer> {
    /** Allowed growth of resident memory after the warm-up. */
    static final double GROWTH_LIMIT = 0.10;

    @Option(names = "--bundle", required = true, paramLabel = "PATH", description = "Model bundle.")
    Path bundle;

    @Option(
            names = "--images",
            required = true,
            paramLabel = "DIR",
            description = "Folder of images (recursive), sent as they are stored.")
    Path images;

    @Option(names = "--requests", defaultValue = "200", description = "Requests per phase (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(
            names = "--parallel",
            defaultValue = "1",
            description = "The station's --parallel (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--queue", defaultValue = "4", description = "The station's --queue (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(
            names = "--overload",
            defaultValue = "3",
            description = "Clients in the second phase, as a multiple of what the station admits (default:"
                    + " ${DEFAULT-VALUE}).")
    int overload;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description = "Engine threads per image (default: ${DEFAULT-VALUE}, one per physical core).")
    int engineThreads;

    @Option(
            names = "--out",
            defaultValue = "bench-results/serve-load",
            paramLabel = "DIR",
            description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    /**
     * One phase.
     *
     * @param requests successful answers (the phase runs until it has the asked number; a few
     *     clients may finish one more)
     * @param byStatus answers by HTTP status
     * @param imagesPerSecond successful answers per second of the phase
     * @param p50Millis median latency of the successful requests, as the client measured it
     * @param p99Millis their 99th percentile
     * @param refusedP50Millis median latency of the 503s (how fast a refusal comes back)
     */
    public record Phase(
            String name,
            int clients,
            int requests,
            Map<Integer, Integer> byStatus,
            double seconds,
            double imagesPerSecond,
            double p50Millis,
            double p99Millis,
            double refusedP50Millis,
            double residentMbAtEnd,
            boolean passed) {}

    /** The run. */
    public record Report(
            String bundle,
            String engine,
            int distinctImages,
            int parallel,
            int queue,
            double warmUpResidentMb,
            double maxResidentMb,
            double growth,
            List<Phase> phases,
            boolean passed) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        if (requests < 1 || parallel < 1 || queue < 0 || overload < 2 || engineThreads < 0) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--requests and --parallel must be >= 1, --queue and --threads >= 0, --overload >= 2");
        }
        List<byte[]> bodies = new ArrayList<>();
        try (Stream<Path> s = Files.walk(images)) {
            for (Path f : s.filter(Files::isRegularFile)
                    .filter(ImageDecoder::isImageFile)
                    .sorted()
                    .toList()) {
                bodies.add(Files.readAllBytes(f));
            }
        }
        if (bodies.isEmpty()) {
            throw new IllegalArgumentException(images + ": no images");
        }
        Files.createDirectories(out);
        ServeOptions options =
                ServeOptions.defaults().withPort(0).withWorkers(parallel).withQueue(queue);
        try (StationServer server =
                StationServer.start(bundle, DetectorOptions.defaults().withThreads(engineThreads), options)) {
            if (!server.awaitReady(Duration.ofMinutes(30))) {
                throw new IllegalStateException("the station did not get ready in 30 minutes");
            }
            Detector d = server.detector();
            String score = server.url() + "/v1/score";
            log.printf(
                    Locale.ROOT,
                    "bench serve-load: %s, %d images, --parallel %d --queue %d, %s%n",
                    bundle,
                    bodies.size(),
                    parallel,
                    queue,
                    d.engine());
            HttpClient client =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            // Warm-up: every image once, then a phase at full overload whose figures are not kept,
            // so the heap and the engine's arenas have grown to where they stay.
            for (byte[] b : bodies) {
                send(client, score, b);
            }
            double[] max = {0};
            int admitted = options.admitted();
            phase(log, client, score, bodies, "warm-up", overload * admitted, status -> true, max);
            double warm = ProcessMemory.residentMb();
            max[0] = warm;
            List<Phase> phases = new ArrayList<>();
            phases.add(phase(log, client, score, bodies, "at the limit", admitted, status -> status == 200, max));
            phases.add(phase(
                    log,
                    client,
                    score,
                    bodies,
                    "over the limit",
                    overload * admitted,
                    status -> status == 200 || status == 503,
                    max));
            double growth = (max[0] - warm) / warm;
            boolean passed = phases.stream().allMatch(Phase::passed) && growth <= GROWTH_LIMIT;
            Report report = new Report(
                    bundle.toString(),
                    d.engine(),
                    bodies.size(),
                    parallel,
                    queue,
                    warm,
                    max[0],
                    growth,
                    phases,
                    passed);
            AtomicFiles.write(
                    out.resolve("serve-load.json"),
                    o -> new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(o, report));
            String md = markdown(report);
            AtomicFiles.write(out.resolve("serve-load.md"), o -> o.write(md.getBytes(StandardCharsets.UTF_8)));
            log.print(md);
            log.printf(
                    Locale.ROOT,
                    "resident memory %.0f MB after the warm-up, at most %.0f MB under load (%+.1f%%): %s%n",
                    warm,
                    max[0],
                    100 * growth,
                    passed ? "passed" : "FAILED");
            log.flush();
            return passed ? 0 : 1;
        }
    }

    private interface Accept {
        boolean test(int status);
    }

    private Phase phase(
            PrintWriter log,
            HttpClient client,
            String url,
            List<byte[]> bodies,
            String name,
            int clients,
            Accept accept,
            double[] maxResident)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        List<Double> ok = Collections.synchronizedList(new ArrayList<>());
        List<Double> refused = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, Integer> byStatus = Collections.synchronizedMap(new TreeMap<>());
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                running.add(pool.submit(() -> {
                    // Until the phase has its successful answers; a refused client waits as
                    // Retry-After says, as a well-behaved camera script would.
                    while (answered.get() < requests) {
                        long s = System.nanoTime();
                        HttpResponse<Void> r = send(client, url, bodies.get(next.getAndIncrement() % bodies.size()));
                        int status = r == null ? -1 : r.statusCode();
                        double ms = (System.nanoTime() - s) / 1e6;
                        byStatus.merge(status, 1, Integer::sum);
                        if (status == 200) {
                            ok.add(ms);
                            answered.incrementAndGet();
                        } else {
                            refused.add(ms);
                            long wait = r == null
                                    ? 1
                                    : r.headers()
                                            .firstValueAsLong("Retry-After")
                                            .orElse(1);
                            Thread.sleep(1000 * Math.max(1, wait));
                        }
                        synchronized (maxResident) {
                            maxResident[0] = Math.max(maxResident[0], ProcessMemory.residentMb());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        boolean passed = byStatus.keySet().stream().allMatch(accept::test) && !ok.isEmpty();
        Phase p = new Phase(
                name,
                clients,
                ok.size(),
                new TreeMap<>(byStatus),
                seconds,
                ok.size() / seconds,
                ok.isEmpty() ? Double.NaN : Stats.median(ok),
                ok.isEmpty() ? Double.NaN : Stats.quantile(ok, 0.99),
                refused.isEmpty() ? Double.NaN : Stats.median(refused),
                ProcessMemory.residentMb(),
                passed);
        log.printf(
                Locale.ROOT,
                "serve-load: %s, %d clients: %s in %.1f s, %.2f images/s, p50 %.1f ms, p99 %.1f ms%n",
                name,
                clients,
                p.byStatus(),
                seconds,
                p.imagesPerSecond(),
                p.p50Millis(),
                p.p99Millis());
        return p;
    }

    /** Sends one image; null where the connection failed. */
    private static HttpResponse<Void> send(HttpClient client, String url, byte[] body) throws InterruptedException {
        try {
            return client.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofMinutes(5))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    static String markdown(Report r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT,
                "%n%s, %d distinct images, --parallel %d --queue %d; %s%n%n",
                r.bundle(),
                r.distinctImages(),
                r.parallel(),
                r.queue(),
                r.engine()));
        s.append("| phase | clients | requests | answers by status | images/s | p50 ms | p99 ms | 503 p50 ms |"
                + " resident MB at end | passed |\n");
        s.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Phase p : r.phases()) {
            s.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %s | %.2f | %.1f | %.1f | %s | %.0f | %s |%n",
                    p.name(),
                    p.clients(),
                    p.requests(),
                    p.byStatus(),
                    p.imagesPerSecond(),
                    p.p50Millis(),
                    p.p99Millis(),
                    Double.isNaN(p.refusedP50Millis()) ? "-" : String.format(Locale.ROOT, "%.1f", p.refusedP50Millis()),
                    p.residentMbAtEnd(),
                    p.passed() ? "yes" : "no"));
        }
        return s.toString();
    }
}
