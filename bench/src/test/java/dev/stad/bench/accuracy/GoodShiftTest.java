package dev.stad.bench.accuracy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.image.FloatImage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GoodShiftTest {
    @TempDir
    Path dir;

    private Path flat(String name, int grey) throws IOException {
        BufferedImage img = new BufferedImage(6, 5, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 6; x++) {
                img.getRaster().setPixel(x, y, new int[] {grey, grey, grey});
            }
        }
        Path f = dir.resolve(name + ".png");
        Files.createDirectories(f.getParent());
        ImageIO.write(img, "png", f.toFile());
        return f;
    }

    @Test
    void goodImagesAreMeasuredInTrainingStandardDeviationsAndRankedAgainstTheirScores() throws Exception {
        List<Path> train = new ArrayList<>();
        for (int g : new int[] {100, 110, 120}) {
            train.add(flat("train/" + g, g));
        }
        // Training grey levels 110 +- sqrt(200 / 3): the good images lie 0, 1.22 and 2.45 deviations out.
        List<Path> good = List.of(flat("good/a", 110), flat("good/b", 120), flat("good/c", 130));
        double sd = Math.sqrt(200.0 / 3);
        GoodShift s = GoodShift.of(train, good, Map.of("a", 1.0, "b", 2.0, "c", 3.0));
        assertEquals((0 + 10 / sd + 20 / sd) / 3, s.meanZ()[0], 1e-4);
        assertEquals(0, s.meanZ()[1], 1e-12, "flat images: no contrast to differ in");
        assertEquals(0, s.meanZ()[2], 1e-12);
        assertEquals((0 + 10 / sd + 20 / sd) / 3, s.meanFarthest(), 1e-4);
        assertEquals(1.0, s.scoreCorrelation(), 1e-12, "the farther, the higher the score");

        s = GoodShift.of(train, good, Map.of("a", 3.0, "b", 2.0, "c", 1.0));
        assertEquals(-1.0, s.scoreCorrelation(), 1e-12);

        var e = assertThrows(IllegalArgumentException.class, () -> GoodShift.of(train, good, Map.of("a", 1.0)));
        assertTrue(e.getMessage().startsWith("no image score for good test image"), e.getMessage());

        s = GoodShift.of(train.subList(0, 1), good, Map.of("a", 1.0, "b", 2.0, "c", 3.0));
        assertTrue(Double.isNaN(s.meanFarthest()) && Double.isNaN(s.meanZ()[0]), "one training image has no spread");
    }

    @Test
    void statisticsAreGreyLevelContrastAndNeighbourDifferences() {
        // One channel, 2 x 2: columns 0 and 1.
        double[] s = GoodShift.statistics(new FloatImage(1, 2, 2, new float[] {0, 1, 0, 1}));
        assertArrayEquals(new double[] {0.5, 0.5, 1.0}, s, 1e-12);
        // Three channels average into one grey image.
        s = GoodShift.statistics(new FloatImage(3, 1, 2, new float[] {0, 0, 0.3f, 0.3f, 0.6f, 0.6f}));
        assertArrayEquals(new double[] {0.3, 0, 0}, s, 1e-6);
    }

    @Test
    void spearmanRanksTiesAtTheirMeanRank() {
        assertEquals(1.0, GoodShift.spearman(new double[] {1, 2, 3}, new double[] {10, 40, 90}), 1e-12);
        // Ranks 1.5, 1.5, 3, 4 against 1, 2, 3, 4: 4.5 / sqrt(4.5 * 5).
        assertEquals(
                4.5 / Math.sqrt(22.5), GoodShift.spearman(new double[] {1, 1, 2, 3}, new double[] {1, 2, 3, 4}), 1e-12);
        assertTrue(Double.isNaN(GoodShift.spearman(new double[] {1, 2}, new double[] {1, 2})), "too few pairs");
        assertTrue(Double.isNaN(GoodShift.spearman(new double[] {1, 1, 1}, new double[] {1, 2, 3})), "no spread");
    }
}
