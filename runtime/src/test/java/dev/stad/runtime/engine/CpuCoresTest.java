package dev.stad.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuCoresTest {
    @TempDir
    Path dir;

    /** Writes cpuN/topology for each CPU: {package, core}. */
    private Path sysfs(String online, int[][] topology) throws IOException {
        Files.writeString(dir.resolve("online"), online + "\n");
        for (int cpu = 0; cpu < topology.length; cpu++) {
            Path t = Files.createDirectories(dir.resolve("cpu" + cpu).resolve("topology"));
            Files.writeString(t.resolve("physical_package_id"), topology[cpu][0] + "\n");
            Files.writeString(t.resolve("core_id"), topology[cpu][1] + "\n");
        }
        return dir;
    }

    @Test
    void hyperthreadsOfOneCoreCountOnce() throws IOException {
        // Four logical CPUs, two cores with two hyperthreads each.
        Path cpus = sysfs("0-3", new int[][] {{0, 0}, {0, 1}, {0, 0}, {0, 1}});
        assertEquals(2, CpuCores.count(cpus, 4));
    }

    @Test
    void coresOfTwoPackagesWithTheSameIdAreDistinct() throws IOException {
        Path cpus = sysfs("0-3", new int[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}});
        assertEquals(4, CpuCores.count(cpus, 4));
    }

    @Test
    void theProcessQuotaCapsTheCount() throws IOException {
        Path cpus = sysfs("0-7", new int[][] {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}, {0, 6}, {0, 7}});
        assertEquals(2, CpuCores.count(cpus, 2));
    }

    @Test
    void offlineCpusAreNotCounted() throws IOException {
        Path cpus = sysfs("0,2", new int[][] {{0, 0}, {0, 1}, {0, 2}});
        assertEquals(2, CpuCores.count(cpus, 3));
    }

    @Test
    void anUnreadableTopologyFallsBackToAvailableProcessors() throws IOException {
        assertEquals(6, CpuCores.count(dir.resolve("missing"), 6));
        Files.writeString(dir.resolve("online"), "0-1\n"); // no cpuN folders
        assertEquals(6, CpuCores.count(dir, 6));
        Files.writeString(dir.resolve("online"), "garbage\n");
        assertEquals(6, CpuCores.count(dir, 6));
    }

    @Test
    void cpuListsParseRangesAndSingles() {
        assertArrayEquals(new int[] {0, 1, 2, 3, 8, 10, 11}, CpuCores.CpuList.parse("0-3,8,10-11"));
        assertThrows(IllegalArgumentException.class, () -> CpuCores.CpuList.parse("3-1"));
        assertThrows(IllegalArgumentException.class, () -> CpuCores.CpuList.parse("1-2-3"));
        assertThrows(IllegalArgumentException.class, () -> CpuCores.CpuList.parse(""));
    }

    @Test
    void thisMachineHasAtLeastOneCoreAndNoMoreThanItsProcessors() {
        int n = CpuCores.physical();
        assertTrue(n >= 1 && n <= Runtime.getRuntime().availableProcessors(), "physical cores " + n);
        assertEquals(n, EngineOptions.cpu().effectiveThreads());
        assertEquals(3, EngineOptions.cpu().withThreads(3).effectiveThreads());
    }
}
