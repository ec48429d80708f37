package dev.stad.trainer;

import ai.djl.ndarray.NDManager;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.config.ConfigLoader;
import dev.stad.trainer.config.PretrainConfig;
import dev.stad.trainer.config.TeacherConfig;
import dev.stad.trainer.config.TrainingConfig;
import dev.stad.trainer.model.Djl;
import dev.stad.trainer.teacher.TeacherStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code pretrain-teacher}: pretrains, once, the teacher of every scale of a config on a broad
 * corpus, into a folder that any run names with {@code "teacher": {"source": "pretrained",
 * "path": ...}}. Resumes after an interruption; a teacher already in the folder is kept.
 */
@Command(
        name = "pretrain-teacher",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Pretrains the teacher of every scale of a config on a broad image corpus (procedural images or"
                + " a folder of photos), once, into a folder every run can share (teacher.source \"pretrained\")."
                + " Resumes an interrupted pretraining; teachers already in the folder are kept.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "0:every teacher is in the folder",
            "1:pretraining failed (the message says why)",
            "2:invalid command line"
        })
public final class PretrainTeacherCommand implements Callable<Integer> {

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Config whose scales, input normalisation and teacher.pretrain settings to use. Default: "
                    + ConfigLoader.DEFAULT_CONFIG + ".")
    Path config;

    @Option(
            names = "--corpus",
            paramLabel = "procedural|DIR",
            description = "'procedural' (images generated in-process) or a folder of photos; overrides"
                    + " teacher.pretrain.corpus.")
    String corpus;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Folder for the teachers; overrides teacher.path (default: teachers/<corpus folder name>).")
    Path out;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @ParentCommand
    TrainCommand parent;

    @Override
    public Integer call() throws Exception {
        TrainingConfig cfg = config != null ? ConfigLoader.load(config) : ConfigLoader.loadDefault();
        TeacherConfig teacher = cfg.teacher();
        if (teacher.source() == TeacherConfig.Source.ONNX || teacher.source() == TeacherConfig.Source.DISTILL) {
            throw new ParameterException(
                    spec.commandLine(),
                    "the config's teacher is read from " + teacher.path() + " (\"source\": \""
                            + teacher.source().name().toLowerCase(Locale.ROOT) + "\"), not pretrained into a folder;"
                            + " train with it directly");
        }
        if (teacher.source() == TeacherConfig.Source.ENERGY) {
            throw new ParameterException(
                    spec.commandLine(),
                    "the config's teacher is the fixed texture-energy descriptor (\"source\": \"energy\"),"
                            + " which is not learned; train with it directly, or pass --config with a pretrained"
                            + " teacher (configs/mvtec.json)");
        }
        PretrainConfig settings = teacher.pretrain() != null
                ? teacher.pretrain()
                : new PretrainConfig(
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        PretrainConfig.PROCEDURAL,
                        null,
                        null,
                        null,
                        null);
        if (corpus != null) {
            settings = settings.withCorpus(corpus);
        }
        if (settings.corpus() == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "no corpus: pass --corpus procedural or --corpus <folder of photos>" + " (the config's teacher is "
                            + teacher.source().name().toLowerCase(Locale.ROOT) + ")");
        }
        Path folder = out != null
                ? out
                : teacher.path() != null
                        ? Path.of(teacher.path())
                        : Path.of(
                                "teachers",
                                Path.of(settings.corpus()).getFileName().toString());
        Progress progress = new ConsoleProgress(spec.commandLine().getOut(), parent.interactive);
        TeacherStore store = new TeacherStore(folder);
        long t0 = System.nanoTime();
        List<String> done = new ArrayList<>();
        try (NDManager manager = Djl.newManager()) {
            for (NetworkSpec spec : cfg.networkSpecs()) {
                try (NDManager sub = manager.newSubManager()) {
                    TeacherStore.Teacher t = store.obtain(sub, spec, settings, cfg.input(), progress);
                    done.add(String.format(
                            Locale.ROOT,
                            "%s (%s)",
                            spec.name(),
                            t.pretrainSeconds() > 0
                                    ? String.format(Locale.ROOT, "pretrained in %.0f s", t.pretrainSeconds())
                                    : "already there"));
                }
            }
        }
        progress.line(String.format(
                Locale.ROOT,
                "Done in %.1f s. Teachers in %s: %s. Runs use them with \"teacher\":"
                        + " {\"source\": \"pretrained\", \"path\": \"%s\"}.",
                (System.nanoTime() - t0) / 1e9,
                folder.toAbsolutePath(),
                String.join(", ", done),
                folder));
        return 0;
    }
}
