package dev.stad.runtime.cli;

import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.detect.ImageTooSmallException;
import dev.stad.runtime.engine.EngineKind;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.engine.trt.TrtOptions;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.io.Json;
import dev.stad.runtime.output.FloatTiff;
import dev.stad.runtime.output.Heatmaps;
import dev.stad.runtime.output.ScoreJournal;
import dev.stad.runtime.output.ScoreResults;
import dev.stad.runtime.progress.Progress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code runtime score}: anomaly maps, scores, decisions and regions for image files. A file that
 * cannot be scored gets an error in the results and the run goes on; the exit code says whether
 * any did. Everything that would make the whole run fail (the output folder, the bundle, the
 * engine, inputs that name nothing) is checked before the first image.
 */
@Command(
        name = "score",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Scores images with a model bundle: anomaly map, image score, decision and regions per image.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "0:every input was scored",
            "1:nothing was scored (bundle, engine, output folder or input" + " missing or unusable)",
            "2:invalid command line, or the engine asked for cannot run on this machine (one line says what is"
                    + " missing)",
            "3:some inputs could not be scored (see results.json or the error lines); the rest were"
        })
public final class ScoreCommand implements Callable<Integer> {
    /** Exit code when some inputs failed and the others were scored. */
    public static final int SOME_FAILED = 3;
    /** Name of the results file in the output folder. */
    public static final String RESULTS_FILE = "results.json";

    /** What to write per image besides the summary. */
    public enum Save {
        /** 32-bit float TIFF map at the image's resolution, under {@code maps/}. */
        TIFF("maps", ".tiff"),
        /** Colour heatmap PNG under {@code heatmaps/}. */
        HEATMAP("heatmaps", ".png"),
        /** The image with the heatmap and region outlines over it, PNG under {@code overlays/}. */
        OVERLAY("overlays", ".png"),
        /** {@value #RESULTS_FILE} with every result. */
        JSON(null, null);

        private final String folder;
        private final String extension;

        Save(String folder, String extension) {
            this.folder = folder;
            this.extension = extension;
        }

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Option(names = "--bundle", required = true, paramLabel = "PATH", description = "Model bundle: a folder or a .zip.")
    Path bundle;

    @Option(
            names = "--input",
            required = true,
            arity = "1..*",
            paramLabel = "FILE|DIR|GLOB",
            description = "Image files, folders (recursive) or globs (quote them; ** crosses folders). An MVTec AD"
                    + " category folder scores its test/ images.")
    List<String> inputs;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created if missing).")
    Path out;

    @Option(
            names = "--threshold",
            paramLabel = "T",
            description = "Image threshold for decisions and regions (default: the bundle's).")
    Double threshold;

    @Option(
            names = "--save",
            split = ",",
            paramLabel = "KIND",
            defaultValue = "json",
            description = "Outputs, comma-separated: tiff, heatmap, overlay, json (default: ${DEFAULT-VALUE}). tiff:"
                    + " float maps at maps/<name>.tiff, laid out as MVTec's evaluation reads them; heatmap:"
                    + " heatmaps/<name>.png; overlay: overlays/<name>.png with region outlines; json: "
                    + RESULTS_FILE + ".")
    Set<Save> save;

    @Option(
            names = "--parallel",
            paramLabel = "K",
            defaultValue = "1",
            description = "Images scored at the same time (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(
            names = "--resume",
            description = "Continue an earlier run into the same --out: images it finished (its journal, or its"
                    + " results.json) are not scored again, the rest are; it must have used the same model,"
                    + " threshold and --save.")
    boolean resume;

    @Option(
            names = "--max-megapixels",
            paramLabel = "MP",
            description = "Largest image decoded; a file whose header promises more is refused before its pixels are"
                    + " allocated and the run goes on (default: 100, or -Dstad.image.maxPixels).")
    Double maxMegapixels;

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

