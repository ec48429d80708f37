package dev.stad.bench.accuracy;

import dev.stad.bench.BenchCommand;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.detect.Regions;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.io.Json;
import dev.stad.runtime.io.MvtecLayout;
import dev.stad.runtime.output.FloatTiff;
import dev.stad.trainer.data.MvtecCategory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 * {@code bench combine}: what two or more models would score together, from the maps their
 * {@code bench accuracy} runs already wrote, without training or scoring again. Each test image's
 * maps are summed with the given weights and the image score is the sum's maximum, as a detector
 * whose scales are those models' would compute it (each map already standardised on its own
 * model's validation images); the metrics are those of {@code bench accuracy}. No threshold
 * exists for a sum, so only the threshold-free figures and the share caught at a station
 * threshold are reported.
 */
@Command(
        name = "combine",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Metrics of weighted sums of the maps that earlier `bench accuracy` runs wrote, per category"
                + " of a suite.")
public final class CombineCommand implements Callable<Integer> {
    @Option(
            names = "--maps",
            required = true,
            paramLabel = "DIR",
            description = "The output folder of a `bench accuracy --suite` run (or of `bench accuracy` on one"
                    + " category); give it once per model.")
    List<Path> maps;

    @Option(
            names = "--weights",
            split = ",",
            paramLabel = "W",
            description = "One weight per --maps, in their order (default: 1 each).")
    List<Double> weights;

    @Option(
            names = "--suite",
            required = true,
            paramLabel = "DIR",
            description = "The folder of categories the maps were scored on (the test images and their masks).")
    Path suite;

    @Option(
            names = "--categories",
            split = ",",
            paramLabel = "NAME",
            description = "Only these categories (default: every category in the suite).")
    List<String> categories;

