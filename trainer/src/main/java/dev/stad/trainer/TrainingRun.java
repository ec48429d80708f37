package dev.stad.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.RunMetadata;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.checkpoint.score.DescriptorNormalization;
import dev.stad.checkpoint.spec.NetworkForm;
import dev.stad.exporter.ExportCheck;
import dev.stad.exporter.Exporter;
import dev.stad.exporter.ImportCheck;
import dev.stad.exporter.onnx.TeacherImport;
import dev.stad.runtime.StadVersion;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.score.DescriptorGaussian;
import dev.stad.runtime.score.ImageThreshold;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.config.ConfigLoader;
import dev.stad.trainer.config.PretrainConfig;
import dev.stad.trainer.config.ScaleConfig;
import dev.stad.trainer.config.StudentConfig;
import dev.stad.trainer.config.TeacherConfig;
import dev.stad.trainer.config.TrainingConfig;
import dev.stad.trainer.corpus.Corpus;
import dev.stad.trainer.data.DatasetException;
import dev.stad.trainer.data.DatasetSource;
import dev.stad.trainer.data.SyntheticDataset;
import dev.stad.trainer.data.TrainingImages;
import dev.stad.trainer.model.Djl;
import dev.stad.trainer.model.EnergyTeacher;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.WeightInit;
import dev.stad.trainer.teacher.TeacherStore;
import dev.stad.trainer.train.Calibrator;
import dev.stad.trainer.train.DeadUnits;
import dev.stad.trainer.train.Seeds;
import dev.stad.trainer.train.StudentTrainer;
import dev.stad.trainer.train.TeacherPretrainer;
import dev.stad.trainer.train.TeacherTargets;
import dev.stad.trainer.train.TrainingDivergedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One training run, start to finish: data (generated on first use for the default config),
 * split, then per scale the teacher (random or pretrained), its descriptor statistics, the
 * student ensemble, and calibration on the validation images; finally the default threshold.
 *
 * <p>Every stage leaves an atomically written file in the run folder and is skipped when that
 * file is already complete, so the same command after a kill resumes where it stopped, and a
 * completed run is not redone unless {@code fresh} is set.
 */
public final class TrainingRun {
    private static final String PRETRAIN_LOSS = "pretrainLoss";
    /** Side of the random image the export check runs on: small, the graphs take any size. */
    private final TrainingConfig config;

    private final Progress progress;
    private final List<String> stagesRun = new ArrayList<>();
    private final boolean fresh;
    private final boolean recalibrate;
    private final TeacherStore teachers;
    /** Patches per anchor crop and step whose targets a distillation from ONNX computes. */
    static final int DISTILLATION_PATCHES_PER_CROP = 16;

    private List<NetworkSpec> specs;
    private List<NetworkSpec> studentSpecs;
    private TeacherImport.Imported imported;

    public TrainingRun(TrainingConfig config, Progress progress, boolean fresh) {
        this(config, progress, fresh, false);
    }

    /**
     * @param fresh delete the run's checkpoints first and train from scratch
     * @param recalibrate on a complete run, measure the calibration again from its trained
     *     teacher and students (the validation statistics, the scale combination, the threshold)
     *     and export the bundle anew: what a newer version's calibration gives without retraining
     */
    public TrainingRun(TrainingConfig config, Progress progress, boolean fresh, boolean recalibrate) {
        this.config = config;
        this.progress = progress;
        this.fresh = fresh;
        this.recalibrate = recalibrate;
        this.teachers = config.teacher().source() == TeacherConfig.Source.PRETRAINED
                ? new TeacherStore(Path.of(config.teacher().path()))
                : null;
    }

