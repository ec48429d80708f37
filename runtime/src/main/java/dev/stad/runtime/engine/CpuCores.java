package dev.stad.runtime.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * How many threads a compute-bound graph run should use when the caller leaves it to us: one per
 * physical core the process may use.
 *
 * <p>We count instead of leaving it to ONNX Runtime because its own count can be wrong: on a
 * 2-vCPU VM whose two vCPUs Linux lists as two cores, ONNX Runtime's default (intra-op threads 0)
 * ran the full model at the speed of one thread, 1.7x slower than two threads asked for
 * explicitly. Hyperthreads of one core share its FMA units, so they are counted once, as ONNX
 * Runtime means to.
 */
public final class CpuCores {
    private static final Path SYSFS_CPUS = Path.of("/sys/devices/system/cpu");
    private static volatile int cached;

    private CpuCores() {}

    /**
     * Physical cores this process may use: the distinct (package, core) pairs Linux lists for the
     * online CPUs, capped by {@link Runtime#availableProcessors()} (which follows the process's CPU
     * affinity and container quota); where the topology cannot be read, available processors.
     */
    public static int physical() {
        int n = cached;
        if (n == 0) {
            n = count(SYSFS_CPUS, Runtime.getRuntime().availableProcessors());
            cached = n;
        }
        return n;
    }

    /** {@link #physical()} over a sysfs CPU directory, for tests. */
    static int count(Path cpuDir, int available) {
        int cap = Math.max(1, available);
        Set<String> cores = new HashSet<>();
        try {
            String online = read(cpuDir.resolve("online"));
            for (int cpu : CpuList.parse(online)) {
                Path topology = cpuDir.resolve("cpu" + cpu).resolve("topology");
                cores.add(read(topology.resolve("physical_package_id")) + ":" + read(topology.resolve("core_id")));
            }
        } catch (IOException | IllegalArgumentException e) {
            // Not Linux, or a sysfs without topology (some containers): trust the JVM's count.
            return cap;
        }
        return cores.isEmpty() ? cap : Math.min(cap, cores.size());
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.US_ASCII).strip();
    }

    /** Linux's CPU list format: {@code 0-3,8,10-11}. */
    static final class CpuList {
        private CpuList() {}

        static int[] parse(String list) {
            if (list.isEmpty()) {
                throw new IllegalArgumentException("empty CPU list");
            }
            return Arrays.stream(list.split(","))
                    .flatMapToInt(range -> {
                        String[] ends = range.split("-", -1);
                        int from = Integer.parseInt(ends[0].strip());
                        int to = ends.length == 1 ? from : Integer.parseInt(ends[1].strip());
                        if (ends.length > 2 || to < from || from < 0 || to - from > 1 << 16) {
                            throw new IllegalArgumentException("bad CPU range '" + range + "'");
                        }
                        return IntStream.rangeClosed(from, to);
                    })
                    .toArray();
        }
    }
}
