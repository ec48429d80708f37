package dev.stad.exporter;

import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.cli.Commands;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.cli.VersionProvider;
import java.io.PrintStream;
import java.io.PrintWriter;
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
 * {@code export}: turns a completed training run into a model bundle and proves it on ONNX
 * Runtime. Exit codes: 0 exported, 1 failed, 2 usage error.
 */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Writes a model bundle (manifest.json, detector.onnx, per-network patch and dense graphs) from a"
                + " training run folder, then checks it on ONNX Runtime.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "0:exported and checked",
            "1:export or check failed (the message says why)",
            "2:invalid command line"
        })
public final class ExportCommand implements Callable<Integer> {
    @Option(
            names = "--checkpoint",
            required = true,
            paramLabel = "DIR",
            description = "Completed training run folder (e.g. runs/default).")
    Path checkpoint;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "PATH",
            description = "Bundle to write: a folder, or a .zip file. An existing bundle there is replaced.")
    Path out;

    @Option(
            names = "--layout",
            paramLabel = "LAYOUT",
            defaultValue = "SEPARATE",
            description = "How the detector computes the networks of a scale: ${COMPLETION-CANDIDATES}"
                    + " (default: ${DEFAULT-VALUE}).")
    DetectorLayout layout;

    @Option(
            names = "--check-size",
            paramLabel = "PX",
            defaultValue = "" + ExportCheck.DEFAULT_SIZE,
            description = "Side of the random image the check runs on; at least the largest receptive field plus 8"
                    + " (default: ${DEFAULT-VALUE}).")
    int checkSize;

    @Option(
            names = "--int8",
            description = "Also write an int8 detector, calibrated on the run's training images, with its own"
                    + " threshold from the validation images (needs the run's images where it found them).")
    boolean int8;

    @Option(
            names = "--station",
            description = "Write a station bundle: the manifest and the detector graphs only, without the"
                    + " per-network graphs that only the bench and the parity tests read.")
    boolean station;

    @Option(
            names = "--sign",
            paramLabel = "KEY",
            description =
                    "Sign the manifest with this private key (`runtime keygen`); stations with --trust accept only"
                            + " signed bundles.")
    Path sign;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    public static CommandLine commandLine(PrintStream out, PrintStream err) {
        return Commands.configure(new CommandLine(new ExportCommand()), out, err);
    }

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        PrintWriter stdout = spec.commandLine().getOut();
        Exporter.Result r = Exporter.export(
                checkpoint,
                out,
                new Exporter.Options(layout, checkSize, int8, station, sign),
                new ConsoleProgress(spec.commandLine().getErr(), System.console() != null));
        stdout.printf(
                Locale.ROOT,
                "Exported %s to %s (%s%s bundle, %d files, %.1f MB, detector layout %s) in %.1f s%n",
                checkpoint,
                out,
                sign != null ? "signed " : "",
                station ? "station" : "full",
                r.files(),
                r.bytes() / 1e6,
                layout.id(),
                (System.nanoTime() - t0) / 1e9);
        stdout.printf(
                Locale.ROOT,
                "Checked on ONNX Runtime (%dx%d random image): detector vs Java %.2e, dense vs patch %.2e"
                        + " (tolerance %.0e)%n",
                r.check().size(),
                r.check().size(),
                r.check().detectorVsJava(),
                r.check().denseVsPatch(),
                ExportCheck.TOLERANCE);
        if (r.int8() != null) {
            stdout.printf(
                    Locale.ROOT,
                    "int8 detector vs fp32 on %d validation images, each map in its own spreads: image scores within"
                            + " %.2f, pixels within %.2f (mean %.3f)%n",
                    r.int8().images(),
                    r.int8().maxScoreDifference(),
                    r.int8().maxMapDifference(),
                    r.int8().meanMapDifference());
        }
        return 0;
    }
}