    /**
     * Every scale's network: as the config spells it out, or, for a teacher read from ONNX, as
     * imported (and checked against its source) on first use, before anything is trained.
     */
    private List<NetworkSpec> specs() throws IOException {
        if (specs == null) {
            NetworkSpec importedSpec = null;
            if (config.teacher().source() == TeacherConfig.Source.ONNX) {
                imported = importTeacher();
                importedSpec = imported.spec();
            }
            List<NetworkSpec> resolved = config.networkSpecs(importedSpec);
            try {
                TrainingConfig.requireFits(resolved, config.input(), config.students());
            } catch (IllegalArgumentException e) {
                throw new IOException(config.teacher().path() + ": " + e.getMessage(), e);
            }
            Networks networks;
            try {
                networks = networks(config, resolved);
            } catch (IllegalArgumentException e) {
                // The config's studentArchitecture or studentLayers, not the teacher's file, is at fault.
                throw new IOException("the config's students: " + e.getMessage(), e);
            }
            resolved = networks.teachers();
            List<NetworkSpec> students = networks.students();
            for (int i = 0; i < students.size(); i++) {
                if (!students.get(i).equals(resolved.get(i))) {
                    progress.line("students " + resolved.get(i).name() + ": their own architecture, "
                            + students.get(i).layers() + ", " + students.get(i).receptiveField()
                            + "-pixel patches as the teacher's");
                }
            }
            specs = resolved;
            studentSpecs = students;
        }
        return specs;
    }

    /** Every scale's teacher and students' networks, in the config's scale order. */
    public record Networks(List<NetworkSpec> teachers, List<NetworkSpec> students) {
        public Networks {
            teachers = List.copyOf(teachers);
            students = List.copyOf(students);
        }
    }

    /**
     * The networks {@code config} trains, from its scales' networks ({@code scales}, as
     * {@link TrainingConfig#networkSpecs(NetworkSpec)} gives them): an energy teacher's scales
     * name the students' architecture and the teacher is the energy descriptor of the same patch
     * and length; without students they are the teacher's.
     *
     * @throws IllegalArgumentException if a scale's students cannot learn its teacher's descriptors
     */
    public static Networks networks(TrainingConfig config, List<NetworkSpec> scales) {
        List<NetworkSpec> teachers = scales;
        List<NetworkSpec> students = config.studentSpecs(scales);
        if (config.teacher().source() == TeacherConfig.Source.ENERGY) {
            teachers = students.stream().map(EnergyTeacher::spec).toList();
        }
        if (config.students().none()) {
            students = teachers; // no students, so no architecture of their own
        }
        return new Networks(teachers, students);
    }

    /** The students' network of {@code spec}'s scale: the teacher's, or their own. */
    private NetworkSpec studentSpecOf(NetworkSpec spec) throws IOException {
        return studentSpecs.get(specs().indexOf(spec));
    }

    private TeacherImport.Imported importTeacher() throws IOException {
        Path file = Path.of(config.teacher().path());
        String scale = importedScale();
        TeacherImport.Source source;
        TeacherImport.Imported imp;
        try {
            source = TeacherImport.open(
                    file, config.teacher().output(), config.teacher().maxBytes());
            imp = source.importAs(scale);
        } catch (TeacherImport.ImportException e) {
            throw new IOException(e.getMessage(), e);
        }
        progress.line("teacher " + scale + ": imported from " + file + ": " + imp.summary());
        ImportCheck.Report check;
        try {
            check = ImportCheck.compare(source, imp, config.seed());
        } catch (EngineException e) {
            throw new IOException(
                    file + ": ONNX Runtime cannot run the source graph to check the import: " + e.getMessage(), e);
        }
        if (check.positions() == 0) {
            throw new IOException(file + ": no output of the source lies clear of its padding on its "
                    + check.side() + "-pixel input, so the import cannot be checked against it; cut at an earlier"
                    + " layer or export the graph with free height and width");
        } else if (!(check.relativeDifference() <= ExportCheck.TOLERANCE)) {
            throw new IOException(String.format(
                    Locale.ROOT,
                    "%s: the imported network differs from its source by %.2e (relative) away from the padding;"
                            + " the graph holds something the import does not reproduce",
                    file,
                    check.relativeDifference()));
        } else {
            progress.line(String.format(
                    Locale.ROOT,
                    "teacher %s: equals its source within %.1e at %d positions clear of the padding",
                    scale,
                    check.relativeDifference(),
                    check.positions()));
        }
        TeacherConfig t = config.teacher();
        if (t.mean() != null) {
            imp = imp.readingInputsNormalisedAs(
                    config.input().mean(), config.input().std(), floats(t.mean()), floats(t.std()));
            progress.line("teacher " + scale + ": its input normalisation (mean " + t.mean() + ", std " + t.std()
                    + ") folded into its first convolution, so it reads the run's");
        }
        return imp;
    }

