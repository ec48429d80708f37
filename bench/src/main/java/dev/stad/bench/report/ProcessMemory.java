package dev.stad.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory from {@code /proc/self/status} (Linux); -1 elsewhere. */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** Resident set size now, in MB. */
    public static double residentMb() {
        return field("VmRSS:");
    }

    /** Highest resident set size so far (the kernel's high-water mark), in MB. */
    public static double peakMb() {
        return field("VmHWM:");
    }

    private static double field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
