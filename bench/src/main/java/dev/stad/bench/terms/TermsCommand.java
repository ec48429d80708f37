package dev.stad.bench.terms;

import dev.stad.bench.BenchCommand;
import dev.stad.bench.metrics.PixelMetrics;
import dev.stad.bench.metrics.Roc;
import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.RunMetadata;
import dev.stad.exporter.ExportCheck;
import dev.stad.exporter.onnx.Graphs;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.detect.Regions;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.io.Json;
import dev.stad.runtime.io.MvtecLayout;
import dev.stad.runtime.score.DescriptorGaussian;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.score.ScoreStatistics;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.data.MvtecCategory;
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
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code bench terms}: on the models a {@code bench accuracy --suite} run trained, recomputes each
 * scale's per-pixel terms from the bundle's own network graphs and measures detection quality with
 * other scores than the detector's own (e, plus v, the calm term c and the distance term d with the bundle's weights): e + v,
 * e + c, e alone, v alone, the teacher's squared
 * Mahalanobis distance from its descriptors on the training images (diagonal: the norm of the
 * normalised descriptor; full: with their covariance), e measured in the whitened descriptor
 * space, and sums of these. Each term is standardised on the run's validation images, the scales
 * are combined and the border bands calibrated as the detector does, so only the score differs.
 */
@Command(
        name = "terms",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Detection quality of other per-pixel scores (e, v, teacher distance, whitened e) on the"
                + " models of a `bench accuracy --suite` run, without retraining.")
public final class TermsCommand implements Callable<Integer> {
    @Option(names = "--suite", required = true, paramLabel = "DIR", description = "The suite's categories.")
    Path suite;

    @Option(
            names = "--models",
            required = true,
            paramLabel = "DIR",
            description = "The --out folder of the `bench accuracy --suite` run: <category>/bundle and <category>/run.")
    Path models;

    @Option(
            names = "--categories",
            split = ",",
            paramLabel = "NAME",
            description = "Only these categories (default: every one with a model).")
    List<String> categories;

    @Option(
            names = "--out",
            defaultValue = "bench-results/terms",
            paramLabel = "DIR",
            description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @ParentCommand
    BenchCommand parent;

    /** The per-pixel terms, in the order of a {@link Terms} array. */
    enum Term {
        E,
        V,
        /** The calm term under the bundle's own descriptor Gaussian; 0 where the bundle has none. */
        CALM,
        /** The distance term under the bundle's own descriptor Gaussian; 0 where the bundle has none. */
        DISTANCE,
        TEACHER_DIAGONAL,
        TEACHER_FULL,
        E_WHITENED,
        /** |log(full distance / its mean on the training descriptors)|: far from good, either way. */
        TEACHER_ATYPICAL,
        /** The lower side alone: closer to the descriptors' mean than good texture ever is. */
        TEACHER_TOO_CALM
    }

    /** A score: the weighted sum of the standardised terms it names. */
    record Variant(String name, Map<Term, Double> terms) {
        Variant(String name, List<Term> terms) {
            this(name, weighOne(terms));
        }

        private static Map<Term, Double> weighOne(List<Term> terms) {
            Map<Term, Double> m = new LinkedHashMap<>();
            terms.forEach(t -> m.put(t, 1.0));
            return m;
        }

        /** The detector's own score: e, and v, c and d with the bundle's weights. */
        static Variant detector(ScoreStatistics s) {
            Map<Term, Double> m = new LinkedHashMap<>();
            m.put(Term.E, 1.0);
            m.put(Term.V, s.vWeight());
            m.put(Term.CALM, s.cWeight());
            m.put(Term.DISTANCE, s.dWeight());
            return new Variant(DETECTOR, m);
        }
    }

    /** The name of the variant that is the detector's own score. */
    static final String DETECTOR = "the detector's score";

    static final List<Variant> VARIANTS = List.of(
            new Variant(DETECTOR, List.of()),
            new Variant("e + v (the paper's)", List.of(Term.E, Term.V)),
            new Variant("e + c (calm term)", List.of(Term.E, Term.CALM)),
            new Variant("e + 0.5 c", Map.of(Term.E, 1.0, Term.CALM, 0.5)),
            new Variant("e + 2 c", Map.of(Term.E, 1.0, Term.CALM, 2.0)),
            new Variant("e + v + c", List.of(Term.E, Term.V, Term.CALM)),
            new Variant("e", List.of(Term.E)),
            new Variant("v", List.of(Term.V)),
            new Variant("teacher distance, diagonal", List.of(Term.TEACHER_DIAGONAL)),
            new Variant("teacher distance, full covariance", List.of(Term.TEACHER_FULL)),
            new Variant("whitened e", List.of(Term.E_WHITENED)),
            new Variant("whitened e + v", List.of(Term.E_WHITENED, Term.V)),
            new Variant("e + v + teacher distance (full)", List.of(Term.E, Term.V, Term.TEACHER_FULL)),
            new Variant("e + teacher distance (full)", List.of(Term.E, Term.TEACHER_FULL)),
            new Variant("teacher atypicality (two-sided)", List.of(Term.TEACHER_ATYPICAL)),
            new Variant("e + teacher atypicality", List.of(Term.E, Term.TEACHER_ATYPICAL)),
            new Variant("e + teacher too calm", List.of(Term.E, Term.TEACHER_TOO_CALM)),
            new Variant("teacher distance (full) + 2 c", Map.of(Term.TEACHER_FULL, 1.0, Term.CALM, 2.0)),
            new Variant("teacher distance (diagonal) + 2 c", Map.of(Term.TEACHER_DIAGONAL, 1.0, Term.CALM, 2.0)));

    /** One category's figures for one variant. */
    record Row(
            String category,
            String variant,
            double imageAuroc,
            double pixelAuroc,
            double auPro,
            Map<String, Double> pixelAurocByType) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        List<Row> rows = new ArrayList<>();
        for (Path dir : categoryDirs()) {
            String name = dir.getFileName().toString();
            log.printf("terms: %s%n", name);
            log.flush();
            rows.addAll(category(name, dir));
        }
        Json.write(out.resolve("terms.json"), rows);
        String md = markdown(rows);
        AtomicFiles.writeString(out.resolve("terms.md"), md);
        log.println(md);
        return 0;
    }

