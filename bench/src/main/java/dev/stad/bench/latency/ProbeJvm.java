package dev.stad.bench.latency;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM on the bench's class path, for the probes that must not share the bench's process:
 * its memory high-water mark or its modules would distort what they measure.
 */
final class ProbeJvm {
    private ProbeJvm() {}

    /**
     * Runs {@code mainClass} and returns its output (stdout and stderr together, stripped).
     *
     * @param what the probe's name for errors, e.g. "FMA peak probe"
     * @param timeoutSeconds how long it may run before it is killed; 0: as long as it takes
     * @throws IOException if it exits non-zero (the message holds its output) or runs past the timeout
     */
    static String run(String what, List<String> jvmOptions, String mainClass, List<String> args, long timeoutSeconds)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(mainClass);
        cmd.addAll(args);
        // Output goes to a file, not a pipe, so a probe that hangs cannot block the read past the timeout.
        Path output = Files.createTempFile("stad-probe", ".log");
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            try {
                if (timeoutSeconds > 0) {
                    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                        throw new IOException(what + " did not finish in " + timeoutSeconds + " s");
                    }
                } else {
                    p.waitFor();
                }
            } finally {
                p.destroyForcibly();
            }
            String out = new String(Files.readAllBytes(output), StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                throw new IOException(what + " failed (exit " + p.exitValue() + "): " + out);
            }
            return out;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Where this class was loaded from (exec:java runs the bench in its own class loader). */
    private static String classPath() {
        List<String> parts = new ArrayList<>();
        ClassLoader cl = ProbeJvm.class.getClassLoader();
        if (cl instanceof URLClassLoader u) {
            for (URL url : u.getURLs()) {
                try {
                    parts.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // not a file: cannot be on a java -cp
                }
            }
        }
        return parts.isEmpty() ? System.getProperty("java.class.path") : String.join(File.pathSeparator, parts);
    }
}
