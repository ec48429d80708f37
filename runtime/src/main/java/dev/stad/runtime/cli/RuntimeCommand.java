package dev.stad.runtime.cli;

import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code runtime}: the station's command: score, serve, threshold, info and keygen. */
@Command(
        name = "runtime",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Scores images with a stad model bundle on ONNX Runtime.",
        subcommands = {
            ScoreCommand.class,
            ServeCommand.class,
            ThresholdCommand.class,
            InfoCommand.class,
            KeygenCommand.class
        },
        synopsisSubcommandLabel = "(score | serve | threshold | info | keygen)")
public final class RuntimeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** Whether output goes to a terminal, so progress may draw bars. */
    final boolean interactive;

    private RuntimeCommand(boolean interactive) {
        this.interactive = interactive;
    }

    /** The command line with its subcommands, writing to the given streams. */
    public static CommandLine commandLine(PrintStream out, PrintStream err, boolean interactive) {
        return Commands.configure(new CommandLine(new RuntimeCommand(interactive)), out, err);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "missing command: score, serve, threshold, info or keygen");
    }
}
