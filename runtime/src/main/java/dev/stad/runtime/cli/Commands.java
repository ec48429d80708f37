package dev.stad.runtime.cli;

import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.engine.EngineKind;
import dev.stad.runtime.engine.EngineUnavailableException;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Builds the picocli command line of every stad command ({@code train}, {@code export},
 * {@code runtime}) the same way: output to the given streams, so tests see exactly what users
 * see; enum values case-insensitive, engines, precisions and layouts by the names manifests use;
 * an exception becomes one {@code error: ...} line and exit code {@link #FAILED}, with the stack
 * trace only when the command line has {@code --stacktrace}.
 */
public final class Commands {
    /** Exit code of a command whose work failed; picocli's own usage errors exit with 2. */
    public static final int FAILED = 1;
    /**
     * Exit code when the engine asked for cannot run on this machine (no GPU driver, no
     * TensorRT): like a usage error, the command line has to change. One line says what is missing.
     */
    public static final int ENGINE_UNAVAILABLE = 2;

    private Commands() {}

    /**
     * Configures {@code cl} and every subcommand it has now; commands write through
     * {@code spec.commandLine().getOut()} and {@code getErr()}.
     */
    public static CommandLine configure(CommandLine cl, PrintStream out, PrintStream err) {
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // One parser per concept: the names the manifests and messages use, one error wording.
        cl.registerConverter(EngineKind.class, EngineKind::parse);
        cl.registerConverter(Precision.class, Precision::parse);
        cl.registerConverter(DetectorLayout.class, DetectorLayout::parse);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            if (ex instanceof EngineUnavailableException) {
                // Not a failure of the work: the machine lacks what the command line asked for.
                line.getErr().println("error: " + ex.getMessage());
                line.getErr().flush();
                return ENGINE_UNAVAILABLE;
            }
            line.getErr().println("error: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            CommandLine.ParseResult own = line.getParseResult();
            if (own != null && own.hasMatchedOption("--stacktrace")) {
                ex.printStackTrace(line.getErr());
            } else {
                line.getErr().println("(run with --stacktrace for details)");
            }
            line.getErr().flush();
            return FAILED;
        });
        return cl;
    }
}
