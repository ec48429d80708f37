package dev.stad.bench.accuracy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.io.Json;
import dev.stad.runtime.io.MvtecLayout;
import dev.stad.trainer.TrainingRun;
import dev.stad.trainer.config.ConfigLoader;
import dev.stad.trainer.config.TrainingConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * {@code bench accuracy --suite}: trains every category of a folder with one config, scores each,
 * and reports per category, per defect type (mean over the categories that have it) and the mean
 * over categories. Runs resume: a category whose run is complete is only scored again.
 */
final class SuiteRun {
    private final AccuracyCommand command;
    private final PrintWriter log;

    SuiteRun(AccuracyCommand command, PrintWriter log) {
        this.command = command;
        this.log = log;
    }

    /**
     * One category's outcome: its overall row, its rows per defect type, the training time, and
     * how far its good test images lie from its training images.
     */
    record CategoryResult(
            String category,
            String kind,
            double trainingSeconds,
            AccuracyCommand.Row overall,
            List<AccuracyCommand.Row> types,
            List<AccuracyCommand.DepthBand> goodMapByDepth,
            GoodShift goodShift) {}

    /**
     * A mean row over several categories; then the means of the categories' shares of good images
     * rejected and defective images caught at each bundle's threshold, and of defective images
     * caught at a threshold from half the good images ({@link StationThreshold}).
     */
    record MeanRow(
            String name,
            int categories,
            double imageAuroc,
            double pixelAuroc,
            double auPro,
            double goodRejected,
            double defectsCaught,
            double stationCaught) {}

    /** What {@code suite.json} holds. */
    record Summary(
            String suite,
            String config,
            List<CategoryResult> categories,
            List<MeanRow> byType,
            List<MeanRow> byKind,
            MeanRow mean,
            double seconds) {}

    void run() throws Exception {
        long t0 = System.nanoTime();
        List<Path> dirs = categories();
        List<CategoryResult> results = new ArrayList<>();
        int k = 0;
        for (Path dir : dirs) {
            String name = dir.getFileName().toString();
            k++;
            log.printf(Locale.ROOT, "suite: category %d of %d, %s%n", k, dirs.size(), name);
            log.flush();
            Path work = command.out.resolve(name);
            TrainingConfig cfg = ConfigLoader.load(command.config)
                    .withData(dir.toString())
                    .withOut(work.resolve("run").toString())
                    .withBundle(work.resolve("bundle").toString());
            TrainingRun.Summary trained = new TrainingRun(
                            cfg, new ConsoleProgress(log, command.parent.interactive), false, command.recalibrate)
                    .run();
            AccuracyCommand.Report report = command.evaluate(trained.bundle(), dir, work);
            AccuracyCommand.Row overall = report.rows().stream()
                    .filter(r -> r.type().equals(AccuracyCommand.OVERALL))
                    .findFirst()
                    .orElseThrow();
            List<AccuracyCommand.Row> types = report.rows().stream()
                    .filter(r -> !r.type().equals(AccuracyCommand.OVERALL))
                    .toList();
            results.add(new CategoryResult(
                    name,
                    kind(dir),
                    trained.metadata().trainingSeconds(),
                    overall,
                    types,
                    report.goodMapByDepth(),
                    GoodShift.of(dir, report)));
            log.printf(
                    Locale.ROOT,
                    "suite: %s image AUROC %.3f, pixel AUROC %.3f, AU-PRO %.3f%n",
                    name,
                    overall.imageAuroc(),
                    overall.pixelAuroc(),
                    overall.auPro());
            log.flush();
        }
        Summary summary =
                summarise(command.suite.toString(), command.config.toString(), results, (System.nanoTime() - t0) / 1e9);
        Json.write(command.out.resolve("suite.json"), summary);
        String md = markdown(summary);
        AtomicFiles.writeString(command.out.resolve("suite.md"), md);
        log.println(md);
        log.println("Wrote " + command.out.resolve("suite.md") + " and suite.json; per category, its report under "
                + command.out + "/<category>/");
    }

    private List<Path> categories() throws IOException {
        return categories(command.suite, command.categories);
    }

