package dev.stad.bench.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stad.bench.BenchCommand;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.io.Json;
import dev.stad.runtime.output.FloatTiff;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sums of maps on a category of four 8x8 test images, two good and two with a one-pixel defect
 * at (4, 4), where each map is zero but at that pixel: the figures follow by hand.
 */
class CombineCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    private static final int SIDE = 8;
    private static final int AT = 4 * SIDE + 4;

    private Path suite() throws IOException {
        Path cat = dir.resolve("suite/plate");
        png(cat.resolve("train/good/000.png"), false);
        for (String n : new String[] {"000", "001"}) {
            png(cat.resolve("test/good/" + n + ".png"), false);
            png(cat.resolve("test/spot/" + n + ".png"), false);
            png(cat.resolve("ground_truth/spot/" + n + "_mask.png"), true);
        }
        return dir.resolve("suite");
    }

    private static void png(Path file, boolean mask) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img =
                new BufferedImage(SIDE, SIDE, mask ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        if (mask) {
            img.getRaster().setSample(4, 4, 0, 255);
        }
        ImageIO.write(img, "png", file.toFile());
    }

    /** Maps zero but at the defect's pixel: good 000, good 001, spot 000, spot 001 take {@code v}. */
    private static void maps(Path root, double... v) throws IOException {
        String[] names = {"good/000", "good/001", "spot/000", "spot/001"};
        for (int i = 0; i < names.length; i++) {
            float[] d = new float[SIDE * SIDE];
            d[AT] = (float) v[i];
            FloatTiff.write(new FloatImage(1, SIDE, SIDE, d), root.resolve("maps/plate/test/" + names[i] + ".tiff"));
        }
    }

    private int run(String... args) {
        buf.reset();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        return BenchCommand.commandLine(ps, ps, false).execute(args);
    }

    private String output() {
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static JsonNode overall(Path out) throws IOException {
        return Json.mapper().readTree(out.resolve("suite.json").toFile()).path("mean");
    }

    @Test
    void theSumOfTwoModelsMapsIsScoredAsOneModelsWouldBe() throws Exception {
        Path suite = suite();
        // One model as a suite writes it (per category), the other as one category's report.
        Path a = dir.resolve("a");
        maps(a.resolve("plate"), 1, 3, 2, 4);
        Path b = dir.resolve("b");
        maps(b, 2, 0, 3, 1);
        Path out = dir.resolve("out");

        String[] both = {
            "combine",
            "--suite",
            suite.toString(),
            "--maps",
            a.toString(),
            "--maps",
            b.toString(),
            "--out",
            out.toString()
        };
        assertEquals(0, run(both), output());
        // Summed: good 3 and 3, defective 5 and 5, at the defect's pixel; every other pixel 0.
        JsonNode m = overall(out);
        assertEquals(1.0, m.path("imageAuroc").asDouble(), 1e-12, output());
        assertEquals(1.0, m.path("pixelAuroc").asDouble(), 1e-12);
        assertTrue(output().contains("mean image AUROC **1.000**"), output());
        assertTrue(Files.isRegularFile(out.resolve("suite.md")));
        assertTrue(Files.isRegularFile(out.resolve("plate/accuracy.json")));

        assertEquals(
                0,
                run(
                        "combine",
                        "--suite",
                        suite.toString(),
                        "--maps",
                        a.toString(),
                        "--maps",
                        b.toString(),
                        "--weights",
                        "1,0",
                        "--out",
                        out.toString()),
                output());
        // a alone: defective 2 beats good 1 but not 3, defective 4 beats both: 3 of 4 pairs. Pixels:
        // 2 defect pixels (2, 4) against 254 others (1, 3 and 252 zeros): 253 + 254 of 508 pairs.
        m = overall(out);
        assertEquals(0.75, m.path("imageAuroc").asDouble(), 1e-12);
        assertEquals(507.0 / 508, m.path("pixelAuroc").asDouble(), 1e-12);
    }

    @Test
    void aMissingMapOrWeightsThatDoNotMatchAreRefusedByName() throws Exception {
        Path suite = suite();
        Path a = dir.resolve("a");
        maps(a, 1, 3, 2, 4);
        Files.delete(a.resolve("maps/plate/test/spot/001.tiff"));
        assertEquals(
                1,
                run(
                        "combine",
                        "--suite",
                        suite.toString(),
                        "--maps",
                        a.toString(),
                        "--out",
                        dir.resolve("out").toString()));
        assertTrue(output().contains(a + ": no map for plate/test/spot/001"), output());

        assertEquals(2, run("combine", "--suite", suite.toString(), "--maps", a.toString(), "--weights", "1,2"));
        assertTrue(output().contains("--weights has 2 values for 1 --maps folders"), output());
    }
}