    @Option(
            names = "--out",
            defaultValue = "bench-results/combine",
            paramLabel = "DIR",
            description = "Output folder for suite.md and suite.json (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(
            names = "--fpr-limit",
            defaultValue = "0.3",
            description = "FPR up to which PRO is integrated (default: ${DEFAULT-VALUE}).")
    double fprLimit;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @ParentCommand
    BenchCommand parent;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        double[] w = weights();
        long t0 = System.nanoTime();
        List<SuiteRun.CategoryResult> results = new ArrayList<>();
        for (Path dir : SuiteRun.categories(suite, categories)) {
            String name = dir.getFileName().toString();
            AccuracyCommand.Report report = evaluate(dir, w);
            Json.write(out.resolve(name).resolve("accuracy.json"), report);
            AccuracyCommand.Row overall = report.rows().get(0);
            List<AccuracyCommand.Row> types =
                    report.rows().subList(1, report.rows().size());
            results.add(new SuiteRun.CategoryResult(
                    name, SuiteRun.kind(dir), 0, overall, types, report.goodMapByDepth(), GoodShift.of(dir, report)));
            log.printf(
                    Locale.ROOT,
                    "combine: %s image AUROC %.3f, pixel AUROC %.3f, AU-PRO %.3f%n",
                    name,
                    overall.imageAuroc(),
                    overall.pixelAuroc(),
                    overall.auPro());
            log.flush();
        }
        SuiteRun.Summary summary =
                SuiteRun.summarise(suite.toString(), describe(w), results, (System.nanoTime() - t0) / 1e9);
        Json.write(out.resolve("suite.json"), summary);
        String md = markdown(summary);
        AtomicFiles.writeString(out.resolve("suite.md"), md);
        log.println(md);
        log.println("Wrote " + out.resolve("suite.md") + " and suite.json; per category, accuracy.json under " + out
                + "/<category>/");
        return 0;
    }

    private double[] weights() {
        double[] w = new double[maps.size()];
        if (weights == null || weights.isEmpty()) {
            Arrays.fill(w, 1);
            return w;
        }
        if (weights.size() != maps.size()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--weights has " + weights.size() + " values for " + maps.size()
                            + " --maps folders; give one each");
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = weights.get(i);
            if (!Double.isFinite(w[i])) {
                throw new ParameterException(spec.commandLine(), "--weights: " + weights.get(i) + " is not a number");
            }
        }
        return w;
    }

    /** {@code 1 x a + 2 x b}: what was summed, for the summary. */
    private String describe(double[] w) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < w.length; i++) {
            parts.add(String.format(Locale.ROOT, "%s x %s", fmt(w[i]), maps.get(i)));
        }
        return String.join(" + ", parts);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** One category: every test image's weighted sum of maps, scored as {@code bench accuracy} does. */
    AccuracyCommand.Report evaluate(Path data, double[] w) throws IOException {
        MvtecCategory category = MvtecCategory.open(data);
        String name = data.getFileName().toString();
        Map<String, List<Path>> test = category.test();
        if (!test.containsKey(MvtecLayout.GOOD)) {
            throw new IOException(data + ": no test/good images; AUROC needs anomaly-free test images");
        }
        Tally tally = new Tally(category.defectTypes());
        for (Map.Entry<String, List<Path>> e : test.entrySet()) {
            String type = e.getKey();
            for (Path file : e.getValue()) {
                FloatImage image = ImageDecoder.read(file);
                String stem = AccuracyCommand.stem(file);
                float[] sum = new float[image.width() * image.height()];
                for (int m = 0; m < maps.size(); m++) {
                    Path map = mapFile(maps.get(m), name, type, stem);
                    FloatImage v = FloatTiff.read(map);
                    if (v.width() != image.width() || v.height() != image.height()) {
                        throw new IOException(map + ": map is " + v.width() + "x" + v.height() + " but its image "
                                + file + " is " + image.width() + "x" + image.height());
                    }
                    float[] d = v.data();
                    for (int i = 0; i < sum.length; i++) {
                        sum[i] += (float) (w[m] * d[i]);
                    }
                }
                float max = Float.NEGATIVE_INFINITY;
                for (float f : sum) {
                    max = Math.max(max, f);
                }
                Regions.Labels gt = Regions.label(AccuracyCommand.mask(category, type, file, image), 0.5);
                tally.add(type, stem, sum, image.width(), image.height(), gt, max, false, null);
            }
        }
        return tally.report(describe(w), data.toString(), "sum of maps", Double.NaN, tally.result(fprLimit));
    }

    /**
     * The map of one test image under a {@code bench accuracy} output folder: a suite's (per
     * category) or one category's.
     */
    static Path mapFile(Path root, String category, String type, String stem) throws IOException {
        String rel = AccuracyCommand.mapPath(category, type, stem);
        Path inSuite = root.resolve(category).resolve(rel);
        if (Files.isRegularFile(inSuite)) {
            return inSuite;
        }
        Path single = root.resolve(rel);
        if (Files.isRegularFile(single)) {
            return single;
        }
        throw new IOException(root + ": no map for " + category + "/test/" + type + "/" + stem + " (looked for "
                + inSuite + " and " + single + "); score that category with `bench accuracy` first");
    }

    static String markdown(SuiteRun.Summary s) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "%s on %d categories: mean image AUROC **%.3f**, pixel AUROC **%.3f**, AU-PRO@0.3 **%.3f**%n%n",
                s.config(),
                s.categories().size(),
                s.mean().imageAuroc(),
                s.mean().pixelAuroc(),
                s.mean().auPro()));
        b.append("| category | kind | image AUROC | pixel AUROC | AU-PRO@0.3 | caught, station threshold |\n"
                + "| --- | --- | --- | --- | --- | --- |\n");
        for (SuiteRun.CategoryResult r : s.categories()) {
            b.append(line(
                    r.category(),
                    r.kind(),
                    r.overall().imageAuroc(),
                    r.overall().pixelAuroc(),
                    r.overall().auPro(),
                    r.overall().stationCaught()));
        }
        for (SuiteRun.MeanRow m : s.byKind()) {
            b.append(line(
                    "mean, " + m.name() + " (" + m.categories() + ")",
                    "",
                    m.imageAuroc(),
                    m.pixelAuroc(),
                    m.auPro(),
                    m.stationCaught()));
        }
        b.append(line(
                "**mean**",
                "",
                s.mean().imageAuroc(),
                s.mean().pixelAuroc(),
                s.mean().auPro(),
                s.mean().stationCaught()));
        b.append("\nPer defect type, mean over the categories:\n\n"
                + "| defect type | categories | image AUROC | pixel AUROC | AU-PRO@0.3 | caught, station threshold |\n"
                + "| --- | --- | --- | --- | --- | --- |\n");
        for (SuiteRun.MeanRow m : s.byType()) {
            b.append(line(
                    m.name(),
                    String.valueOf(m.categories()),
                    m.imageAuroc(),
                    m.pixelAuroc(),
                    m.auPro(),
                    m.stationCaught()));
        }
        b.append(SuiteRun.shiftTable(s.categories()));
        b.append("\nThe image score is the maximum of the weighted sum of the maps. Caught, station threshold: the"
                + " share of defective images above the highest score of half the good test images (exact over every"
                + " half).\n");
        return b.toString();
    }

    private static String line(String name, String second, double image, double pixel, double pro, double caught) {
        return String.format(
                Locale.ROOT,
                "| %s | %s | %.3f | %.3f | %.3f | %.0f%% |%n",
                name,
                second,
                image,
                pixel,
                pro,
                100 * caught);
    }
}
