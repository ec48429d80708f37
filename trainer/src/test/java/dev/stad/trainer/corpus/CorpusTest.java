package dev.stad.trainer.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageStatistics;
import dev.stad.runtime.image.Normalization;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.progress.Progress;
import dev.stad.trainer.config.PretrainConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusTest {
    private static final Preprocessing UNIT = new Preprocessing(64, 64, new float[] {0, 0, 0}, new float[] {1, 1, 1});
    private static final Progress QUIET = Progress.silent();

    @TempDir
    Path dir;

    @Test
    void proceduralImagesAreReproducibleInRangeAndDiverse() {
        assertEquals(ProceduralImages.render(5, 48), ProceduralImages.render(5, 48));
        List<Double> spreads = new ArrayList<>();
        List<Double> means = new ArrayList<>();
        for (int seed = 0; seed < 40; seed++) {
            FloatImage img = ProceduralImages.render(seed, 48);
            assertEquals(3, img.channels());
            double sum = 0;
            double sq = 0;
            for (float v : img.data()) {
                assertTrue(v >= 0 && v <= 1, "value " + v + " outside [0, 1]");
                sum += v;
                sq += v * v;
            }
            double mean = sum / img.data().length;
            means.add(mean);
            spreads.add(Math.sqrt(sq / img.data().length - mean * mean));
        }
        // Neither all alike in brightness nor all flat: the corpus varies in both.
        assertTrue(range(means) > 0.3, "mean brightness ranges only over " + range(means));
        assertTrue(spreads.stream().filter(s -> s > 0.02).count() >= 30, "most images are textured: " + spreads);
        assertNotEquals(ProceduralImages.render(1, 48), ProceduralImages.render(2, 48));
    }

    @Test
    void proceduralPoolIsNormalisedAsTheInputs() throws IOException {
        float[] mean = {0.5f, 0.5f, 0.5f};
        float[] std = {0.25f, 0.25f, 0.25f};
        Preprocessing input = new Preprocessing(32, 32, mean, std);
        List<FloatImage> pool = Corpus.load(PretrainConfig.PROCEDURAL, 3, 32, 1, input, QUIET);
        assertEquals(3, pool.size());
        FloatImage raw = ProceduralImages.render(dev.stad.trainer.train.Seeds.derive(1, "corpus/0"), 32);
        assertEquals(raw.standardize(mean, std), pool.get(0));
        List<FloatImage> own =
                Corpus.load(PretrainConfig.PROCEDURAL, 3, 32, 1, input.normalizedBy(Normalization.IMAGE), QUIET);
        assertEquals(ImageStatistics.of(raw).centre(raw, std), own.get(0), "each image centred on its own medians");
    }

    @Test
    void photoFolderIsCutIntoCropsAtSeveralScales() throws IOException {
        Path photos = Files.createDirectories(dir.resolve("photos/sub"));
        writeStripes(photos.resolve("a.png"), 300, 200, 4);
        writeStripes(dir.resolve("photos/b.png"), 160, 240, 9);
        Files.writeString(dir.resolve("photos/readme.txt"), "not an image");
        List<FloatImage> pool = Corpus.load(dir.resolve("photos").toString(), 10, 64, 3, UNIT, QUIET);
        assertEquals(10, pool.size());
        for (FloatImage img : pool) {
            assertEquals(64, img.height());
            assertEquals(64, img.width());
        }
        assertEquals(pool, Corpus.load(dir.resolve("photos").toString(), 10, 64, 3, UNIT, QUIET));
    }

    @Test
    void unusableCorporaAreRefusedNamingTheFolderOrFile() throws IOException {
        IOException e = assertThrows(
                IOException.class, () -> Corpus.load(dir.resolve("missing").toString(), 4, 32, 0, UNIT, QUIET));
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("no such folder"), e.getMessage());
        Files.createDirectories(dir.resolve("empty"));
        e = assertThrows(
                IOException.class, () -> Corpus.load(dir.resolve("empty").toString(), 4, 32, 0, UNIT, QUIET));
        assertTrue(e.getMessage().contains("holds no image files"), e.getMessage());
        Path small = Files.createDirectories(dir.resolve("small"));
        writeStripes(small.resolve("tiny.png"), 20, 20, 3);
        e = assertThrows(IOException.class, () -> Corpus.load(small.toString(), 4, 32, 0, UNIT, QUIET));
        assertTrue(e.getMessage().contains("tiny.png") && e.getMessage().contains("smaller than"), e.getMessage());
    }

    private static void writeStripes(Path file, int w, int h, int period) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = (x / period) % 2 == 0 ? 200 : 40;
                img.getRaster().setPixel(x, y, new int[] {v, (v + y) % 256, 90});
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    private static double range(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(0)
                - v.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }
}