    @ParentCommand
    RuntimeCommand parent;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        boolean interactive = parent.interactive;
        if (parallel < 1) {
            throw new ParameterException(spec.commandLine(), "--parallel must be >= 1, found " + parallel);
        }
        EngineKind engine = detectorChoice.engine();
        // Usage errors before anything is opened: the option blocks check their values when read.
        detectorChoice.threads();
        tiles.tile();
        if (maxMegapixels != null && !(maxMegapixels * 1e6 >= 1)) {
            throw new ParameterException(
                    spec.commandLine(), "--max-megapixels must be positive, found " + maxMegapixels);
        }
        // The engine first: a missing GPU or TensorRT is reported in well under a second.
        Engines.Choice choice = Engines.choose(engine);
        detectorChoice.requirePrecisionRunsOn(choice.kind());
        requireWritable(out);
        List<InputFiles.Input> files = InputFiles.expand(inputs);
        Progress progress = new ConsoleProgress(stdout, interactive);
        if (engine == EngineKind.AUTO) {
            progress.line("engine " + choice);
        }
        TrtOptions trt = gpu.trt(parallel).withProgress(progress);
        DetectorOptions options =
                detectorChoice.detectorOptions(gpu, trt, tiles, trust).withThreshold(threshold);
        long t0 = System.nanoTime();
        List<ScoreResults.Image> results = new ArrayList<>();
        String engineName;
        String model;
        double usedThreshold;
        try (Detector detector = Detector.open(bundle, options)) {
            engineName = detector.engine() + ", "
                    + detector.precision().id() + " detector"
                    + (detector.tile() > 0 ? ", tiles of " + detector.tile() + " px" : "");
            model = detector.manifest().name();
            usedThreshold = detector.threshold();
            ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
                Thread t = new Thread(r, "score");
                t.setDaemon(true);
                return t;
            });
            ScoreJournal.Header header = new ScoreJournal.Header(
                    ScoreJournal.Header.VERSION,
                    model,
                    ModelBundle.sha256(new TreeMap<>(detector.manifest().files())
                            .toString()
                            .getBytes(StandardCharsets.UTF_8)),
                    usedThreshold,
                    save.stream().map(Save::key).sorted().toList());
            Map<String, ScoreResults.Image> earlier = resume ? ScoreJournal.read(out, header, RESULTS_FILE) : Map.of();
            int reused = 0;
            Path journalFile = out.resolve(ScoreJournal.FILE_NAME);
            // Appending to the earlier journal, what it holds is there already; a new journal gets
            // every result, reused ones too, so a second interruption loses nothing.
            boolean appending = resume && Files.isRegularFile(journalFile) && Files.size(journalFile) > 0;
            try (ScoreJournal journal = appending ? ScoreJournal.resume(out) : ScoreJournal.start(out, header);
                    Progress.Stage stage = files.size() > 1 ? progress.stage("scoring", files.size(), 0) : null) {
                List<Future<ScoreResults.Image>> pending = new ArrayList<>();
                for (InputFiles.Input in : files) {
                    ScoreResults.Image done = earlier.get(in.file().toString());
                    if (done != null && done.ok() && outputsExist(done)) {
                        pending.add(java.util.concurrent.CompletableFuture.completedFuture(done));
                        reused++;
                    } else {
                        pending.add(pool.submit(() -> scoreOne(detector, in)));
                    }
                }
                if (resume) {
                    progress.line(reused + " of " + files.size() + " images were finished by the earlier run; scoring "
                            + (files.size() - reused));
                }
                for (Future<ScoreResults.Image> f : pending) {
                    ScoreResults.Image r = get(f);
                    if (!(appending && f instanceof java.util.concurrent.CompletableFuture<?>)) {
                        journal.append(r);
                    }
                    results.add(r);
                    if (!r.ok()) {
                        if (interactive) {
                            stdout.print("\r\033[2K"); // clear the bar's line before the error
                            stdout.flush();
                        }
                        stderr.println("error: " + r.error());
                        stderr.flush();
                    }
                    if (stage != null) {
                        stage.step(
                                r.ok()
                                        ? r.name() + String.format(Locale.ROOT, " %.2f", r.score())
                                        : r.name() + " failed");
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
        ScoreResults summary = summarise(model, engineName, usedThreshold, results);
        if (save.contains(Save.JSON)) {
            Json.write(out.resolve(RESULTS_FILE), summary);
        }
        if (files.size() == 1 && results.get(0).ok()) {
            ScoreResults.Image r = results.get(0);
            progress.line(String.format(
                    Locale.ROOT,
                    "%s: score %.3f, %s (threshold %.3f), %d region%s",
                    r.file(),
                    r.score(),
                    r.anomalous() ? "anomalous" : "good",
                    usedThreshold,
                    r.regions().size(),
                    r.regions().size() == 1 ? "" : "s"));
        }
        progress.line(String.format(
                Locale.ROOT,
                "Scored %d of %d images in %.1f s: %d anomalous (threshold %.3f), %d failed; latency p50 %s; engine %s."
                        + " Outputs in %s",
                summary.images() - summary.failed(),
                summary.images(),
                (System.nanoTime() - t0) / 1e9,
                summary.anomalous(),
                usedThreshold,
                summary.failed(),
                summary.p50Millis() == null ? "-" : String.format(Locale.ROOT, "%.1f ms", summary.p50Millis()),
                engineName,
                out));
        return summary.failed() > 0 ? SOME_FAILED : 0;
    }

    /**
     * What went wrong, never "null": the message, else the exception's type; and the causes whose
     * messages the outer one does not already carry (an engine error wrapping the native one).
     */
    static String why(Throwable e) {
        StringBuilder s = new StringBuilder(
                e.getMessage() != null ? e.getMessage() : e.getClass().getName());
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable c = e.getCause(); c != null && seen.add(c); c = c.getCause()) {
            String m = c.getMessage() != null ? c.getMessage() : c.getClass().getName();
            if (!s.toString().contains(m)) {
                s.append(" (caused by ").append(m).append(')');
            }
        }
        return s.toString();
    }

    private ScoreResults.Image scoreOne(Detector detector, InputFiles.Input in) {
        String file = in.file().toString();
        FloatImage image;
        try {
            image = ImageDecoder.read(
                    in.file(), maxMegapixels == null ? ImageDecoder.maxPixels() : (long) (maxMegapixels * 1e6));
        } catch (NoSuchFileException e) {
            return ScoreResults.Image.failed(file, in.name(), file + ": cannot read (no such file, or a broken link)");
        } catch (AccessDeniedException e) {
            return ScoreResults.Image.failed(file, in.name(), file + ": cannot read (permission denied)");
        } catch (IOException e) {
            String why = e.getMessage() != null && e.getMessage().startsWith(file)
                    ? e.getMessage()
                    : file + ": cannot read (" + e.getMessage() + ")";
            return ScoreResults.Image.failed(file, in.name(), why);
        }
        Detection d;
        try {
            d = detector.score(image);
        } catch (ImageTooSmallException e) {
            return ScoreResults.Image.failed(file, in.name(), file + ": " + e.getMessage());
        } catch (Exception e) {
            if (common.stacktrace) {
                synchronized (spec) {
                    e.printStackTrace(spec.commandLine().getErr());
                }
            }
            return ScoreResults.Image.failed(file, in.name(), file + ": scoring failed: " + why(e));
        }
        Map<String, String> written = new LinkedHashMap<>();
        try {
            for (Save kind : save) {
                if (kind.folder == null) {
                    continue;
                }
                String rel = kind.folder + "/" + in.name() + kind.extension;
                Path target = out.resolve(rel);
                switch (kind) {
                    case TIFF -> FloatTiff.write(d.map(), target);
                    case HEATMAP -> Heatmaps.writePng(Heatmaps.heatmap(d.map(), d.threshold()), target);
                    case OVERLAY -> Heatmaps.writePng(Heatmaps.overlay(image, d.map(), d.threshold()), target);
                    default -> throw new AssertionError(kind);
                }
                written.put(kind.key(), rel);
            }
        } catch (IOException e) {
            return ScoreResults.Image.failed(
                    file, in.name(), file + ": scored, but writing its outputs failed: " + e.getMessage());
        }
        return new ScoreResults.Image(
                file,
                in.name(),
                ScoreResults.OK,
                null,
                d.width(),
                d.height(),
                d.score(),
                d.topMean(),
                d.anomalous(),
                d.regions(),
                d.millis(),
                written.isEmpty() ? null : written);
    }

    private static ScoreResults.Image get(Future<ScoreResults.Image> f) throws Exception {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    private ScoreResults summarise(
            String model, String engineName, double usedThreshold, List<ScoreResults.Image> results) {
        int anomalous = 0;
        int failed = 0;
        List<Double> times = new ArrayList<>();
        for (ScoreResults.Image r : results) {
            if (!r.ok()) {
                failed++;
                continue;
            }
            anomalous += r.anomalous() ? 1 : 0;
            times.add(r.millis());
        }
        times.sort(null);
        Double p50 = times.isEmpty()
                ? null
                : times.size() % 2 == 1
                        ? times.get(times.size() / 2)
                        : (times.get(times.size() / 2 - 1) + times.get(times.size() / 2)) / 2;
        return new ScoreResults(
                bundle.toString(), model, engineName, usedThreshold, results.size(), anomalous, failed, p50, results);
    }

    /** Whether every output an earlier run recorded for an image is still there. */
    private boolean outputsExist(ScoreResults.Image r) {
        if (r.outputs() == null) {
            return save.stream().allMatch(k -> k.folder == null);
        }
        for (Save k : save) {
            if (k.folder != null
                    && (!r.outputs().containsKey(k.key())
                            || !Files.isRegularFile(out.resolve(r.outputs().get(k.key()))))) {
                return false;
            }
        }
        return true;
    }

    /** Creates {@code dir} and proves a file can be written there, before any work. */
    static void requireWritable(Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new IOException(
                    "cannot write to output folder " + dir + " (" + e.getClass().getSimpleName()
                            + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")",
                    e);
        }
    }
}
