package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A memory probe run in a child JVM with a fixed heap, so that heap sizing cannot pass for (or
 * hide) native memory, and the {@code rss <label> <kB>} lines it prints.
 */
final class ChildJvm {
    private ChildJvm() {}

    /** Runs {@code main} with {@code args} on this class path; returns its output once it exited 0. */
    static String run(Path dir, int heapMb, Class<?> main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms" + heapMb + "m",
                "-Xmx" + heapMb + "m",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("probe.log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "probe did not finish");
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    /** The resident memory (kB) of every {@code rss <label> <kB>} line of {@code output}, in order. */
    static List<Long> residentKb(String output) {
        List<Long> rss = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("rss ")) {
                rss.add(Long.parseLong(line.trim().split(" ")[2]));
            }
        }
        return rss;
    }
}
