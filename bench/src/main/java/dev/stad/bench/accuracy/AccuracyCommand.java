package dev.stad.bench.accuracy;

import dev.stad.bench.BenchCommand;
import dev.stad.bench.report.Plots;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.cli.DetectorChoiceOptions;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.detect.Regions;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.io.Json;
import dev.stad.runtime.io.MvtecLayout;
import dev.stad.runtime.output.FloatTiff;
import dev.stad.runtime.progress.Progress;
import dev.stad.trainer.data.MvtecCategory;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@code bench accuracy}: detection quality on an MVTec-layout category (MVTec AD's conventions):
 * image AUROC, pixel AUROC and AU-PRO up to FPR 0.3, per defect type and overall; ROC and PRO
 * curves; the maps as float TIFF in MVTec's evaluation layout; a self-contained HTML report.
 */
@Command(
        name = "accuracy",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Image AUROC, pixel AUROC and AU-PRO@0.3 of a bundle on an MVTec AD-layout category, per defect"
                + " type and overall, with curves, float TIFF maps and an HTML report.")
public final class AccuracyCommand implements Callable<Integer> {
    @Option(names = "--bundle", paramLabel = "PATH", description = "Model bundle (with --data).")
    Path bundle;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "MVTec AD-layout category (test/<type>/*, ground_truth/<defect>/<name>_mask.png).")
    Path data;

    @Option(
            names = "--suite",
            paramLabel = "DIR",
            description = "A folder of MVTec AD-layout categories (such as the one `bench real-set` writes): trains"
                    + " each with --config (resuming under <out>/<category>/run), scores it, and writes the table per"
                    + " category, per defect type and their means (suite.md, suite.json).")
    Path suite;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Training config for --suite; its data, out and bundle are set per category.")
    Path config;

    @Option(
            names = "--recalibrate",
            description = "With --suite: calibrate complete runs again from their trained networks before scoring"
                    + " (see `train --recalibrate`).")
    boolean recalibrate;

    @Option(
            names = "--categories",
            split = ",",
            paramLabel = "NAME",
            description = "With --suite: only these categories (default: every category in the folder).")
    List<String> categories;

    @Option(
            names = "--out",
            defaultValue = "bench-results/accuracy",
            paramLabel = "DIR",
            description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(
            names = "--fpr-limit",
            defaultValue = "0.3",
            description = "FPR up to which PRO is integrated (default: ${DEFAULT-VALUE}).")
    double fprLimit;

    @Option(
            names = "--grid",
            defaultValue = "4",
            description = "Images per type in the report's grid (default: ${DEFAULT-VALUE}).")
    int gridPerType;

    /** Name of the row over every test image. */
    public static final String OVERALL = "overall";

    @Mixin
    DetectorChoiceOptions detectorChoice;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @ParentCommand
    BenchCommand parent;

    private PrintWriter log;

    /**
     * One row of the metrics table: the threshold-free AUROCs, and the station's pass/fail decisions
     * at the bundle's threshold ({@code goodFlagged} of the {@code images - defective} good images
     * rejected, {@code defectiveFlagged} of the {@code defective} ones caught); {@code
     * stationCaught}, the share caught at a threshold set from half the good images instead (see
     * {@link StationThreshold}).
     */
    public record Row(
            String type,
            int images,
            int defective,
            int regions,
            double imageAuroc,
            double pixelAuroc,
            double auPro,
            int goodFlagged,
            int defectiveFlagged,
            double stationCaught) {
        /** Share of the good images the threshold rejects. */
        public double goodRejected() {
            int good = images - defective;
            return good == 0 ? Double.NaN : (double) goodFlagged / good;
        }

        /** Share of the defective images the threshold catches. */
        public double defectsCaught() {
            return defective == 0 ? Double.NaN : (double) defectiveFlagged / defective;
        }
    }

    /** What {@code accuracy.json} holds. */
    public record Report(
            String bundle,
            String data,
            String engine,
            double threshold,
            double fprLimit,
            List<Row> rows,
            List<BorderBand> goodMaxima,
            List<DepthBand> goodMapByDepth,
            List<ImageScore> images) {}

    /**
     * The good test images' map values at a distance from the nearest border in [{@code from},
     * {@code to}) pixels ({@code to} -1: to the centre): their mean and 99.9th percentile. A map
     * whose border bands are calibrated like its interior has about the same figures in every band.
     */
    public record DepthBand(int from, int to, long pixels, double mean, double p999) {}

    /** Edges of the depth bands of {@link DepthBand}, in pixels from the border. */
    static final int[] DEPTH_EDGES = {0, 4, 8, 16};

    /**
     * Where the maxima of the good test images' maps lie: how many within {@code width} pixels of
     * the border, against the share of the image's area that band covers. A map that is right
     * at its border has about that share of its maxima there; one with a border artefact has all.
     */
    public record BorderBand(int width, int goodImages, int maximaInBand, double areaShare) {}

    /** Band widths, in image pixels, that the maxima of good images are counted in. */
    static final int[] BAND_WIDTHS = {2, 4, 8, 16};

    /** One test image's outcome; (peakX, peakY) is where its map is highest. */
    public record ImageScore(
            String type,
            String name,
            double score,
            boolean anomalous,
            String map,
            int peakX,
            int peakY,
            int width,
            int height) {
        /** Pixels from the peak to the nearest image border. */
        int peakToBorder() {
            return Math.min(Math.min(peakX, width - 1 - peakX), Math.min(peakY, height - 1 - peakY));
        }
    }

    @Override
    public Integer call() throws Exception {
        log = spec.commandLine().getOut();
        if (suite != null) {
            if (bundle != null || data != null) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--suite trains its own bundles: give --suite with"
                                + " --config, or --bundle with --data, not both");
            }
            if (config == null) {
                throw new ParameterException(spec.commandLine(), "--suite needs --config, the training config");
            }
            new SuiteRun(this, log).run();
            return 0;
        }
        if (bundle == null || data == null) {
            throw new ParameterException(
                    spec.commandLine(), "give --bundle and --data (one category), or --suite and --config");
        }
        Report report = evaluate(bundle, data, out);
        log.println(markdown(report));
        log.println("Wrote " + out.resolve("report.html") + " (self-contained), accuracy.json, accuracy.md, curves and"
                + " maps/<category>/test/<type>/<name>.tiff");
        return 0;
    }

    /** Scores one category with one bundle and writes the report, curves and maps under {@code out}. */
    Report evaluate(Path bundle, Path data, Path out) throws Exception {
        MvtecCategory category = MvtecCategory.open(data);
        String categoryName = data.toAbsolutePath().normalize().getFileName().toString();
        Files.createDirectories(out);
        Map<String, List<Path>> test = category.test();
        if (!test.containsKey(MvtecLayout.GOOD)) {
            throw new IOException(data + ": no test/good images; AUROC needs anomaly-free test images");
        }
        int total = test.values().stream().mapToInt(List::size).sum();
        Progress progress = new ConsoleProgress(log, parent.interactive);
        Tally tally = new Tally(category.defectTypes());
        List<GridCell> grid = new ArrayList<>();
        String engineName;
        double threshold;
        DetectorOptions options = DetectorOptions.defaults()
                .withEngine(detectorChoice.engine())
                .withThreads(detectorChoice.threads())
                .withPrecision(detectorChoice.precision());
        detectorChoice.requirePrecisionRunsOn(
                Engines.choose(detectorChoice.engine()).kind());
        try (Detector detector = Detector.open(bundle, options);
                Progress.Stage stage = progress.stage("accuracy", total, 0)) {
            engineName = detector.engine() + ", " + detector.precision().id() + " detector";
            threshold = detector.threshold();
            for (Map.Entry<String, List<Path>> e : test.entrySet()) {
                String type = e.getKey();
                int shown = 0;
                for (Path file : e.getValue()) {
                    FloatImage image = ImageDecoder.read(file);
                    Detection d = detector.score(image);
                    FloatImage mask = mask(category, type, file, image);
                    Regions.Labels gt = Regions.label(mask, 0.5);
                    String stem = stem(file);
                    String rel = mapPath(categoryName, type, stem);
                    FloatTiff.write(d.map(), out.resolve(rel));
                    tally.add(type, stem, d.map().data(), d.width(), d.height(), gt, d.score(), d.anomalous(), rel);
                    if (shown++ < gridPerType) {
                        grid.add(new GridCell(
                                type + "/" + stem,
                                d.score(),
                                d.anomalous(),
                                HtmlReport.overlayWithTruth(image, d.map(), mask, threshold)));
                    }
                    stage.step(type + "/" + stem);
                }
            }
        }
        Tally.Result result = tally.result(fprLimit);
        Report report = tally.report(bundle.toString(), data.toString(), engineName, threshold, result);
        Json.write(out.resolve("accuracy.json"), report);
        String md = markdown(report);
        AtomicFiles.writeString(out.resolve("accuracy.md"), md);
        byte[] imageRoc = Plots.lines(
                "Image ROC",
                "FPR",
                "TPR",
                result.imageRocs(),
                false,
                false,
                new double[] {0, 1},
                new double[] {0, 1.01},
                false);
        byte[] pixelRoc = Plots.lines(
                "Pixel ROC",
                "FPR",
                "TPR",
                result.pixelRocs(),
                false,
                false,
                new double[] {0, 1},
                new double[] {0, 1.01},
                false);
        byte[] pro = Plots.lines(
                "PRO curve (AU-PRO integrates to FPR " + fprLimit + ")",
                "FPR",
                "PRO",
                result.pros(),
                false,
                false,
                new double[] {0, fprLimit},
                new double[] {0, 1.01},
                false);
        Plots.write(imageRoc, out.resolve("roc-image.png"));
        Plots.write(pixelRoc, out.resolve("roc-pixel.png"));
        Plots.write(pro, out.resolve("pro.png"));
        AtomicFiles.writeString(
                out.resolve("report.html"), HtmlReport.render(report, md, List.of(imageRoc, pixelRoc, pro), grid));
        return report;
    }

    static List<BorderBand> borderBands(List<ImageScore> scores) {
        List<ImageScore> good =
                scores.stream().filter(s -> s.type().equals(MvtecLayout.GOOD)).toList();
        List<BorderBand> out = new ArrayList<>();
        for (int w : BAND_WIDTHS) {
            int in = (int) good.stream().filter(s -> s.peakToBorder() < w).count();
            double area = good.stream()
                    .mapToDouble(s -> {
                        double inner = Math.max(0, s.width() - 2.0 * w) * Math.max(0, s.height() - 2.0 * w);
                        return 1 - inner / ((double) s.width() * s.height());
                    })
                    .average()
                    .orElse(Double.NaN);
            out.add(new BorderBand(w, good.size(), in, area));
        }
        return out;
    }

    /**
     * Index of the map's maximum; of tied maxima, the one farthest from the border, since the
     * border band repeats values from further in and would otherwise win every tie.
     */
    static int peak(float[] v, int width, int height) {
        float max = Float.NEGATIVE_INFINITY;
        for (float f : v) {
            max = Math.max(max, f);
        }
        int best = -1;
        int bestDepth = -1;
        for (int i = 0; i < v.length; i++) {
            if (v[i] >= max) {
                int x = i % width;
                int y = i / width;
                int depth = Math.min(Math.min(x, width - 1 - x), Math.min(y, height - 1 - y));
                if (depth > bestDepth) {
                    best = i;
                    bestDepth = depth;
                }
            }
        }
        return best;
    }

    /** One picture of the report's grid. */
    record GridCell(String name, double score, boolean anomalous, BufferedImage overlay) {}

    /** Where a report's folder holds the map of one test image, MVTec's evaluation layout. */
    static String mapPath(String category, String type, String stem) {
        return "maps/" + category + "/test/" + type + "/" + stem + ".tiff";
    }

    /** The test image's ground-truth mask (first channel), all zero for a good image. */
    static FloatImage mask(MvtecCategory category, String type, Path file, FloatImage image) throws IOException {
        var maskFile = category.maskFor(type, file);
        if (maskFile.isEmpty()) {
            return FloatImage.zeros(1, image.height(), image.width());
        }
        FloatImage m = ImageDecoder.read(maskFile.get());
        if (m.height() != image.height() || m.width() != image.width()) {
            throw new IOException(maskFile.get() + ": mask is " + m.width() + "x" + m.height() + " but its image "
                    + file + " is " + image.width() + "x" + image.height());
        }
        return m.channels() == 1 ? m : firstChannel(m);
    }

    private static FloatImage firstChannel(FloatImage m) {
        float[] d = new float[m.height() * m.width()];
        System.arraycopy(m.data(), 0, d, 0, d.length);
        return new FloatImage(1, m.height(), m.width(), d);
    }

    static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    static String markdown(Report r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT, "%s on %s (%s; threshold %.3f)%n%n", r.bundle(), r.data(), r.engine(), r.threshold()));
        s.append(String.format(
                Locale.ROOT,
                "| defect type | test images | defective | GT regions | image AUROC |"
                        + " pixel AUROC | AU-PRO@%.1f | good rejected | defective caught | caught, station"
                        + " threshold |%n",
                r.fprLimit()));
        s.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Row row : r.rows()) {
            s.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %d | %.3f | %.3f | %.3f | %d of %d | %d of %d | %.0f%% |%n",
                    row.type(),
                    row.images(),
                    row.defective(),
                    row.regions(),
                    row.imageAuroc(),
                    row.pixelAuroc(),
                    row.auPro(),
                    row.goodFlagged(),
                    row.images() - row.defective(),
                    row.defectiveFlagged(),
                    row.defective(),
                    100 * row.stationCaught()));
        }
        s.append(String.format(
                Locale.ROOT,
                "%nRejected and caught: images whose score is above the bundle's threshold (%.3f), the"
                        + " station's pass/fail decision. Caught, station threshold: the share of defective images"
                        + " above the highest score of half the good images (exact over every half), a threshold set"
                        + " from the station's own good parts (`runtime threshold`).%n",
                r.threshold()));
        if (!r.goodMapByDepth().isEmpty()) {
            s.append("\nGood test images' map values by distance from the border:\n\n"
                    + "| pixels from the border | pixels | mean | 99.9th percentile |\n| --- | --- | --- | --- |\n");
            for (DepthBand b : r.goodMapByDepth()) {
                s.append(String.format(
                        Locale.ROOT,
                        "| %d-%s | %d | %.3f | %.3f |%n",
                        b.from(),
                        b.to() < 0 ? "centre" : String.valueOf(b.to()),
                        b.pixels(),
                        b.mean(),
                        b.p999()));
            }
        }
        if (!r.goodMaxima().isEmpty() && r.goodMaxima().get(0).goodImages() > 0) {
            s.append(
                    "\nWhere the good test images' maps peak:\n\n| band from the border | maxima in it | share of the area |\n"
                            + "| --- | --- | --- |\n");
            for (BorderBand b : r.goodMaxima()) {
                s.append(String.format(
                        Locale.ROOT,
                        "| %d px | %d of %d (%.0f%%) | %.0f%% |%n",
                        b.width(),
                        b.maximaInBand(),
                        b.goodImages(),
                        100.0 * b.maximaInBand() / b.goodImages(),
                        100 * b.areaShare()));
            }
        }
        return s.toString();
    }
}
