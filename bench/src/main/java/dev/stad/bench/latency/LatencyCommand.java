package dev.stad.bench.latency;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import dev.stad.bench.BenchCommand;
import dev.stad.bench.metrics.Curve;
import dev.stad.bench.report.Plots;
import dev.stad.bench.report.ProcessMemory;
import dev.stad.bench.report.Stats;
import dev.stad.exporter.TrainedModel;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.detect.Tiles;
import dev.stad.runtime.engine.EngineKind;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.image.Resampler;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.io.Json;
import dev.stad.runtime.spec.NetworkSpec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code bench latency}: time per anomaly map, EfficientAD's way (batch 1, warm-up first, clock
 * from host image to host map), per engine, image size and detector variant, with the achieved
 * GFLOP/s next to the machine's sgemm rate; and the per-patch baseline.
 */
@Command(
        name = "latency",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Latency per anomaly map (p50/p95/p99, throughput, memory, GFLOP/s vs sgemm) and the"
                + " per-patch baseline. Writes latency.json, latency.md and latency.png.")
public final class LatencyCommand implements Callable<Integer> {
    @Option(names = "--bundle", required = true, paramLabel = "PATH", description = "Model bundle.")
    Path bundlePath;

    @Option(
            names = "--checkpoint",
            paramLabel = "DIR",
            description = "The bundle's training run; adds single-scale and fewer-student variants.")
    Path checkpoint;

    @Option(
            names = "--sizes",
            split = ",",
            defaultValue = "128,256,512,900",
            paramLabel = "PX",
            description = "Image sizes for the full detector (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(
            names = "--variant-sizes",
            split = ",",
            defaultValue = "128,256",
            paramLabel = "PX",
            description = "Image sizes for the other variants (default: ${DEFAULT-VALUE}).")
    List<Integer> variantSizes;

    @Option(names = "--runs", defaultValue = "20", description = "Timed runs per point (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(
            names = "--min-runs",
            defaultValue = "3",
            description = "Fewest timed runs per point (default: ${DEFAULT-VALUE}).")
    int minRuns;

    @Option(
            names = "--max-seconds",
            defaultValue = "60",
            description = "Time budget per point; fewer runs where one takes long, never under --min-runs"
                    + " (default: ${DEFAULT-VALUE}).")
    double maxSeconds;

    @Option(
            names = "--engines",
            split = ",",
            paramLabel = "ENGINE",
            description = "Engines to time (default: every one available here: ort, and ort-cuda with CUDA).")
    List<String> engines;

    @Option(names = "--threads", defaultValue = "0", description = "Engine threads (default: all cores).")
    int threads;

    @Option(
            names = "--tile",
            defaultValue = "512",
            paramLabel = "PX",
            description = "Images larger than PX x PX are computed in tiles of at most that size (exact; bounds"
                    + " memory, which grows with the pixels computed at once); 0: never (default: ${DEFAULT-VALUE}).")
    int tile;

    @Option(
            names = "--image",
            paramLabel = "FILE",
            description = "Image to score, resized to each size (default: the first synthetic test image, else noise).")
    Path image;

    @Option(names = "--baseline-size", defaultValue = "256", description = "Image size of the per-patch baseline.")
    int baselineSize;

    @Option(names = "--patches", defaultValue = "2048", description = "Patches timed per network in the baseline.")
    int patches;

    @Option(names = "--sgemm", defaultValue = "2048", description = "Matrix side of the sgemm yardstick.")
    int sgemmSize;

