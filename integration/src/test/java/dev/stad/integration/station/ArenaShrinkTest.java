package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stad.integration.TinyModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One large input does not leave an engine session at its peak: once inputs are small again,
 * ONNX Runtime's arena gives the large run's memory back. Measured in a child JVM with a fixed
 * heap, so that only native memory moves.
 */
class ArenaShrinkTest {
    @TempDir
    Path dir;

    @Test
    void aSmallInputAfterALargeOneGivesTheLargeOnesMemoryBack() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/self/status")), "needs Linux /proc to read resident memory");
        Path log = dir.resolve("probe.log");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xms64m",
                        "-Xmx64m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ArenaProbe.class.getName(),
                        TinyModel.bundle().toString(),
                        "64",
                        "64",
                        "768",
                        "64",
                        "64")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "probe did not finish");
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        List<Long> rss = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("rss ")) {
                rss.add(Long.parseLong(line.trim().split(" ")[2]));
            }
        }
        assertEquals(5, rss.size(), output);
        long small = rss.get(1);
        long large = rss.get(2);
        long after = rss.get(4);
        System.out.printf(
                "resident memory: %d kB small, %d kB after a large input, %d kB small again%n", small, large, after);
        assertTrue(large - small > 100 << 10, "the large input should need 100 MB more than the small one:\n" + output);
        assertTrue(
                after - small < (large - small) / 4,
                "small inputs after a large one kept " + (after - small) + " of its " + (large - small) + " kB:\n"
                        + output);
    }
}