    /**
     * The MVTec-layout categories in {@code root}, sorted, or those of them that {@code names}
     * picks (in its order; null or empty for all).
     */
    static List<Path> categories(Path root, List<String> names) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": not a folder of categories");
        }
        List<Path> all;
        try (Stream<Path> s = Files.list(root)) {
            all = s.filter(MvtecLayout::isCategory).sorted().toList();
        }
        if (all.isEmpty()) {
            throw new IOException(root + ": no MVTec AD-layout categories (folders with train/good and test) in it");
        }
        if (names == null || names.isEmpty()) {
            return all;
        }
        List<Path> chosen = new ArrayList<>();
        for (String name : names) {
            Path p = root.resolve(name.trim());
            if (!all.contains(p)) {
                throw new IOException(root + ": no category " + name + "; it holds "
                        + all.stream().map(d -> d.getFileName().toString()).toList());
            }
            chosen.add(p);
        }
        return chosen;
    }

    /** The kind ({@code stochastic}, {@code regular}) a {@code bench real-set} category records; else empty. */
    static String kind(Path dir) throws IOException {
        Path info = dir.resolve("dataset.json");
        if (!Files.isRegularFile(info)) {
            return "";
        }
        JsonNode tree = Json.mapper().readTree(info.toFile());
        return tree.path("source").path("kind").asText("").toLowerCase(Locale.ROOT);
    }

    static Summary summarise(String suite, String config, List<CategoryResult> results, double seconds) {
        Map<String, List<AccuracyCommand.Row>> byType = new LinkedHashMap<>();
        for (CategoryResult r : results) {
            for (AccuracyCommand.Row row : r.types()) {
                byType.computeIfAbsent(row.type(), t -> new ArrayList<>()).add(row);
            }
        }
        List<MeanRow> typeRows = new ArrayList<>();
        byType.forEach((type, rows) -> typeRows.add(mean(type, rows)));
        Map<String, List<AccuracyCommand.Row>> byKind = new LinkedHashMap<>();
        for (CategoryResult r : results) {
            if (!r.kind().isEmpty()) {
                byKind.computeIfAbsent(r.kind(), t -> new ArrayList<>()).add(r.overall());
            }
        }
        List<MeanRow> kindRows = new ArrayList<>();
        byKind.forEach((kind, rows) -> kindRows.add(mean(kind, rows)));
        MeanRow mean =
                mean("mean", results.stream().map(CategoryResult::overall).toList());
        return new Summary(suite, config, results, typeRows, kindRows, mean, seconds);
    }

    static MeanRow mean(String name, List<AccuracyCommand.Row> rows) {
        return new MeanRow(
                name,
                rows.size(),
                average(rows, AccuracyCommand.Row::imageAuroc),
                average(rows, AccuracyCommand.Row::pixelAuroc),
                average(rows, AccuracyCommand.Row::auPro),
                average(rows, AccuracyCommand.Row::goodRejected),
                average(rows, AccuracyCommand.Row::defectsCaught),
                average(rows, AccuracyCommand.Row::stationCaught));
    }

    private static double average(List<AccuracyCommand.Row> rows, ToDoubleFunction<AccuracyCommand.Row> field) {
        return rows.stream().mapToDouble(field).average().orElse(Double.NaN);
    }

    static String markdown(Summary s) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "%d categories in %.0f s: mean image AUROC **%.3f**, pixel AUROC **%.3f**, AU-PRO@0.3 **%.3f**%n%n",
                s.categories().size(),
                s.seconds(),
                s.mean().imageAuroc(),
                s.mean().pixelAuroc(),
                s.mean().auPro()));
        b.append("| category | kind | training s | image AUROC | pixel AUROC | AU-PRO@0.3 | good rejected |"
                + " defects caught | caught, station threshold |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (CategoryResult r : s.categories()) {
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.0f | %.3f | %.3f | %.3f | %.0f%% | %.0f%% | %.0f%% |%n",
                    r.category(),
                    r.kind(),
                    r.trainingSeconds(),
                    r.overall().imageAuroc(),
                    r.overall().pixelAuroc(),
                    r.overall().auPro(),
                    100 * r.overall().goodRejected(),
                    100 * r.overall().defectsCaught(),
                    100 * r.overall().stationCaught()));
        }
        for (MeanRow m : s.byKind()) {
            b.append(row("mean, " + m.name() + " (" + m.categories() + ")", m));
        }
        b.append(row("**mean**", s.mean()));
        b.append("\nGood rejected and defects caught: the share of good and of defective test images scoring above"
                + " their bundle's threshold, the station's default pass/fail decision. Caught, station threshold: the"
                + " share of defective images above the highest score of half the good test images (exact over every"
                + " half), a threshold set from the station's own good parts, which rejects 1 in (half + 1) of"
                + " the good parts it has not seen.\n");
        b.append("\nPer defect type, mean over the categories:\n\n"
                + "| defect type | categories | image AUROC | pixel AUROC | AU-PRO@0.3 | caught | caught, station"
                + " threshold |\n"
                + "| --- | --- | --- | --- | --- | --- | --- |\n");
        for (MeanRow m : s.byType()) {
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %.3f | %.3f | %.3f | %.0f%% | %.0f%% |%n",
                    m.name(),
                    m.categories(),
                    m.imageAuroc(),
                    m.pixelAuroc(),
                    m.auPro(),
                    100 * m.defectsCaught(),
                    100 * m.stationCaught()));
        }
        b.append("\nPer category and defect type, pixel AUROC:\n\n| category |");
        List<String> types = s.byType().stream().map(MeanRow::name).toList();
        for (String t : types) {
            b.append(' ').append(t).append(" |");
        }
        b.append("\n| --- |");
        b.append(" --- |".repeat(types.size()));
        b.append('\n');
        for (CategoryResult r : s.categories()) {
            b.append("| ").append(r.category()).append(" |");
            for (String t : types) {
                double v = r.types().stream()
                        .filter(x -> x.type().equals(t))
                        .mapToDouble(AccuracyCommand.Row::pixelAuroc)
                        .findFirst()
                        .orElse(Double.NaN);
                b.append(String.format(Locale.ROOT, " %.3f |", v));
            }
            b.append('\n');
        }
        b.append("\nGood test images' mean map value by distance from the border (pixels):\n\n| category |");
        List<AccuracyCommand.DepthBand> first =
                s.categories().isEmpty() ? List.of() : s.categories().get(0).goodMapByDepth();
        for (AccuracyCommand.DepthBand d : first) {
            b.append(' ')
                    .append(d.from())
                    .append('-')
                    .append(d.to() < 0 ? "centre" : String.valueOf(d.to()))
                    .append(" |");
        }
        b.append("\n| --- |").append(" --- |".repeat(first.size())).append('\n');
        for (CategoryResult r : s.categories()) {
            b.append("| ").append(r.category()).append(" |");
            for (AccuracyCommand.DepthBand d : r.goodMapByDepth()) {
                b.append(String.format(Locale.ROOT, " %.2f (p99.9 %.2f) |", d.mean(), d.p999()));
            }
            b.append('\n');
        }
        b.append(shiftTable(s.categories()));
        return b.toString();
    }

    /** The good test images against the training images, per category ({@link GoodShift}). */
    static String shiftTable(List<CategoryResult> categories) {
        StringBuilder b = new StringBuilder("\nGood test images against the training images (mean distance in training"
                + " standard deviations; farthest: mean of each image's largest; Spearman: that distance against the"
                + " image score):\n\n| category |");
        for (String stat : GoodShift.STATISTICS) {
            b.append(' ').append(stat).append(" |");
        }
        b.append(" farthest | Spearman |\n| --- |")
                .append(" --- |".repeat(GoodShift.STATISTICS.size() + 2))
                .append('\n');
        for (CategoryResult r : categories) {
            b.append("| ").append(r.category()).append(" |");
            for (double z : r.goodShift().meanZ()) {
                b.append(String.format(Locale.ROOT, " %+.2f |", z));
            }
            b.append(String.format(
                    Locale.ROOT,
                    " %.2f | %.2f |%n",
                    r.goodShift().meanFarthest(),
                    r.goodShift().scoreCorrelation()));
        }
        return b.toString();
    }

    private static String row(String name, MeanRow m) {
        return String.format(
                Locale.ROOT,
                "| %s | | | %.3f | %.3f | %.3f | %.0f%% | %.0f%% | %.0f%% |%n",
                name,
                m.imageAuroc(),
                m.pixelAuroc(),
                m.auPro(),
                100 * m.goodRejected(),
                100 * m.defectsCaught(),
                100 * m.stationCaught());
    }
}
