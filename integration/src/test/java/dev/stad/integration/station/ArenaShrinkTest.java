package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stad.trainer.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One large input does not leave an engine session at its peak: once inputs are small again,
 * ONNX Runtime's arena gives the large run's memory back. Measured in a child JVM
 * ({@link ChildJvm}).
 */
class ArenaShrinkTest {
    @TempDir
    Path dir;

    @Test
    void aSmallInputAfterALargeOneGivesTheLargeOnesMemoryBack() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/self/status")), "needs Linux /proc to read resident memory");
        String output =
                ChildJvm.run(dir, 64, ArenaProbe.class, TinyModel.bundle().toString(), "64", "64", "768", "64", "64");
        List<Long> rss = ChildJvm.residentKb(output);
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