    @Option(
            names = "--out",
            defaultValue = "bench-results/latency",
            paramLabel = "DIR",
            description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @ParentCommand
    BenchCommand parent;

    private PrintWriter log;

    /** One timed point. */
    public record Point(
            String engine,
            String variant,
            int size,
            int tiles,
            int runs,
            double p50Ms,
            double p95Ms,
            double p99Ms,
            double meanMs,
            double mapsPerSecond,
            double gflop,
            double gflops,
            double percentOfSgemm,
            double residentMb,
            double peakResidentMb) {}

    /** Everything one run of the bench measured. */
    public record Report(
            String bundle,
            String machine,
            String onnxRuntime,
            int threads,
            Map<String, Sgemm.Result> sgemm,
            List<Point> points,
            List<PatchBaseline.Result> baseline) {}

    @Override
    public Integer call() throws Exception {
        log = spec.commandLine().getOut();
        Files.createDirectories(out);
        ModelBundle bundle = ModelBundle.open(bundlePath);
        BundleManifest m = bundle.manifest();
        List<Variant> variants = new ArrayList<>();
        variants.add(Variant.ofBundle(bundle));
        if (checkpoint != null) {
            TrainedModel model = TrainedModel.load(checkpoint);
            int students = m.scales().get(0).students();
            if (m.scales().size() > 1) {
                for (BundleManifest.Scale s : m.scales()) {
                    variants.add(Variant.of(model, List.of(s.name()), students));
                }
            }
            if (students > 2) {
                variants.add(Variant.of(
                        model,
                        m.scales().stream().map(BundleManifest.Scale::name).toList(),
                        2));
            }
        }
        List<EngineKind> kinds = new ArrayList<>();
        if (engines == null) {
            kinds.add(EngineKind.ORT);
            if (OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
                kinds.add(EngineKind.ORT_CUDA);
            }
        } else {
            for (String e : engines) {
                kinds.add(EngineKind.parse(e));
            }
        }
        FloatImage source = sourceImage();
        String machine = Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.arch") + ", "
                + cpuName();
        log.printf(
                Locale.ROOT,
                "bench latency: %s on %s; variants %s%n",
                bundlePath,
                machine,
                variants.stream().map(Variant::name).toList());

        Map<String, Sgemm.Result> sgemm = new LinkedHashMap<>();
        List<Point> points = new ArrayList<>();
        for (EngineKind kind : kinds) {
            EngineOptions eo = new EngineOptions(kind, threads, 0);
            Sgemm.Result g = Sgemm.measure(eo, sgemmSize, 10);
            sgemm.put(kind.id(), g);
            log.printf(Locale.ROOT, "%s sgemm %d: %.1f ms, %.1f GFLOP/s%n", kind.id(), g.n(), g.ms(), g.gflops());
            for (Variant v : variants) {
                try (GraphSession session = Engines.open(
                        v.onnx(),
                        v.name(),
                        m.detector().input(),
                        List.of(m.detector().output()),
                        eo)) {
                    for (int size : v == variants.get(0) ? sizes : variantSizes) {
                        Point p = time(
                                kind.id(),
                                session,
                                v,
                                m.preprocessing(),
                                Resampler.resize(source, size, size),
                                g.gflops(),
                                m.detector().output(),
                                Tiles.halo(m),
                                Tiles.minimumSide(m));
                        points.add(p);
                        log.printf(
                                Locale.ROOT,
                                "%s %-14s %4d px: p50 %9.1f ms (p95 %.1f, %d runs), %.1f GFLOP/s"
                                        + " = %.0f%% of sgemm, RSS %.0f MB%n",
                                p.engine(),
                                p.variant(),
                                size,
                                p.p50Ms(),
                                p.p95Ms(),
                                p.runs(),
                                p.gflops(),
                                p.percentOfSgemm(),
                                p.residentMb());
                    }
                }
            }
        }
        Preprocessing atBaseline = new Preprocessing(
                baselineSize,
                baselineSize,
                m.preprocessing().mean(),
                m.preprocessing().std());
        List<PatchBaseline.Result> baseline = PatchBaseline.measure(
                bundle,
                atBaseline.apply(Resampler.resize(source, baselineSize, baselineSize)),
                patches,
                256,
                3,
                new EngineOptions(EngineKind.ORT, threads, 0));
        for (PatchBaseline.Result b : baseline) {
            log.printf(
                    Locale.ROOT,
                    "baseline %s %d px: per-patch %.4f ms/pixel, projected %.0f ms per map; dense %.1f"
                            + " ms; speedup %.1fx, FLOP ratio %.1fx (%.2f of it)%n",
                    b.scale(),
                    b.size(),
                    b.patchMsPerPixel(),
                    b.projectedPatchMs(),
                    b.denseMs(),
                    b.speedup(),
                    b.flopRatio(),
                    b.speedupOverFlopRatio());
        }
        Report report = new Report(
                bundlePath.toString(),
                machine,
                OrtEnvironment.getEnvironment().getVersion(),
                threads,
                sgemm,
                points,
                baseline);
        Json.write(out.resolve("latency.json"), report);
        AtomicFiles.writeString(out.resolve("latency.md"), markdown(report));
        Plots.write(plot(report), out.resolve("latency.png"));
        log.println(markdown(report));
        log.println("Wrote " + out.resolve("latency.json") + ", latency.md and latency.png");
        return 0;
    }

    private Point time(
            String engine,
            GraphSession session,
            Variant v,
            Preprocessing base,
            FloatImage host,
            double sgemmGflops,
            String output,
            NetworkSpec.Margin halo,
            int minimumSide)
            throws Exception {
        int size = host.height();
        Preprocessing pre = new Preprocessing(size, size, base.mean(), base.std());
        double warm = scoreOnce(session, pre, host, output, halo, minimumSide);
        int n = (int) Math.max(minRuns, Math.min(runs, Math.floor(maxSeconds * 1000 / warm)));
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ms.add(scoreOnce(session, pre, host, output, halo, minimumSide));
        }
        int perSide = tile > 0 && size > tile ? (size + tile - 1) / tile : 1;
        double p50 = Stats.median(ms);
        double gflops = v.gflop(size) / (p50 / 1e3);
        return new Point(
                engine,
                v.name(),
                size,
                perSide * perSide,
                n,
                p50,
                Stats.quantile(ms, 0.95),
                Stats.quantile(ms, 0.99),
                Stats.mean(ms),
                1e3 / Stats.mean(ms),
                v.gflop(size),
                gflops,
                100 * gflops / sgemmGflops,
                ProcessMemory.residentMb(),
                ProcessMemory.peakMb());
    }

