package dev.stad.runtime.cli;

import dev.stad.runtime.StadVersion;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code runtime}: the station's command, with {@code score} and {@code info}. */
@Command(name = "runtime", mixinStandardHelpOptions = true, versionProvider = RuntimeCommand.Version.class,
        description = "Scores images with a stad model bundle on ONNX Runtime.",
        synopsisSubcommandLabel = "(score | info)")
public final class RuntimeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** The command line with its subcommands, writing to the given streams. */
    public static CommandLine commandLine(PrintStream out, PrintStream err, boolean interactive) {
        CommandLine cl = new CommandLine(new RuntimeCommand());
        cl.addSubcommand(new CommandLine(new ScoreCommand(out, err, interactive)));
        cl.addSubcommand(new CommandLine(new InfoCommand(out)));
        return Commands.configure(cl, out, err);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: score or info");
    }

    /** Version from the runtime's properties. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"stad runtime " + StadVersion.get()};
        }
    }
}
