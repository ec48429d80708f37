package dev.stad.trainer;

import dev.stad.checkpoint.RunMetadata;
import dev.stad.runtime.cli.Commands;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.progress.Progress;
import dev.stad.trainer.config.ConfigLoader;
import dev.stad.trainer.config.TrainingConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train}: fits teachers and student ensembles as a config says. Exit codes: 0 trained
 * (or already complete), 1 failed (bad data, diverged training, I/O), 2 usage error.
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        subcommands = PretrainTeacherCommand.class,
        description = "Trains a student-teacher anomaly detector: per scale a teacher and an ensemble of students,"
                + " calibrated on held-back good images. Re-running the same command resumes an interrupted run.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "0:trained, or the run was already complete",
            "1:training failed (the message says why)",
            "2:invalid command line"
        })
public final class TrainCommand implements Callable<Integer> {

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Run config (JSON). Default: " + ConfigLoader.DEFAULT_CONFIG + " (embedded copy if absent).")
    Path config;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "An MVTec AD category folder or a folder of good images; overrides data.path.")
    Path data;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Run folder for checkpoints and the model; overrides out.")
    Path out;

    @Option(
            names = "--bundle",
            paramLabel = "PATH",
            description = "Where to export the model bundle (folder or .zip); overrides bundle.")
    Path bundle;

    @Option(
            names = "--seed",
            paramLabel = "N",
            description = "Seed for data generation, split, init and crops; overrides seed.")
    Long seed;

    @Option(
            names = "--teacher",
            paramLabel = "DIR",
            description = "Use the pretrained teachers in DIR (written by pretrain-teacher); sets teacher.source to"
                    + " pretrained and teacher.path to DIR.")
    Path teacher;

    @Option(names = "--fresh", description = "Delete this run's checkpoints and train from scratch.")
    boolean fresh;

    @Option(
            names = "--recalibrate",
            description = "On a complete run: calibrate again from its trained teacher and students (validation"
                    + " statistics, scale combination, border bands, threshold) and export the bundle anew.")
    boolean recalibrate;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    /** Whether output goes to a terminal, so progress may draw bars. */
    final boolean interactive;

    private TrainCommand(boolean interactive) {
        this.interactive = interactive;
    }

    /**
     * One factory for the command line, so tests capture output exactly as users see it. Training
     * is the root command; {@code pretrain-teacher} its one subcommand.
     */
    public static CommandLine commandLine(PrintStream out, PrintStream err, boolean interactive) {
        return Commands.configure(new CommandLine(new TrainCommand(interactive)), out, err);
    }

    @Override
    public Integer call() throws Exception {
        TrainingConfig cfg = config != null ? ConfigLoader.load(config) : ConfigLoader.loadDefault();
        if (data != null) {
            cfg = cfg.withData(data.toString());
        }
        if (out != null) {
            cfg = cfg.withOut(out.toString());
        }
        if (seed != null) {
            cfg = cfg.withSeed(seed);
        }
        if (bundle != null) {
            cfg = cfg.withBundle(bundle.toString());
        }
        if (teacher != null) {
            cfg = cfg.withTeacher(cfg.teacher().pretrainedAt(teacher.toString()));
        }
        Progress progress = new ConsoleProgress(spec.commandLine().getOut(), interactive);
        TrainingRun.Summary s = new TrainingRun(cfg, progress, fresh, recalibrate).run();
        RunMetadata m = s.metadata();
        if (s.alreadyComplete()) {
            progress.line("Run " + s.out() + " is already complete (trained in "
                    + String.format(Locale.ROOT, "%.0f s", m.trainingSeconds())
                    + "); nothing to do. Use --fresh to retrain.");
        } else {
            progress.line(String.format(
                    Locale.ROOT,
                    "Done in %.1f s. Model bundle: %s; checkpoints: %s;" + " default threshold %.3f.",
                    s.seconds(),
                    s.bundle().toAbsolutePath(),
                    s.out().toAbsolutePath(),
                    m.threshold().value()));
        }
        return 0;
    }
}