    private List<Path> categoryDirs() throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.list(suite)) {
            all = s.filter(MvtecLayout::isCategory)
                    .filter(p ->
                            Files.isDirectory(models.resolve(p.getFileName()).resolve("bundle")))
                    .sorted()
                    .toList();
        }
        if (categories == null || categories.isEmpty()) {
            return all;
        }
        return all.stream()
                .filter(p -> categories.contains(p.getFileName().toString()))
                .toList();
    }

    private List<Row> category(String name, Path data) throws Exception {
        Path work = models.resolve(name);
        ModelBundle bundle = ModelBundle.open(work.resolve("bundle"));
        BundleManifest m = bundle.manifest();
        RunMetadata run = new RunDirectory(work.resolve("run"))
                .readMetadata()
                .orElseThrow(() -> new IOException(work.resolve("run") + ": no run.json"));
        Path root = Path.of(run.dataset().root());
        if (m.preprocessing().isNative()) {
            // Its maps of every term are kept whole per image: at camera sizes that is gigabytes.
            throw new IOException(work.resolve("bundle") + ": a native-resolution model; bench terms compares the"
                    + " scoring terms of resize models only");
        }
        List<NetworkSpec> specs = m.specs();
        int h = m.preprocessing().height();
        int w = m.preprocessing().width();
        try (Networks nets = Networks.open(bundle)) {
            // Teacher covariance over the training images' valid positions, per scale.
            Map<String, DescriptorGaussian> whitening = new LinkedHashMap<>();
            Map<String, DescriptorGaussian.Accumulator> acc = new LinkedHashMap<>();
            for (String file : run.dataset().train()) {
                Map<String, FloatImage> teachers =
                        nets.teachers(m.preprocessing().load(root.resolve(file)));
                teachers.forEach((s, t) -> acc.computeIfAbsent(
                                s, k -> new DescriptorGaussian.Accumulator(t.channels(), 1))
                        .add(t));
            }
            acc.forEach((s, a) -> whitening.put(s, a.fit()));
            Map<String, DescriptorGaussian> gaussians = new LinkedHashMap<>();
            for (BundleManifest.Scale s : m.scales()) {
                gaussians.put(s.name(), s.gaussian());
            }

            List<Map<String, Terms>> validation = new ArrayList<>();
            for (String file : run.dataset().validation()) {
                validation.add(nets.terms(m.preprocessing().load(root.resolve(file)), whitening, gaussians));
            }
            MvtecCategory category = MvtecCategory.open(data);
            record Test(String type, Map<String, Terms> terms, Regions.Labels truth) {}
            List<Test> tests = new ArrayList<>();
            for (Map.Entry<String, List<Path>> e : category.test().entrySet()) {
                for (Path file : e.getValue()) {
                    FloatImage image = m.preprocessing().load(file);
                    FloatImage mask = category.maskFor(e.getKey(), file).isPresent()
                            ? ImageDecoder.read(
                                    category.maskFor(e.getKey(), file).get())
                            : FloatImage.zeros(1, h, w);
                    if (mask.height() != h || mask.width() != w) {
                        throw new IOException(
                                file + ": the terms bench needs images of the bundle's input size " + w + "x" + h);
                    }
                    tests.add(new Test(e.getKey(), nets.terms(image, whitening, gaussians), Regions.label(mask, 0.5)));
                }
            }
            List<Row> rows = new ArrayList<>();
            ScoreStatistics own = m.scales().get(0).statistics();
            for (BundleManifest.Scale s : m.scales()) {
                if (!s.statistics().vWeight().equals(own.vWeight())
                        || !s.statistics().cWeight().equals(own.cWeight())
                        || !s.statistics().dWeight().equals(own.dWeight())) {
                    throw new IOException(work.resolve("bundle") + ": its scales weigh v, c and d differently; the"
                            + " terms bench scores one weighting for all");
                }
            }
            for (Variant listed : VARIANTS) {
                Variant variant = listed.name().equals(DETECTOR) ? Variant.detector(own) : listed;
                Map<String, double[]> stats = new LinkedHashMap<>();
                for (NetworkSpec s : specs) {
                    stats.put(
                            s.name(),
                            Terms.statistics(validation.stream()
                                    .map(v -> v.get(s.name()))
                                    .toList()));
                }
                List<Map<String, FloatImage>> validationScores = new ArrayList<>();
                for (Map<String, Terms> v : validation) {
                    validationScores.add(scores(v, stats, variant));
                }
                ScaleCombination combination = ScaleCombination.calibrate(
                        specs, validationScores, h, w, m.combination().smoothingSigma());
                Map<String, PixelMetrics> pixels = new LinkedHashMap<>();
                pixels.put("overall", new PixelMetrics());
                List<Double> imageScores = new ArrayList<>();
                List<Boolean> positive = new ArrayList<>();
                for (Test t : tests) {
                    float[] map = combination
                            .combine(specs, scores(t.terms(), stats, variant), h, w)
                            .data();
                    pixels.get("overall")
                            .add(map, t.truth().labels(), t.truth().regions().size());
                    for (String type : category.defectTypes()) {
                        if (t.type().equals(type) || t.type().equals(MvtecLayout.GOOD)) {
                            pixels.computeIfAbsent(type, k -> new PixelMetrics())
                                    .add(
                                            map,
                                            t.truth().labels(),
                                            t.truth().regions().size());
                        }
                    }
                    float max = Float.NEGATIVE_INFINITY;
                    for (float f : map) {
                        max = Math.max(max, f);
                    }
                    imageScores.add((double) max);
                    positive.add(!t.type().equals(MvtecLayout.GOOD));
                }
                boolean[] pos = new boolean[positive.size()];
                for (int i = 0; i < pos.length; i++) {
                    pos[i] = positive.get(i);
                }
                PixelMetrics.Result overall = pixels.get("overall").compute(0.3);
                Map<String, Double> byType = new LinkedHashMap<>();
                for (String type : category.defectTypes()) {
                    byType.put(type, pixels.get(type).compute(0.3).auroc());
                }
                rows.add(new Row(
                        name,
                        variant.name(),
                        Roc.auroc(
                                imageScores.stream()
                                        .mapToDouble(Double::doubleValue)
                                        .toArray(),
                                pos),
                        overall.auroc(),
                        overall.auPro(),
                        byType));
            }
            return rows;
        }
    }

    private static Map<String, FloatImage> scores(Map<String, Terms> terms, Map<String, double[]> stats, Variant v) {
        Map<String, FloatImage> out = new LinkedHashMap<>();
        terms.forEach((scale, t) -> out.put(scale, t.score(stats.get(scale), v.terms())));
        return out;
    }

    static String markdown(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        List<String> categories = rows.stream().map(Row::category).distinct().toList();
        b.append("Mean over ")
                .append(categories.size())
                .append(" categories ")
                .append(categories)
                .append(":\n\n| score | image AUROC | pixel AUROC | AU-PRO@0.3 |");
        List<String> types = rows.isEmpty()
                ? List.of()
                : List.copyOf(rows.get(0).pixelAurocByType().keySet());
        for (String t : types) {
            b.append(' ').append(t).append(" |");
        }
        b.append("\n| --- | --- | --- | --- |")
                .append(" --- |".repeat(types.size()))
                .append('\n');
        for (Variant v : VARIANTS) {
            List<Row> of =
                    rows.stream().filter(r -> r.variant().equals(v.name())).toList();
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %.3f | %.3f | %.3f |",
                    v.name(),
                    of.stream().mapToDouble(Row::imageAuroc).average().orElse(Double.NaN),
                    of.stream().mapToDouble(Row::pixelAuroc).average().orElse(Double.NaN),
                    of.stream().mapToDouble(Row::auPro).average().orElse(Double.NaN)));
            for (String t : types) {
                b.append(String.format(
                        Locale.ROOT,
                        " %.3f |",
                        of.stream()
                                .mapToDouble(r -> r.pixelAurocByType().getOrDefault(t, Double.NaN))
                                .average()
                                .orElse(Double.NaN)));
            }
            b.append('\n');
        }
        b.append("\nPixel AUROC per category:\n\n| score |");
        for (String c : categories) {
            b.append(' ').append(c).append(" |");
        }
        b.append("\n| --- |").append(" --- |".repeat(categories.size())).append('\n');
        for (Variant v : VARIANTS) {
            b.append("| ").append(v.name()).append(" |");
            for (String c : categories) {
                rows.stream()
                        .filter(r ->
                                r.variant().equals(v.name()) && r.category().equals(c))
                        .findFirst()
                        .ifPresent(r -> b.append(String.format(Locale.ROOT, " %.3f |", r.pixelAuroc())));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** The bundle's per-network dense graphs, open for the life of this object. */
    static final class Networks implements AutoCloseable {
        private final List<String> scales = new ArrayList<>();
        private final Map<String, GraphSession> teachers = new LinkedHashMap<>();
        private final Map<String, List<GraphSession>> students = new LinkedHashMap<>();

        static Networks open(ModelBundle bundle) throws Exception {
            Networks n = new Networks();
            try {
                for (BundleManifest.Scale s : bundle.manifest().scales()) {
                    if (s.teacher() == null) {
                        throw new IOException(bundle.source() + " is a station bundle; the terms bench needs the"
                                + " per-network graphs of a full bundle");
                    }
                    n.scales.add(s.name());
                    n.teachers.put(s.name(), session(bundle, s.teacher().dense()));
                    List<GraphSession> st = new ArrayList<>();
                    n.students.put(s.name(), st);
                    for (BundleManifest.NetworkFiles f : s.studentGraphs()) {
                        st.add(session(bundle, f.dense()));
                    }
                }
                return n;
            } catch (Exception e) {
                n.close();
                throw e;
            }
        }

        private static GraphSession session(ModelBundle bundle, String file) throws Exception {
            return ExportCheck.session(bundle.read(file), file, Graphs.IMAGE_INPUT, Graphs.DESCRIPTORS);
        }

        /** Each scale's normalised teacher descriptors of a preprocessed image. */
        Map<String, FloatImage> teachers(FloatImage image) throws Exception {
            Map<String, FloatImage> out = new LinkedHashMap<>();
            for (String s : scales) {
                out.put(s, teachers.get(s).run(image).get(Graphs.DESCRIPTORS));
            }
            return out;
        }

        /** Each scale's terms of a preprocessed image. */
        Map<String, Terms> terms(
                FloatImage image, Map<String, DescriptorGaussian> whitening, Map<String, DescriptorGaussian> gaussians)
                throws Exception {
            Map<String, Terms> out = new LinkedHashMap<>();
            Map<String, FloatImage> t = teachers(image);
            for (String s : scales) {
                List<FloatImage> st = new ArrayList<>();
                for (GraphSession g : students.get(s)) {
                    st.add(g.run(image).get(Graphs.DESCRIPTORS));
                }
                out.put(s, Terms.compute(t.get(s), st, whitening.get(s), gaussians.get(s)));
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            Exception first = null;
            List<GraphSession> all = new ArrayList<>(teachers.values());
            students.values().forEach(all::addAll);
            for (GraphSession g : all) {
                try {
                    g.close();
                } catch (Exception e) {
                    first = first == null ? e : first;
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }
}
