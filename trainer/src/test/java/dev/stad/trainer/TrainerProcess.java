package dev.stad.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The trainer's command line for tests: in this JVM (output captured), or as a child process that
 * a test can kill without giving it any chance to clean up.
 */
public final class TrainerProcess {
    private TrainerProcess() {}

    /** Runs the command in this JVM, asserts exit code 0 and returns what it printed. */
    public static String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        int code = TrainCommand.commandLine(ps, ps, false).execute(args);
        String log = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, log);
        return log;
    }

    /** Starts the command in a child JVM on this test's class path, output to {@code log}. */
    public static Process start(Path log, String... args) throws IOException {
        String[] command = new String[5 + args.length];
        command[0] = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        command[1] = "-cp";
        command[2] = System.getProperty("java.class.path");
        command[3] = "-Dai.djl.offline=true";
        command[4] = TrainerMain.class.getName();
        System.arraycopy(args, 0, command, 5, args.length);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    /** Every value within {@code relative} of the largest magnitude of {@code expected}. */
    public static void assertClose(float[] expected, float[] actual, double relative, String what) {
        double scale = 1e-12;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(diff <= relative * scale, what + ": differs by " + diff + " (scale " + scale + ")");
    }
}
