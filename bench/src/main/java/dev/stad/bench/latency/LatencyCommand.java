package dev.stad.bench.latency;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import dev.stad.bench.BenchCommand;
import dev.stad.bench.metrics.Curve;
import dev.stad.bench.report.Plots;
import dev.stad.bench.report.ProcessMemory;
import dev.stad.bench.report.Stats;
import dev.stad.exporter.Exporter;
import dev.stad.exporter.RandomRun;
import dev.stad.exporter.TrainedModel;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.cli.TileOptions;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.detect.Tiles;
import dev.stad.runtime.engine.EngineKind;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.engine.InputProfile;
import dev.stad.runtime.engine.trt.TrtAvailability;
import dev.stad.runtime.engine.trt.TrtOptions;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.image.Resampler;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.io.Json;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.TrainingRun;
import dev.stad.trainer.config.ConfigLoader;
import dev.stad.trainer.config.TeacherConfig;
import dev.stad.trainer.config.TrainingConfig;
import dev.stad.trainer.model.EnergyTeacher;
import java.io.IOException;
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
import picocli.CommandLine.ParameterException;
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
    @Option(names = "--bundle", paramLabel = "PATH", description = "Model bundle to time (this or --config).")
    Path bundlePath;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Training config whose architectures to time with random weights, no training needed"
                    + " (latency does not depend on the weights): the bench writes a random run, exports it with"
                    + " fp32 and int8 detectors, and times that bundle.")
    Path config;

    @Option(
            names = "--precisions",
            split = ",",
            defaultValue = "fp32,int8",
            paramLabel = "P",
            description =
                    "Detectors of the bundle to time, where it has them: fp32, int8 (default:" + " ${DEFAULT-VALUE}).")
    List<Precision> precisions;

    @Option(
            names = "--checkpoint",
            paramLabel = "DIR",
            description = "The bundle's training run; adds single-scale and fewer-student variants.")
    Path checkpoint;

    @Option(
            names = "--sizes",
            split = ",",
            defaultValue = "128,256,512,900",
            paramLabel = "SIZE",
            converter = ImageSize.Converter.class,
            description = "Image sizes for the full detector, N (square) or WxH such as 2448x2048"
                    + " (default: ${DEFAULT-VALUE}).")
    List<ImageSize> sizes;

    @Option(
            names = "--variant-sizes",
            split = ",",
            defaultValue = "128,256",
            paramLabel = "SIZE",
            converter = ImageSize.Converter.class,
            description = "Image sizes for the other variants, N or WxH (default: ${DEFAULT-VALUE}).")
    List<ImageSize> variantSizes;

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
            description = "Engines to time: ort, ort-cuda, trt (default: every one available here: ort, ort-cuda"
                    + " with CUDA, trt with TensorRT and a GPU).")
    List<EngineKind> engines;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description =
                    "Engine threads, for ONNX Runtime and the libtorch peer alike (default: one per physical core).")
    int threads;

    @Option(
            names = "--image",
            paramLabel = "FILE",
            description = "Image to score, resized to each size (default: the first synthetic test image, else noise).")
    Path image;

    @Option(
            names = "--peer",
            description = "Also time the same dense networks on DJL's PyTorch engine (libtorch eager), alternating"
                    + " run by run with our detectors in this process, and report the ratio. Needs the weights:"
                    + " --checkpoint with --bundle, or --config.")
    boolean peer;

    @Option(
            names = "--peer-sizes",
            split = ",",
            defaultValue = "256",
            paramLabel = "PX",
            description = "Image sizes of the peer comparison (default: ${DEFAULT-VALUE}).")
    List<Integer> peerSizes;

    @Option(
            names = "--station-memory",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Measure each bundle detector's peak resident memory in a fresh JVM that scores one"
                    + " map as a station would (" + StationMemory.HEAP + "); one extra map per point"
                    + " (default: ${DEFAULT-VALUE}).")
    boolean stationMemory;

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
    TileOptions tiles;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @ParentCommand
    BenchCommand parent;

    private PrintWriter log;
    private Path randomRun;

    /** One timed point. */
    public record Point(
            String engine,
            String variant,
            int width,
            int height,
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
            double percentOfFmaPeak,
            double residentMb,
            double peakResidentMb,
            double stationPeakMb) {}

    /**
     * Our detectors and the libtorch peer at one size, run after run in turn.
     *
     * @param oursP50Ms p50 per detector variant (host to host, default tiling)
     * @param speedup peer p50 over each variant's p50
     */
    public record PeerPoint(
            int size,
            int runs,
            String peer,
            double peerP50Ms,
            double peerP95Ms,
            Map<String, Double> oursP50Ms,
            Map<String, Double> oursP95Ms,
            Map<String, Double> speedup) {}

    /** Everything one run of the bench measured. */
    public record Report(
            String bundle,
            String machine,
            String onnxRuntime,
            int threads,
            Map<String, Sgemm.Result> sgemm,
            FmaPeak fmaPeak,
            List<Point> points,
            List<PeerPoint> peer,
            List<PatchBaseline.Result> baseline) {}

    @Override
    public Integer call() throws Exception {
        log = spec.commandLine().getOut();
        if ((bundlePath == null) == (config == null)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "give --bundle (a trained model) or --config (its architectures with random weights), not both");
        }
        if (precisions.contains(Precision.FP16)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--precisions: fp16 is not timed here (a TensorRT build setting of the fp32 detector); use"
                            + " fp32 and int8");
        }
        Files.createDirectories(out);
        if (config != null) {
            bundlePath = randomBundle(config);
        }
        ModelBundle bundle = ModelBundle.open(bundlePath);
        BundleManifest m = bundle.manifest();
        List<Variant> variants = new ArrayList<>();
        for (Precision p : precisions) {
            if (m.detector(p).isPresent()) {
                variants.add(Variant.ofBundle(bundle, p));
            } else {
                log.println("the bundle has no " + p.id() + " detector; not timed (export it again to add one)");
            }
        }
        if (variants.isEmpty()) {
            throw new ParameterException(
                    spec.commandLine(),
                    bundlePath + " has none of the detectors asked for: "
                            + precisions.stream().map(Precision::id).toList());
        }
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
            if (TrtAvailability.status().available()) {
                kinds.add(EngineKind.TRT);
            }
        } else {
            for (EngineKind e : engines) {
                if (e == EngineKind.AUTO) {
                    throw new ParameterException(
                            spec.commandLine(), "--engines names engines to time: ort, ort-cuda or trt, not auto");
                }
                kinds.add(e);
            }
        }
        FloatImage source = sourceImage();
        int engineThreads = EngineOptions.cpu().withThreads(threads).effectiveThreads();
        String machine = Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.arch") + ", "
                + cpuName() + ", " + engineThreads + " engine threads";
        log.printf(
                Locale.ROOT,
                "bench latency: %s on %s; variants %s%n",
                bundlePath,
                machine,
                variants.stream().map(Variant::name).toList());

        Map<String, Sgemm.Result> sgemm = new LinkedHashMap<>();
        FmaPeak fmaPeak = kinds.contains(EngineKind.ORT) ? fmaPeak(engineThreads) : null;
        List<Point> points = new ArrayList<>();
        for (EngineKind kind : kinds) {
            EngineOptions eo = new EngineOptions(kind, threads, 0)
                    .withTrt(TrtOptions.defaults().withProgress(new ConsoleProgress(log, false)));
            double yardstick = Double.NaN;
            double peak = kind == EngineKind.ORT && fmaPeak != null ? fmaPeak.gflops() : Double.NaN;
            if (kind != EngineKind.TRT) {
                // The sgemm yardstick is a CPU measure; TensorRT points report GFLOP/s only.
                Sgemm.Result g = Sgemm.measure(eo, sgemmSize, 10);
                sgemm.put(kind.id(), g);
                yardstick = g.gflops();
                log.printf(Locale.ROOT, "%s sgemm %d: %.1f ms, %.1f GFLOP/s%n", kind.id(), g.n(), g.ms(), g.gflops());
            }
            for (Variant v : variants) {
                List<ImageSize> vs = v.precision() != null ? sizes : variantSizes;
                int minimum = Tiles.Geometry.of(m).minimumSide();
                int minHeight = Math.min(
                        minimum, vs.stream().mapToInt(ImageSize::height).min().orElseThrow());
                int minWidth = Math.min(
                        minimum, vs.stream().mapToInt(ImageSize::width).min().orElseThrow());
                int maxHeight = vs.stream().mapToInt(ImageSize::height).max().orElseThrow();
                int maxWidth = vs.stream().mapToInt(ImageSize::width).max().orElseThrow();
                InputProfile profile =
                        new InputProfile(3, minHeight, minWidth, maxHeight, maxWidth, maxHeight, maxWidth, 1);
                try (GraphSession session = Engines.open(
                        v.onnx(),
                        v.name(),
                        m.detector().input(),
                        List.of(m.detector().output()),
                        profile,
                        eo)) {
                    for (ImageSize size : vs) {
                        Point p = time(
                                kind,
                                session,
                                v,
                                m.preprocessing(),
                                Resampler.resize(source, size.height(), size.width()),
                                yardstick,
                                peak,
                                m.detector().output(),
                                m);
                        points.add(p);
                        log.printf(
                                Locale.ROOT,
                                "%s %-19s %9s px: p50 %9.1f ms (p95 %.1f, %d runs, %d tiles), %.1f GFLOP/s"
                                        + " = %.0f%% of sgemm, %.0f%% of FMA peak, peak RSS %.0f MB%n",
                                p.engine(),
                                p.variant(),
                                size.label(),
                                p.p50Ms(),
                                p.p95Ms(),
                                p.runs(),
                                p.tiles(),
                                p.gflops(),
                                p.percentOfSgemm(),
                                p.percentOfFmaPeak(),
                                p.peakResidentMb());
                    }
                }
            }
        }
        List<PeerPoint> peerPoints = peer ? peer(m, variants, source) : List.of();
        List<PatchBaseline.Result> baseline = m.hasNetworkGraphs() ? baseline(bundle, m, source) : List.of();
        Report report = new Report(
                bundlePath.toString(),
                machine,
                OrtEnvironment.getEnvironment().getVersion(),
                threads,
                sgemm,
                fmaPeak,
                points,
                peerPoints,
                baseline);
        Json.write(out.resolve("latency.json"), report);
        AtomicFiles.writeString(out.resolve("latency.md"), markdown(report));
        Plots.write(plot(report), out.resolve("latency.png"));
        log.println(markdown(report));
        log.println("Wrote " + out.resolve("latency.json") + ", latency.md and latency.png");
        return 0;
    }

    /** The bundle's own detectors and the libtorch peer, alternating run by run at each peer size. */
    private List<PeerPoint> peer(BundleManifest m, List<Variant> variants, FloatImage source) throws Exception {
        Path weights = checkpoint != null ? checkpoint : randomRun;
        if (weights == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--peer needs the networks' weights: give --checkpoint (the bundle's"
                            + " training run) or use --config");
        }
        List<Variant> ours =
                variants.stream().filter(v -> v.precision() != null).toList();
        List<PeerPoint> result = new ArrayList<>();
        List<GraphSession> sessions = new ArrayList<>();
        EngineOptions eo = new EngineOptions(EngineKind.ORT, threads, 0);
        // The peer gets as many threads as our engine: libtorch's own default is its core count,
        // which can be as wrong as ONNX Runtime's was on a VM.
        try (TorchPeer torch = new TorchPeer(TrainedModel.load(weights), eo.effectiveThreads())) {
            for (Variant v : ours) {
                sessions.add(Engines.open(
                        v.onnx(),
                        v.name(),
                        m.detector().input(),
                        List.of(m.detector().output()),
                        eo));
            }
            for (int size : peerSizes) {
                FloatImage host = Resampler.resize(source, size, size);
                Preprocessing pre = m.preprocessing().resizedTo(size, size);
                // Each detector in the tiles a station would compute it in (int8 works in less memory).
                int[] t = new int[sessions.size()];
                for (int k = 0; k < t.length; k++) {
                    t[k] = Tiles.tileFor(m, precisionOf(ours.get(k)), size, size, tiles.tile(), tiles.memoryBudgetMb());
                }
                List<Tiles.Geometry> geometries =
                        ours.stream().map(Variant::geometry).toList();
                double round = torch.timeOnce(pre.apply(host));
                for (int k = 0; k < t.length; k++) {
                    round += scoreOnce(sessions.get(k), pre, host, m.detector().output(), t[k], geometries.get(k));
                }
                int n = (int) Math.max(minRuns, Math.min(runs, Math.floor(maxSeconds * 1000 / round)));
                List<Double> peerMs = new ArrayList<>();
                List<List<Double>> oursMs = new ArrayList<>();
                for (int k = 0; k < sessions.size(); k++) {
                    oursMs.add(new ArrayList<>());
                }
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < sessions.size(); k++) {
                        oursMs.get(k)
                                .add(scoreOnce(
                                        sessions.get(k), pre, host, m.detector().output(), t[k], geometries.get(k)));
                    }
                    peerMs.add(torch.timeOnce(pre.apply(host)));
                }
                double peerP50 = Stats.median(peerMs);
                Map<String, Double> p50 = new LinkedHashMap<>();
                Map<String, Double> p95 = new LinkedHashMap<>();
                Map<String, Double> speedup = new LinkedHashMap<>();
                for (int k = 0; k < sessions.size(); k++) {
                    String name = ours.get(k).name();
                    p50.put(name, Stats.median(oursMs.get(k)));
                    p95.put(name, Stats.quantile(oursMs.get(k), 0.95));
                    speedup.put(name, peerP50 / p50.get(name));
                }
                PeerPoint p = new PeerPoint(
                        size, n, torch.description(), peerP50, Stats.quantile(peerMs, 0.95), p50, p95, speedup);
                result.add(p);
                log.printf(
                        Locale.ROOT,
                        "peer %d px, %d runs each: libtorch p50 %.1f ms; ours %s; speedup %s%n",
                        size,
                        n,
                        peerP50,
                        p50,
                        speedup);
            }
        } finally {
            for (GraphSession g : sessions) {
                g.close();
            }
        }
        return result;
    }

    private List<PatchBaseline.Result> baseline(ModelBundle bundle, BundleManifest m, FloatImage source)
            throws Exception {
        Preprocessing atBaseline = m.preprocessing().resizedTo(baselineSize, baselineSize);
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
        return baseline;
    }

    private Point time(
            EngineKind engine,
            GraphSession session,
            Variant v,
            Preprocessing base,
            FloatImage host,
            double sgemmGflops,
            double fmaPeakGflops,
            String output,
            BundleManifest m)
            throws Exception {
        int height = host.height();
        int width = host.width();
        Preprocessing pre = base.resizedTo(width, height);
        boolean gpu = engine == EngineKind.TRT;
        // The memory budget is the station's host memory; TensorRT works in GPU memory, whole
        // unless --tile says otherwise.
        int t = gpu && tiles.tile() == 0
                ? 0
                : Tiles.tileFor(m, precisionOf(v), height, width, tiles.tile(), tiles.memoryBudgetMb());
        Tiles.Geometry geometry = v.geometry();
        ProcessMemory.resetPeak();
        double warm = scoreOnce(session, pre, host, output, t, geometry);
        int n = (int) Math.max(minRuns, Math.min(runs, Math.floor(maxSeconds * 1000 / warm)));
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ms.add(scoreOnce(session, pre, host, output, t, geometry));
        }
        double p50 = Stats.median(ms);
        double peakMb = ProcessMemory.peakMb();
        double station = stationMemory && v.precision() != null && !gpu
                ? StationMemory.measure(bundlePath, v.precision(), height, width, t, threads)
                : Double.NaN;
        double gflops = v.gflop(height, width) / (p50 / 1e3);
        return new Point(
                engine.id(),
                v.name(),
                width,
                height,
                Tiles.count(height, width, t, geometry),
                n,
                p50,
                Stats.quantile(ms, 0.95),
                Stats.quantile(ms, 0.99),
                Stats.mean(ms),
                1e3 / Stats.mean(ms),
                v.gflop(height, width),
                gflops,
                100 * gflops / sgemmGflops,
                100 * gflops / fmaPeakGflops,
                ProcessMemory.residentMb(),
                peakMb,
                station);
    }

    /** Host image to host anomaly map: normalise, run (in tiles if large), copy out, take the maximum. */
    private double scoreOnce(
            GraphSession session, Preprocessing pre, FloatImage host, String output, int tile, Tiles.Geometry geometry)
            throws Exception {
        long t0 = System.nanoTime();
        FloatImage map = Tiles.run(session, output, pre.apply(host), tile, geometry);
        float max = Float.NEGATIVE_INFINITY;
        for (float f : map.data()) {
            max = Math.max(max, f);
        }
        if (!Float.isFinite(max)) {
            throw new IllegalStateException("non-finite anomaly map");
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /**
     * A random-weight run of {@code configFile}'s architectures, exported (fp32 and int8) under
     * {@link #out}: the teachers and students the config trains (an energy teacher with its own
     * fixed weights, students of their own architecture where the config names one) and its
     * preprocessing (a native config's bundle keeps image sizes, for {@code runtime score}) and
     * smoothing (which widens every tile's halo), so the detector does the work the trained one
     * will.
     */
    private Path randomBundle(Path configFile) throws Exception {
        TrainingConfig cfg = ConfigLoader.load(configFile);
        if (cfg.teacher().source() == TeacherConfig.Source.ONNX) {
            throw new ParameterException(
                    spec.commandLine(),
                    configFile + ": its teacher is read from ONNX, whose network only its file gives; time a"
                            + " trained run's bundle with --bundle");
        }
        TrainingRun.Networks networks = TrainingRun.networks(cfg, cfg.networkSpecs());
        boolean energy = cfg.teacher().source() == TeacherConfig.Source.ENERGY;
        List<RandomRun.Scale> scales = new ArrayList<>();
        for (int i = 0; i < networks.teachers().size(); i++) {
            NetworkSpec teacher = networks.teachers().get(i);
            scales.add(new RandomRun.Scale(
                    teacher,
                    energy ? EnergyTeacher.weights(teacher, cfg.input().std()) : null,
                    networks.students().get(i)));
        }
        Path run = randomRun = RandomRun.write(
                out.resolve("random-run"),
                scales,
                cfg.students().count(),
                cfg.seed(),
                4,
                cfg.input(),
                cfg.calibration().smoothingSigma(),
                cfg.teacher().source().id());
        Path bundle = out.resolve("random-bundle");
        log.printf(Locale.ROOT, "bench latency: %s with random weights, exporting to %s%n", configFile, bundle);
        Exporter.Result r =
                Exporter.export(run, bundle, Exporter.Options.defaults().withInt8(true), Progress.silent());
        log.printf(Locale.ROOT, "exported %d files, %.1f MB%n", r.files(), r.bytes() / 1e6);
        return bundle;
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

    private static String percent(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f%%", v);
    }

    /** The CPU's FMA ceiling with the engine's threads; a failed probe costs the column, not the run. */
    private FmaPeak fmaPeak(int t) throws InterruptedException {
        try {
            FmaPeak p = FmaPeak.measure(t);
            log.printf(Locale.ROOT, "FMA peak: %.1f GFLOP/s (%d threads, %d fp32 lanes)%n", p.gflops(), t, p.lanes());
            return p;
        } catch (IOException e) {
            log.println("FMA peak not measured: " + e.getMessage());
            return null;
        }
    }

    static String markdown(Report r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT,
                "Bundle %s; %s; ONNX Runtime %s; sgemm: %s; FMA peak: %s%n%n",
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
                        .toList(),
                r.fmaPeak() == null
                        ? "not measured"
                        : String.format(
                                Locale.ROOT,
                                "%.0f GFLOP/s (%d threads, %d lanes)",
                                r.fmaPeak().gflops(),
                                r.fmaPeak().threads(),
                                r.fmaPeak().lanes())));
        s.append(
                "| engine | detector | image | tiles | runs | p50 ms | p95 ms | p99 ms | maps/s | GFLOP per map | GFLOP/s |"
                        + " % of sgemm | % of FMA peak | bench peak RSS MB | station peak RSS MB |\n");
        s.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Point p : r.points()) {
            s.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %d×%d | %d | %d | %.1f | %.1f | %.1f | %.3f | %.1f | %.1f |"
                            + " %s | %s | %.0f | %s |%n",
                    p.engine(),
                    p.variant(),
                    p.width(),
                    p.height(),
                    p.tiles(),
                    p.runs(),
                    p.p50Ms(),
                    p.p95Ms(),
                    p.p99Ms(),
                    p.mapsPerSecond(),
                    p.gflop(),
                    p.gflops(),
                    percent(p.percentOfSgemm()),
                    percent(p.percentOfFmaPeak()),
                    p.peakResidentMb(),
                    Double.isNaN(p.stationPeakMb()) ? "-" : String.format(Locale.ROOT, "%.0f", p.stationPeakMb())));
        }
        if (!r.peer().isEmpty()) {
            s.append("\nSame dense networks on the libtorch peer, alternating run by run in this process (p50 ms;"
                    + " speedup = peer p50 / ours):\n\n");
            s.append(
                    "| image | runs | peer | peer p50 ms | peer p95 ms | detector | ours p50 ms | ours p95 ms | speedup |\n");
            s.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
            for (PeerPoint p : r.peer()) {
                for (String v : p.oursP50Ms().keySet()) {
                    s.append(String.format(
                            Locale.ROOT,
                            "| %d×%d | %d | %s | %.1f | %.1f | %s | %.1f | %.1f | %.2f× |%n",
                            p.size(),
                            p.size(),
                            p.runs(),
                            p.peer(),
                            p.peerP50Ms(),
                            p.peerP95Ms(),
                            v,
                            p.oursP50Ms().get(v),
                            p.oursP95Ms().get(v),
                            p.speedup().get(v)));
                }
            }
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
                    .add(new double[] {Math.sqrt((double) p.width() * p.height()), p.p50Ms()});
        }
        Map<String, Curve> series = new LinkedHashMap<>();
        for (Map.Entry<String, List<double[]>> e : byLine.entrySet()) {
            series.put(e.getKey(), Curve.of(e.getValue()));
        }
        return Plots.lines(
                "Latency per anomaly map (p50, batch 1, host to host)",
                "image side (px; non-square images: the square of as many pixels)",
                "ms",
                series,
                true,
                true,
                null,
                null,
                true);
    }

    /** The precision a variant runs in: its bundle detector's, fp32 for variants built from a run. */
    private static Precision precisionOf(Variant v) {
        return v.precision() != null ? v.precision() : Precision.FP32;
    }
}
