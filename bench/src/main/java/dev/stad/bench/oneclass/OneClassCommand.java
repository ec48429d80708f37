package dev.stad.bench.oneclass;

import dev.stad.bench.BenchCommand;
import dev.stad.bench.metrics.Roc;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.io.Json;
import dev.stad.runtime.progress.Progress;
import dev.stad.trainer.TrainingRun;
import dev.stad.trainer.config.ConfigLoader;
import dev.stad.trainer.config.TrainingConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code bench one-class}: the one-class protocol of the literature. Trains a model on the training images of
 * one class of an IDX dataset (MNIST or Fashion-MNIST), scores test images of every class, and
 * reports AUROC with the trained class as normal: over all other classes, and per class. With
 * {@code --classes} it runs that experiment for several normal classes in turn and reports each
 * one's AUROC and their mean, the usual one-class benchmark.
 */
@Command(
        name = "one-class",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Trains on one class of an IDX dataset (MNIST / Fashion-MNIST) and reports AUROC per class.")
public final class OneClassCommand implements Callable<Integer> {
    /** Where Debian's dataset-fashion-mnist package puts the files. */
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    static final List<String> FASHION_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    @Option(
            names = "--idx",
            paramLabel = "DIR",
            description = "Folder with train-images-idx3-ubyte, train-labels-idx1-ubyte,"
                    + " t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each may end in .gz). Default: Debian's Fashion-MNIST, "
                    + "/usr/share/datasets/fashion-mnist.")
    Path idx = DEBIAN_FASHION_MNIST;

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Classes classes;

    /** One normal class, or several run one after the other. */
    static final class Classes {
        @Option(names = "--class", required = true, paramLabel = "C", description = "The normal class (label 0-9).")
        Integer single;

        @Option(
                names = "--classes",
                required = true,
                paramLabel = "LIST",
                description = "Several normal classes, one experiment each, e.g. 0-9 or 0,3,7; reports each AUROC and"
                        + " their mean.")
        String list;

        List<Integer> labels() {
            if (single != null) {
                return List.of(single);
            }
            List<Integer> out = new ArrayList<>();
            for (String part : list.split(",")) {
                String p = part.trim();
                int dash = p.indexOf('-', 1);
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                int to =
                        dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).trim());
                for (int c = from; c <= to; c++) {
                    if (c < 0 || c > 9) {
                        throw new IllegalArgumentException("--classes: class " + c + " is not a label 0-9");
                    }
                    if (!out.contains(c)) {
                        out.add(c);
                    }
                }
            }
            return out;
        }
    }

    @Option(
            names = "--config",
            defaultValue = "configs/one-class.json",
            paramLabel = "FILE",
            description = "Training config (default: ${DEFAULT-VALUE}); data, out and bundle are set by this command.")
    Path config;

    @Option(
            names = "--train-limit",
            defaultValue = "1000",
            description = "Training images of the class used (default: ${DEFAULT-VALUE}).")
    int trainLimit;

    @Option(
            names = "--test-per-class",
            defaultValue = "0",
            description = "Test images scored per class, the first ones of each; 0: every test image (default).")
    int testPerClass;

    @Option(
            names = "--out",
            defaultValue = "bench-results/one-class",
            paramLabel = "DIR",
            description =
                    "Output folder; the model trains in <out>/class-<C>/ and resumes there (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @ParentCommand
    BenchCommand parent;

    private PrintWriter log;

    /** AUROC of the normal class against one other class. */
    public record ClassAuroc(int label, String name, int images, double aurocMax, double aurocMean) {}

    /** What {@code one-class-<C>.json} holds. */
    public record Report(
            String dataset,
            int normalClass,
            String normalName,
            int trainImages,
            int testImages,
            double aurocMax,
            double aurocMean,
            List<ClassAuroc> perClass,
            double trainingSeconds) {}

    /** What {@code one-class-summary.json} holds: one experiment per normal class, and the means. */
    public record Summary(
            String dataset, List<Report> classes, double meanAurocMax, double meanAurocMean, double seconds) {}

    private int normalClass;

    @Override
    public Integer call() throws Exception {
        log = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        IdxFile trainImages = IdxFile.read(find("train-images-idx3-ubyte"));
        IdxFile trainLabels = IdxFile.read(find("train-labels-idx1-ubyte"));
        IdxFile testImages = IdxFile.read(find("t10k-images-idx3-ubyte"));
        IdxFile testLabels = IdxFile.read(find("t10k-labels-idx1-ubyte"));
        requireSameCount(trainImages, trainLabels, "train");
        requireSameCount(testImages, testLabels, "t10k");
        List<Report> reports = new ArrayList<>();
        for (int c : classes.labels()) {
            normalClass = c;
            reports.add(experiment(trainImages, trainLabels, testImages, testLabels));
        }
        if (reports.size() > 1) {
            Summary summary = new Summary(
                    idx.toString(),
                    reports,
                    reports.stream().mapToDouble(Report::aurocMax).average().orElse(Double.NaN),
                    reports.stream().mapToDouble(Report::aurocMean).average().orElse(Double.NaN),
                    (System.nanoTime() - t0) / 1e9);
            Json.write(out.resolve("one-class-summary.json"), summary);
            String md = summaryMarkdown(summary);
            AtomicFiles.writeString(out.resolve("one-class-summary.md"), md);
            log.println(md);
        }
        return 0;
    }

    private Report experiment(IdxFile trainImages, IdxFile trainLabels, IdxFile testImages, IdxFile testLabels)
            throws Exception {
        Path work = out.resolve("class-" + normalClass);
        Path good = work.resolve("train-good");
        List<Integer> chosen = new ArrayList<>();
        for (int i = 0; i < trainImages.count() && chosen.size() < trainLimit; i++) {
            if (trainLabels.label(i) == normalClass) {
                chosen.add(i);
            }
        }
        if (chosen.size() < 2) {
            throw new IOException(idx + ": class " + normalClass + " has " + chosen.size() + " training images");
        }
        if (!Files.isDirectory(good)) {
            AtomicFiles.writeFolder(good, folder -> {
                for (int i : chosen) {
                    ImageIO.write(
                            grey(trainImages.image(i)),
                            "png",
                            folder.resolve(String.format("%05d.png", i)).toFile());
                }
            });
        }
        TrainingConfig cfg = ConfigLoader.load(config)
                .withData(good.toString())
                .withOut(work.resolve("run").toString())
                .withBundle(work.resolve("bundle").toString());
        log.printf(
                Locale.ROOT,
                "one-class: training on %d images of class %d (%s) from %s%n",
                chosen.size(),
                normalClass,
                name(normalClass),
                idx);
        TrainingRun.Summary trained = new TrainingRun(cfg, new ConsoleProgress(log, parent.interactive), false).run();

        int[] perClass = new int[10];
        List<Integer> test = new ArrayList<>();
        for (int i = 0; i < testImages.count(); i++) {
            int label = testLabels.label(i);
            if (label < 10 && (testPerClass <= 0 || perClass[label] < testPerClass)) {
                perClass[label]++;
                test.add(i);
            }
        }
        double[] maxScore = new double[test.size()];
        double[] meanScore = new double[test.size()];
        int[] labels = new int[test.size()];
        Progress progress = new ConsoleProgress(log, parent.interactive);
        try (Detector detector = Detector.open(trained.bundle());
                Progress.Stage stage = progress.stage("one-class scoring", test.size(), 0)) {
            for (int k = 0; k < test.size(); k++) {
                Detection d = detector.score(testImages.image(test.get(k)));
                maxScore[k] = d.score();
                double sum = 0;
                for (float f : d.map().data()) {
                    sum += f;
                }
                meanScore[k] = sum / d.map().data().length;
                labels[k] = testLabels.label(test.get(k));
                stage.step("");
            }
        }
        List<ClassAuroc> rows = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            if (c == normalClass || perClass[c] == 0) {
                continue;
            }
            rows.add(new ClassAuroc(c, name(c), perClass[c], auroc(maxScore, labels, c), auroc(meanScore, labels, c)));
        }
        Report report = new Report(
                idx.toString(),
                normalClass,
                name(normalClass),
                chosen.size(),
                test.size(),
                auroc(maxScore, labels, -1),
                auroc(meanScore, labels, -1),
                rows,
                trained.metadata().trainingSeconds());
        Json.write(out.resolve("one-class-" + normalClass + ".json"), report);
        String md = markdown(report);
        AtomicFiles.writeString(out.resolve("one-class-" + normalClass + ".md"), md);
        log.println(md);
        return report;
    }

    /** AUROC with {@code normalClass} negative and {@code other} positive ({@code -1}: every other class). */
    private double auroc(double[] scores, int[] labels, int other) {
        List<Double> s = new ArrayList<>();
        List<Boolean> p = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            if (labels[i] == normalClass || other < 0 || labels[i] == other) {
                s.add(scores[i]);
                p.add(labels[i] != normalClass);
            }
        }
        boolean[] pos = new boolean[p.size()];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = p.get(i);
        }
        return Roc.auroc(s.stream().mapToDouble(Double::doubleValue).toArray(), pos);
    }

    static String summaryMarkdown(Summary s) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "%d one-class experiments on %s in %.0f s: mean AUROC **%.3f** (image score:"
                        + " max of the map), %.3f (mean of the map).%n%n",
                s.classes().size(),
                s.dataset(),
                s.seconds(),
                s.meanAurocMax(),
                s.meanAurocMean()));
        b.append("| normal class | training images | test images | training s | AUROC (max) | AUROC (mean) |\n"
                + "| --- | --- | --- | --- | --- | --- |\n");
        for (Report r : s.classes()) {
            b.append(String.format(
                    Locale.ROOT,
                    "| %d %s | %d | %d | %.0f | %.3f | %.3f |%n",
                    r.normalClass(),
                    r.normalName(),
                    r.trainImages(),
                    r.testImages(),
                    r.trainingSeconds(),
                    r.aurocMax(),
                    r.aurocMean()));
        }
        b.append(String.format(Locale.ROOT, "| mean | | | | %.3f | %.3f |%n", s.meanAurocMax(), s.meanAurocMean()));
        return b.toString();
    }

    static String markdown(Report r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT,
                "Normal class %d (%s), trained on %d images (%.0f s); %d test images from %s."
                        + " AUROC over all other classes: **%.3f** (image score: max of the map), %.3f (mean of the map).%n%n",
                r.normalClass(),
                r.normalName(),
                r.trainImages(),
                r.trainingSeconds(),
                r.testImages(),
                r.dataset(),
                r.aurocMax(),
                r.aurocMean()));
        s.append("| anomalous class | test images | AUROC (max) | AUROC (mean) |\n| --- | --- | --- | --- |\n");
        for (ClassAuroc c : r.perClass()) {
            s.append(String.format(
                    Locale.ROOT,
                    "| %d %s | %d | %.3f | %.3f |%n",
                    c.label(),
                    c.name(),
                    c.images(),
                    c.aurocMax(),
                    c.aurocMean()));
        }
        return s.toString();
    }

    private String name(int label) {
        boolean fashion = idx.toString().toLowerCase(Locale.ROOT).contains("fashion");
        return fashion && label < FASHION_NAMES.size() ? FASHION_NAMES.get(label) : "digit " + label;
    }

    private Path find(String base) throws IOException {
        for (String candidate : List.of(base, base + ".gz")) {
            Path p = idx.resolve(candidate);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IOException(idx + ": missing " + base + " (or " + base + ".gz)"
                + (idx.equals(DEBIAN_FASHION_MNIST)
                        ? "; install it with `apt-get install dataset-fashion-mnist`"
                        : ""));
    }

    private static void requireSameCount(IdxFile images, IdxFile labels, String split) throws IOException {
        if (images.dims().length != 3 || labels.dims().length != 1 || images.count() != labels.count()) {
            throw new IOException(split + ": images " + java.util.Arrays.toString(images.dims()) + " and labels "
                    + java.util.Arrays.toString(labels.dims()) + " do not match");
        }
    }

    private static BufferedImage grey(FloatImage img) {
        BufferedImage b = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                b.getRaster().setSample(x, y, 0, Math.round(img.get(0, y, x) * 255f));
            }
        }
        return b;
    }
}
