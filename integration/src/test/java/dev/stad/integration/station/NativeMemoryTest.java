package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stad.trainer.TinyModel;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scoring the same image 1,000 times in one process keeps its resident memory within 10% of
 * what it was after the first 50. Runs in a child JVM with a fixed heap, so that heap sizing
 * cannot pass for (or hide) native growth: what grows is ONNX Runtime's memory or buffers that
 * are never freed.
 */
class NativeMemoryTest {
    @TempDir
    Path dir;

    @Test
    void residentMemoryStaysFlatOverAThousandScorings() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/self/status")), "needs Linux /proc to read resident memory");
        Path image = dir.resolve("camera.png");
        // A camera-sized image, so every scoring also resizes a real amount of pixels in and out.
        BufferedImage src = ImageIO.read(TinyModel.testImages().get(0).toFile());
        BufferedImage big = new BufferedImage(320, 240, BufferedImage.TYPE_3BYTE_BGR);
        var g = big.createGraphics();
        g.drawImage(src, 0, 0, 320, 240, null);
        g.dispose();
        ImageIO.write(big, "png", image.toFile());

        String output =
                ChildJvm.run(dir, 96, MemoryProbe.class, TinyModel.bundle().toString(), image.toString(), "1000");
        List<Long> rss = ChildJvm.residentKb(output);
        assertEquals(20, rss.size(), output);
        long after50 = rss.get(0);
        long last = rss.get(rss.size() - 1);
        long peak = rss.stream().mapToLong(Long::longValue).max().orElseThrow();
        System.out.printf(
                "resident memory: %d kB after 50 scorings, %d kB after 1000 (peak %d kB, %+.1f%%)%n",
                after50, last, peak, 100.0 * (last - after50) / after50);
        assertTrue(
                peak <= after50 * 1.10, "resident memory grew from " + after50 + " kB to " + peak + " kB:\n" + output);
    }
}
