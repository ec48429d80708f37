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

    /**
     * Resets the kernel's high-water mark to the current resident size (Linux: {@code 5} written
     * to {@code /proc/self/clear_refs}), so that {@link #peakMb} reads the peak since this call.
     * Returns false where that is not possible; the peak then covers the whole process life.
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
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
