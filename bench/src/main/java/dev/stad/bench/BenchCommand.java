package dev.stad.bench;

import dev.stad.bench.accuracy.AccuracyCommand;
import dev.stad.bench.accuracy.CombineCommand;
import dev.stad.bench.latency.LatencyCommand;
import dev.stad.bench.layout.LayoutCommand;
import dev.stad.bench.oneclass.OneClassCommand;
import dev.stad.bench.pretrained.TfjsImportCommand;
import dev.stad.bench.realset.RealSetCommand;
import dev.stad.bench.serve.ServeLoadCommand;
import dev.stad.bench.soak.SoakCommand;
import dev.stad.bench.terms.TermsCommand;
import dev.stad.runtime.cli.Commands;
import dev.stad.runtime.cli.VersionProvider;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bench}: measurements, one subcommand each. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Measures stad models: latency per anomaly map, detection quality, the one-class experiment,"
                + " detector layouts, endurance; writes the real-photo development set; converts pretrained networks.",
        subcommands = {
            LatencyCommand.class,
            AccuracyCommand.class,
            CombineCommand.class,
            OneClassCommand.class,
            LayoutCommand.class,
            SoakCommand.class,
            ServeLoadCommand.class,
            RealSetCommand.class,
            TermsCommand.class,
            TfjsImportCommand.class
        },
        synopsisSubcommandLabel =
                "(latency | accuracy | combine | one-class | layout | soak | serve-load | real-set | terms | tfjs-import)")
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** Whether output goes to a terminal, so progress may draw bars. */
    public final boolean interactive;

    private BenchCommand(boolean interactive) {
        this.interactive = interactive;
    }

    /** The command line with its subcommands, writing to the given streams. */
    public static CommandLine commandLine(PrintStream out, PrintStream err, boolean interactive) {
        return Commands.configure(new CommandLine(new BenchCommand(interactive)), out, err);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(),
                "missing command: latency, accuracy, one-class, layout, soak, serve-load, real-set, terms or tfjs-import");
    }
}