    /** The students' settings for {@code spec}'s scale: the config's, with the scale's own epochs where it has them. */
    private StudentConfig studentsOf(NetworkSpec spec) {
        return config.scales().stream()
                .filter(s -> s.specName().equals(spec.name()) && s.epochs() != null)
                .findFirst()
                .map(s -> config.students().withEpochs(s.epochs()))
                .orElse(config.students());
    }

    /** The scale whose architecture and teacher come from the ONNX file. */
    private String importedScale() {
        return config.scales().stream()
                .filter(ScaleConfig::isImported)
                .findFirst()
                .orElseThrow()
                .name();
    }

    private static float[] floats(List<Double> values) {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = values.get(i).floatValue();
        }
        return f;
    }

    /** What a run produced: the run folder, the model bundle, and whether this call trained anything. */
    /**
     * What a call of {@link #run} did.
     *
     * @param alreadyComplete the run was complete before this call, so nothing was trained
     * @param stagesRun the stages this call did work in, in order ({@code teacher <scale>},
     *     {@code students <scale>}, {@code calibration <scale>}, {@code combination}, {@code export});
     *     stages whose files a previous call left are reused and not listed
     */
    public record Summary(
            Path out,
            Path bundle,
            boolean alreadyComplete,
            double seconds,
            RunMetadata metadata,
            List<String> stagesRun) {}

    public Summary run() throws IOException, TrainingDivergedException {
        long t0 = System.nanoTime();
        stagesRun.clear();
        RunDirectory dir = new RunDirectory(Path.of(config.out()));
        if (fresh) {
            dir.clear();
        }
        JsonNode configTree = ConfigLoader.toTree(config);
        var existing = dir.readMetadata();
        if (existing.isPresent()) {
            requireSameConfig(dir, existing.get().config(), configTree, recalibrate);
            if (RunMetadata.COMPLETE.equals(existing.get().status()) && recalibrate) {
                progress.line("Run " + dir.root() + " is complete; calibrating it again from its trained networks");
            } else if (RunMetadata.COMPLETE.equals(existing.get().status())) {
                Path bundle = Path.of(config.bundle());
                if (!Files.exists(bundle)) {
                    progress.line("Run " + dir.root() + " is complete but its bundle " + bundle
                            + " is missing; exporting it");
                    export(dir, bundle);
                }
                return new Summary(dir.root(), bundle, true, 0, existing.get(), List.copyOf(stagesRun));
            }
        }

        specs(); // an imported teacher is read and checked before anything is written
        if (config.data().path() == null) {
            throw new IOException("no training data: set data.path in the config or pass --data <folder>");
        }
        Path dataRoot = Path.of(config.data().path());
        if (config.data().generate() != null) {
            if (!Files.exists(dataRoot)) {
                progress.line("Generating the synthetic dataset in " + dataRoot + " (seed " + config.seed() + ")");
                new SyntheticDataset(config.data().generate(), config.seed()).generate(dataRoot);
            }
            SyntheticDataset.requireCurrent(dataRoot);
        }
        DatasetSource source = DatasetSource.resolve(dataRoot);
        TrainingImages.Split split =
                TrainingImages.Split.of(source, config.data().validationFraction(), config.seed());
        RunMetadata.Dataset dataset = new RunMetadata.Dataset(
                source.kind().name().toLowerCase(Locale.ROOT),
                dataRoot.toString(),
                relative(dataRoot, split.train()),
                relative(dataRoot, split.validation()));
        if (existing.isPresent() && !dataset.equals(existing.get().dataset())) {
            throw new IOException(dir.runFile() + ": the images under " + dataRoot + " differ from those this run was"
                    + " started with; use --fresh to start over or another --out");
        }
        Instant started = existing.map(m -> Instant.parse(m.started())).orElse(Instant.now());
        Map<String, String> versions = versions();
        dir.writeMetadata(new RunMetadata(
                RunDirectory.FORMAT_VERSION,
                RunMetadata.TRAINING,
                configTree,
                config.input(),
                dataset,
                versions,
                started.toString(),
                null,
                null,
                null,
                null,
                null));
        progress.line(String.format(
                Locale.ROOT,
                "Run %s: %d training and %d validation images (%s) from %s (%s), %d scale(s) %s, %s, teacher %s",
                dir.root(),
                split.train().size(),
                split.validation().size(),
                source.validationImages().isEmpty()
                        ? "held back from the good images"
                        : "from validation/good, every train/good image trains",
                dataRoot,
                dataset.kind(),
                config.scales().size(),
                specs().stream()
                        .map(s -> s.name() + " (rf " + s.receptiveField() + ")")
                        .toList(),
                config.students().none()
                        ? "no students (distance from the teacher's training mean)"
                        : config.students().count() + " students each",
                sourceName()));

        TrainingImages images;
        int total = split.train().size() + split.validation().size();
        try (Progress.Stage stage = progress.stage("loading images", total, 0)) {
            images = TrainingImages.load(split, dataRoot, config.input(), i -> stage.step(""));
        }
        if (config.input().isNative()) {
            requireNativeSizes(images, dataRoot);
        }

        List<RunMetadata.TrainedScale> scales = new ArrayList<>();
        Map<String, Calibrator.ScaleCalibration> calibrations = new LinkedHashMap<>();
        try (NDManager manager = Djl.newManager()) {
            for (NetworkSpec spec : specs()) {
                try (NDManager scaleManager = manager.newSubManager()) {
                    ScaleOutcome o = trainScale(scaleManager, dir, spec, images);
                    scales.add(o.metadata);
                    calibrations.put(spec.name(), o.calibration);
                }
            }
        }
        List<Map<String, FloatImage>> validationScores = validationScores(calibrations);
        stagesRun.add("combination");
        // Each validation image at its own size: all the input's in resize mode, their own in native.
        ScaleCombination combination = ScaleCombination.calibrate(
                specs(), validationScores, config.calibration().smoothingSigma());
        for (ScaleCombination.Level level : combination.levels()) {
            progress.line(String.format(
                    Locale.ROOT,
                    "calibration %s from %d px inside the border: mean %.4g, scale %.4g",
                    String.join("+", level.scales()),
                    level.margin().before(),
                    level.mean(),
                    level.std()));
        }
        RunMetadata.Threshold threshold = threshold(combination, validationScores);
        // A recalibrated run keeps the time its training took.
        double earlier = existing.filter(m -> RunMetadata.COMPLETE.equals(m.status()))
                .map(m -> m.trainingSeconds() == null ? 0.0 : m.trainingSeconds())
                .orElse(0.0);
        double seconds = earlier + (System.nanoTime() - t0) / 1e9;
        RunMetadata done = new RunMetadata(
                RunDirectory.FORMAT_VERSION,
                RunMetadata.COMPLETE,
                configTree,
                config.input(),
                dataset,
                versions,
                started.toString(),
                Instant.now().toString(),
                seconds,
                scales,
                combination,
                threshold);
        dir.writeMetadata(done);
        Path bundle = Path.of(config.bundle());
        export(dir, bundle);
        return new Summary(dir.root(), bundle, false, (System.nanoTime() - t0) / 1e9, done, List.copyOf(stagesRun));
    }

    /** Writes the model bundle and proves it on ONNX Runtime (see {@link Exporter}). */
    private void export(RunDirectory dir, Path bundle) throws IOException {
        stagesRun.add("export");
        long t0 = System.nanoTime();
        Exporter.Result r = Exporter.export(dir.root(), bundle, Exporter.Options.defaults(), progress);
        progress.line(String.format(
                Locale.ROOT,
                "Exported bundle %s (%d files, %.1f MB) in %.1f s; checked on ONNX Runtime:"
                        + " detector vs Java %.1e, dense vs patch %.1e",
                bundle,
                r.files(),
                r.bytes() / 1e6,
                (System.nanoTime() - t0) / 1e9,
                r.check().detectorVsJava(),
                r.check().denseVsPatch()));
        if (r.int8() != null) {
            progress.line(String.format(
                    Locale.ROOT,
                    "int8 detector vs fp32 on %d validation images, each map in its own spreads: image scores within"
                            + " %.2f, pixels within %.2f (mean %.3f)",
                    r.int8().images(),
                    r.int8().maxScoreDifference(),
                    r.int8().maxMapDifference(),
                    r.int8().meanMapDifference()));
        }
    }

    private record ScaleOutcome(RunMetadata.TrainedScale metadata, Calibrator.ScaleCalibration calibration) {}

    private ScaleOutcome trainScale(NDManager manager, RunDirectory dir, NetworkSpec spec, TrainingImages images)
            throws IOException, TrainingDivergedException {
        List<FloatImage> train =
                images.train().stream().map(TrainingImages.Named::image).toList();
        List<FloatImage> validation =
                images.validation().stream().map(TrainingImages.Named::image).toList();

        Teacher teacher = teacher(manager, dir, spec, train);
        if (config.students().none()) {
            if (teacher.normalization() == null) {
                teacher = saveTeacher(
                        dir,
                        spec,
                        teacher,
                        TeacherTargets.compute(
                                        manager,
                                        teacher.network(),
                                        train,
                                        null,
                                        0, // only the statistics: no crops will take targets from kept maps
                                        progress,
                                        "teacher " + spec.name() + " statistics")
                                .normalization());
            }
            return calibrateScale(manager, dir, spec, teacher, List.of(), List.of(), train, validation);
        }
        Path studentsFile = dir.studentsFile(spec.name());
        NetworkSpec studentSpec = studentSpecOf(spec);
        StudentTrainer trainer =
                new StudentTrainer(studentSpec, studentsOf(spec), config.input(), config.seed(), progress);
        TeacherTargets targets = null;
        boolean studentsDone = trainer.isComplete(studentsFile);
        if (teacher.normalization() == null || !studentsDone) {
            // One pass of the teacher over the training images gives both mu_T / sigma_T and the targets.
            targets = TeacherTargets.compute(
                    manager,
                    teacher.network(),
                    train,
                    teacher.normalization(),
                    TeacherTargets.DEFAULT_BUDGET_BYTES,
                    progress,
                    "teacher " + spec.name() + " targets");
            if (teacher.normalization() == null) {
                teacher = saveTeacher(dir, spec, teacher, targets.normalization());
            }
        }
        if (!studentsDone) {
            stagesRun.add("students " + spec.name());
        }
        StudentTrainer.Result students = trainer.train(manager, targets, train, studentsFile);
        for (DeadUnits.Finding f : DeadUnits.find(manager, students.students(), train)) {
            progress.line(DeadUnits.describe(spec.name(), f));
        }
        return calibrateScale(
                manager, dir, spec, teacher, students.students(), students.epochLosses(), train, validation);
    }

    /**
     * Calibrates a scale on the validation images and describes it for the run's metadata.
     *
     * @param students the trained students; none for a scale without students, which scores the
     *     teacher's distance from its training mean
     * @param epochLosses the students' losses, epoch by epoch (none without students)
     */
    private ScaleOutcome calibrateScale(
            NDManager manager,
            RunDirectory dir,
            NetworkSpec spec,
            Teacher teacher,
            List<PatchNetwork> students,
            List<double[]> epochLosses,
            List<FloatImage> train,
            List<FloatImage> validation)
            throws IOException, TrainingDivergedException {
        NetworkSpec studentSpec = studentSpecOf(spec);
        boolean none = students.isEmpty();
        stagesRun.add("calibration " + spec.name());
        double calmWeight = config.calibration().calmWeightOrDefault();
        DescriptorGaussian gaussian = !config.calibration().needsGaussian()
                ? null
                : Calibrator.fitGaussian(manager, teacher.network(), teacher.normalization(), train, progress);
        Calibrator.ScaleCalibration cal = Calibrator.calibrate(
                        manager, teacher.network(), teacher.normalization(), gaussian, students, validation, progress)
                .withWeights(
                        config.uncertaintyWeight(),
                        calmWeight,
                        config.calibration().distanceWeightOrDefault());
        progress.line(String.format(
                Locale.ROOT,
                "calibration %s: e %.4g +- %.4g%s%s on %d validation images",
                spec.name(),
                cal.statistics().eMean(),
                cal.statistics().eStd(),
                none
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                ", v %.4g +- %.4g",
                                cal.statistics().vMean(),
                                cal.statistics().vStd()),
                gaussian == null
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                ", c %.4g +- %.4g, d %.4g +- %.4g",
                                cal.statistics().cMean(),
                                cal.statistics().cStd(),
                                cal.statistics().dMean(),
                                cal.statistics().dStd()),
                validation.size()));
        RunMetadata.TrainedScale meta = new RunMetadata.TrainedScale(
                spec.name(),
                spec.receptiveField(),
                spec,
                sourceName(),
                dir.teacherFile(spec.name()).getFileName().toString(),
                none ? null : dir.studentsFile(spec.name()).getFileName().toString(),
                students.size(),
                teacher.pretrainLoss(),
                none
                        ? null
                        : Arrays.stream(epochLosses.get(epochLosses.size() - 1))
                                .boxed()
                                .toList(),
                none
                        ? null
                        : epochLosses.stream()
                                .map(e -> Arrays.stream(e).boxed().toList())
                                .toList(),
                cal.statistics(),
                gaussian,
                studentSpec.equals(spec) ? null : studentSpec);
        return new ScaleOutcome(meta, cal);
    }

    /**
     * A scale's teacher: its network, weights and pretraining losses, and its descriptor
     * statistics once measured (null until then).
     */
    private record Teacher(
            PatchNetwork network,
            Map<String, FloatTensor> weights,
            DescriptorNormalization normalization,
            List<Double> pretrainLoss) {}

    /**
     * The scale's teacher: read with its statistics from its file if a previous session finished
     * it, else made (random or pretrained), without statistics yet.
     */
    private Teacher teacher(NDManager manager, RunDirectory dir, NetworkSpec spec, List<FloatImage> train)
            throws IOException, TrainingDivergedException {
        Path file = dir.teacherFile(spec.name());
        PatchNetwork teacher = PatchNetwork.create(spec, NetworkForm.DENSE);
        if (Files.exists(file)) {
            Safetensors.Contents saved = Safetensors.read(file);
            teacher.setParameters(manager, saved.tensors(), "");
            String loss = saved.metadata().get(PRETRAIN_LOSS);
            return new Teacher(
                    teacher,
                    null,
                    new DescriptorNormalization(
                            saved.tensor(RunDirectory.NORM_MEAN).data(),
                            saved.tensor(RunDirectory.NORM_STD).data()),
                    loss == null
                            ? null
                            : Arrays.stream(loss.split(","))
                                    .map(Double::valueOf)
                                    .toList());
        }
        stagesRun.add("teacher " + spec.name());
        Map<String, FloatTensor> weights;
        List<Double> pretrainLoss = null;
        TeacherConfig.Source source = config.teacher().source();
        if (source == TeacherConfig.Source.ONNX && spec.name().equals(importedScale())) {
            weights = new LinkedHashMap<>(imported.weights());
        } else if (source == TeacherConfig.Source.ENERGY) {
            weights = EnergyTeacher.weights(spec, config.input().std());
        } else if (source == TeacherConfig.Source.RANDOM
                || source == TeacherConfig.Source.ONNX && config.teacher().randomOthers()) {
            weights = WeightInit.heUniform(spec, Seeds.derive(config.seed(), "teacher/" + spec.name() + "/0"));
        } else if (source == TeacherConfig.Source.PRETRAINED) {
            TeacherStore.Teacher t =
                    teachers.obtain(manager, spec, config.teacher().pretrain(), config.input(), progress);
            if (t.pretrainSeconds() == 0) {
                progress.line("teacher " + spec.name() + ": pretrained on "
                        + config.teacher().pretrain().corpus() + ", from " + t.file());
            }
            weights = t.weights();
            pretrainLoss = t.pretrainLoss();
        } else {
            TeacherPretrainer pretrainer = new TeacherPretrainer(
                    spec, config.teacher().pretrain(), config.input().std(), config.seed(), progress);
            List<FloatImage> pool = train;
            if (source == TeacherConfig.Source.DISTILL) {
                pretrainer = pretrainer.distillingFrom(new TeacherPretrainer.OnnxDistillation(
                        Path.of(config.teacher().path()),
                        config.teacher().output(),
                        config.teacher().maxBytes(),
                        DISTILLATION_PATCHES_PER_CROP));
                PretrainConfig p = config.teacher().pretrain();
                if (p.corpus() != null) {
                    pool = Corpus.load(
                            p.corpus(), p.corpusImages(), p.corpusImageSize(), p.seed(), config.input(), progress);
                }
            }
            TeacherPretrainer.Result r = pretrainer.train(manager, pool, dir.teacherPartialFile(spec.name()));
            weights = r.weights();
            pretrainLoss = List.of(r.firstLoss(), r.lastLoss());
            progress.line(String.format(
                    Locale.ROOT,
                    "teacher %s pretrained: loss %.4f -> %.4f (first / last tenth of steps)%s",
                    spec.name(),
                    r.firstLoss(),
                    r.lastLoss(),
                    Double.isNaN(r.firstDistillation())
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    ", distillation %.4f -> %.4f",
                                    r.firstDistillation(),
                                    r.lastDistillation())));
        }
        teacher.setParameters(manager, weights, "");
        return new Teacher(teacher, weights, null, pretrainLoss);
    }

    /** Writes the teacher's file, weights and statistics together, and drops its pretraining checkpoint. */
    private Teacher saveTeacher(RunDirectory dir, NetworkSpec spec, Teacher teacher, DescriptorNormalization norm)
            throws IOException {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>(teacher.weights());
        tensors.put(RunDirectory.NORM_MEAN, new FloatTensor(new long[] {norm.channels()}, norm.mean()));
        tensors.put(RunDirectory.NORM_STD, new FloatTensor(new long[] {norm.channels()}, norm.std()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("scale", spec.name());
        meta.put("source", sourceName());
        if (teachers != null) {
            meta.put("pretrainedFrom", teachers.file(spec).toString());
        }
        if (teacher.pretrainLoss() != null) {
            meta.put(
                    PRETRAIN_LOSS,
                    teacher.pretrainLoss().get(0) + "," + teacher.pretrainLoss().get(1));
        }
        Safetensors.write(dir.teacherFile(spec.name()), tensors, meta);
        Files.deleteIfExists(dir.teacherPartialFile(spec.name()));
        return new Teacher(teacher.network(), teacher.weights(), norm, teacher.pretrainLoss());
    }

    /**
     * A native-resolution run trains on crops of each image as it is: every image must hold the
     * largest patch plus a student crop (what {@link TrainingConfig#requireFits} checks of a
     * resize run's one input size). The first that does not is named.
     */
    private void requireNativeSizes(TrainingImages images, Path dataRoot) throws IOException {
        int largest =
                specs().stream().mapToInt(NetworkSpec::receptiveField).max().orElse(1);
        int crop = config.students().none() ? 1 : config.students().cropSize();
        String what = config.students().none() ? "one descriptor" : "students.cropSize " + crop;
        PretrainConfig p = config.teacher().pretrain();
        if (config.teacher().source() == TeacherConfig.Source.SELF_SUPERVISED
                && p != null
                && p.positionsNeeded() > crop) {
            // The teacher pretrains on these images too, with crops shifted for the positives.
            crop = p.positionsNeeded();
            what = "teacher.pretrain.cropSize plus twice positiveShift, " + crop + ",";
        }
        int side = largest + crop - 1;
        List<TrainingImages.Named> all = new ArrayList<>(images.train());
        all.addAll(images.validation());
        for (TrainingImages.Named n : all) {
            if (n.image().height() < side || n.image().width() < side) {
                double scale = config.input().scale();
                throw new DatasetException(dataRoot.resolve(n.name()) + ": the image is "
                        + n.image().width() + "x"
                        + n.image().height() + (scale == 1.0 ? "" : " at input.scale " + scale) + ", smaller than the "
                        + side + "x" + side + " pixels a native run needs (receptive field " + largest + " plus "
                        + what + " less one)");
            }
        }
    }

    private String sourceName() {
        return config.teacher().source().id();
    }

    /** Per validation image, each scale's normalised score map on its valid region. */
    private static List<Map<String, FloatImage>> validationScores(
            Map<String, Calibrator.ScaleCalibration> calibrations) {
        List<Map<String, FloatImage>> out = new ArrayList<>();
        for (Map.Entry<String, Calibrator.ScaleCalibration> e : calibrations.entrySet()) {
            List<FloatImage> maps = e.getValue().scoreMaps();
            for (int i = 0; i < maps.size(); i++) {
                if (out.size() <= i) {
                    out.add(new LinkedHashMap<>());
                }
                out.get(i).put(e.getKey(), maps.get(i));
            }
        }
        return out;
    }

    /**
     * Image score = max of the combined, smoothed map; threshold = the score a good image stays
     * under with the configured probability, from the tail of the validation maps' block maxima.
     */
    private RunMetadata.Threshold threshold(ScaleCombination combination, List<Map<String, FloatImage>> validation) {
        int block = ImageThreshold.blockSide(combination);
        List<double[]> blockMaxima = new ArrayList<>();
        for (Map<String, FloatImage> scores : validation) {
            int[] size = ScaleCombination.imageSize(scores, specs);
            blockMaxima.add(ImageThreshold.blockMaxima(combination.combine(specs, scores, size[0], size[1]), block));
        }
        ImageThreshold.Estimate estimate = ImageThreshold.fromBlockMaxima(
                blockMaxima, block, config.calibration().thresholdQuantile());
        String rule =
                estimate.rule(ImageThreshold.scoreDescription(combination.smoothingSigma()), "the validation images'");
        return new RunMetadata.Threshold(estimate.value(), rule, estimate.scores());
    }

    private static void requireSameConfig(RunDirectory dir, JsonNode saved, JsonNode current, boolean recalibrate)
            throws IOException {
        // Where results go does not change what is trained; nor does the calibration, which a
        // recalibration measures anew.
        ObjectNode a = withDefaults(saved).deepCopy();
        ObjectNode b = current.deepCopy();
        a.remove(List.of("out", "bundle"));
        b.remove(List.of("out", "bundle"));
        if (recalibrate) {
            a.remove("calibration");
            b.remove("calibration");
        }
        if (!a.equals(b)) {
            List<String> differing = new ArrayList<>();
            for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!b.get(f).equals(a.get(f))) {
                    differing.add(f);
                }
            }
            if (differing.equals(List.of("calibration"))) {
                throw new IOException(dir.runFile() + ": this run was calibrated with other calibration settings; use"
                        + " --recalibrate to calibrate it again from its trained networks, --fresh to retrain, or"
                        + " another --out");
            }
            throw new IOException(dir.runFile() + ": this run was started with a different config (differs in "
                    + differing + "); use --fresh to start it over with the new config, or another --out");
        }
    }

    /**
     * A saved config as today's code writes it: a field added since the run was started (with a
     * default that keeps the old behaviour) is filled in, so the run still resumes and
     * recalibrates. A config that no longer reads is compared as it was saved.
     */
    private static JsonNode withDefaults(JsonNode saved) {
        try {
            return ConfigLoader.toTree(ConfigLoader.mapper().treeToValue(saved, TrainingConfig.class));
        } catch (IOException | IllegalArgumentException e) {
            return saved;
        }
    }

    private static List<String> relative(Path root, List<Path> files) {
        return files.stream().map(f -> root.relativize(f).toString()).toList();
    }

    private static Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("stad", StadVersion.get());
        v.put("djl", Engine.getDjlVersion());
        v.put("pytorch", Djl.engine().getVersion());
        v.put("java", System.getProperty("java.version"));
        v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        return v;
    }
}