    /** Host image to host anomaly map: normalise, run (in tiles if large), copy out, take the maximum. */
    private double scoreOnce(
            GraphSession session,
            Preprocessing pre,
            FloatImage host,
            String output,
            NetworkSpec.Margin halo,
            int minimumSide)
            throws Exception {
        long t0 = System.nanoTime();
        FloatImage map = Tiles.run(session, output, pre.apply(host), tile, halo, minimumSide);
        float max = Float.NEGATIVE_INFINITY;
        for (float f : map.data()) {
            max = Math.max(max, f);
        }
        if (!Float.isFinite(max)) {
            throw new IllegalStateException("non-finite anomaly map");
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private FloatImage sourceImage() throws Exception {
        Path p = image != null ? image : Path.of("data/synthetic/test/good/000.png");
        if (image != null || Files.exists(p)) {
            return ImageDecoder.read(p);
        }
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        float[] d = new float[3 * 256 * 256];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextDouble();
        }
        return new FloatImage(3, 256, 256, d);
    }

    private static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (Exception e) {
            return "unknown CPU";
        }
        return "unknown CPU";
    }

    static String markdown(Report r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT,
                "Bundle %s; %s; ONNX Runtime %s; sgemm: %s%n%n",
                r.bundle(),
                r.machine(),
                r.onnxRuntime(),
                r.sgemm().entrySet().stream()
                        .map(e -> String.format(
                                Locale.ROOT,
                                "%s %.0f GFLOP/s (%d^3)",
                                e.getKey(),
                                e.getValue().gflops(),
                                e.getValue().n()))
                        .toList()));
        s.append(
                "| engine | detector | image | tiles | runs | p50 ms | p95 ms | p99 ms | maps/s | GFLOP per map | GFLOP/s |"
                        + " % of sgemm | RSS MB | peak RSS MB |\n");
        s.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Point p : r.points()) {
            s.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %d×%d | %d | %d | %.1f | %.1f | %.1f | %.3f | %.1f | %.1f |"
                            + " %.0f%% | %.0f | %.0f |%n",
                    p.engine(),
                    p.variant(),
                    p.size(),
                    p.size(),
                    p.tiles(),
                    p.runs(),
                    p.p50Ms(),
                    p.p95Ms(),
                    p.p99Ms(),
                    p.mapsPerSecond(),
                    p.gflop(),
                    p.gflops(),
                    p.percentOfSgemm(),
                    p.residentMb(),
                    p.peakResidentMb()));
        }
        if (!r.baseline().isEmpty()) {
            s.append("\nPer-patch baseline (ONNX Runtime CPU, patch graphs in batches of 256; patch times are"
                    + " **projected** from the patches timed):\n\n");
            s.append("| scale | image | networks | patches timed | per-patch ms per pixel | per-patch ms per map"
                    + " (projected) | dense ms per map | speedup | FLOP ratio | speedup / FLOP ratio |\n");
            s.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
            for (PatchBaseline.Result b : r.baseline()) {
                s.append(String.format(
                        Locale.ROOT,
                        "| %s | %d×%d | %d | %d | %.4f | %.0f | %.1f | %.1f× | %.1f× |" + " %.2f |%n",
                        b.scale(),
                        b.size(),
                        b.size(),
                        b.networks(),
                        b.patchesTimed(),
                        b.patchMsPerPixel(),
                        b.projectedPatchMs(),
                        b.denseMs(),
                        b.speedup(),
                        b.flopRatio(),
                        b.speedupOverFlopRatio()));
            }
        }
        return s.toString();
    }

    private static byte[] plot(Report r) {
        Map<String, List<double[]>> byLine = new LinkedHashMap<>();
        for (Point p : r.points()) {
            byLine.computeIfAbsent(p.engine() + " " + p.variant(), k -> new ArrayList<>())
                    .add(new double[] {p.size(), p.p50Ms()});
        }
        Map<String, Curve> series = new LinkedHashMap<>();
        for (Map.Entry<String, List<double[]>> e : byLine.entrySet()) {
            series.put(e.getKey(), Curve.of(e.getValue()));
        }
        return Plots.lines(
                "Latency per anomaly map (p50, batch 1, host to host)",
                "image side (px)",
                "ms",
                series,
                true,
                true,
                null,
                null,
                true);
    }
}
