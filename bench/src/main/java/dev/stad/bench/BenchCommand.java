package dev.stad.bench;

import dev.stad.bench.accuracy.AccuracyCommand;
import dev.stad.bench.latency.LatencyCommand;
import dev.stad.bench.oneclass.OneClassCommand;
import dev.stad.runtime.cli.Commands;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bench}: measurements, one subcommand each. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measures stad models: latency per anomaly map, detection quality, the one-class experiment.",
        synopsisSubcommandLabel = "(latency | accuracy | one-class)")
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    public static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.addSubcommand(new CommandLine(new LatencyCommand(out)));
        cl.addSubcommand(new CommandLine(new AccuracyCommand(out)));
        cl.addSubcommand(new CommandLine(new OneClassCommand(out)));
        return Commands.configure(cl, out, err);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: latency, accuracy or one-class");
    }
}
