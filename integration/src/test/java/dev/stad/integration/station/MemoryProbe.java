package dev.stad.integration.station;

import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Child process of {@link NativeMemoryTest}: scores one image {@code n} times on one detector
 * and prints the resident set size (VmRSS) after every 50 scorings, one {@code rss <count> <kB>}
 * line each.
 */
public final class MemoryProbe {
    private MemoryProbe() {}

    public static void main(String[] args) throws Exception {
        Path bundle = Path.of(args[0]);
        FloatImage image = ImageDecoder.read(Path.of(args[1]));
        int n = Integer.parseInt(args[2]);
        try (Detector detector = Detector.open(bundle)) {
            for (int i = 1; i <= n; i++) {
                detector.score(image);
                if (i % 50 == 0) {
                    System.out.printf(Locale.ROOT, "rss %d %d%n", i, residentKb());
                }
            }
        }
    }

    static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }
}
