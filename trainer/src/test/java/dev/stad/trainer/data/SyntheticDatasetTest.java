package dev.stad.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.trainer.config.SyntheticConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDatasetTest {
    @TempDir
    Path dir;

    private static final SyntheticConfig SMALL = new SyntheticConfig(64, 4, 2, 3);

    @Test
    void writesACompleteMvtecCategoryWithEveryDefectType() throws IOException {
        Path root = dir.resolve("synthetic");
        new SyntheticDataset(SMALL, 1).generate(root);
        MvtecCategory c = MvtecCategory.open(root);
        assertEquals(4, c.trainGood().size());
        assertEquals(2, c.test().get("good").size());
        assertEquals(
                SyntheticDataset.DEFECT_TYPES,
                c.defectTypes().stream()
                        .sorted(java.util.Comparator.comparing(SyntheticDataset.DEFECT_TYPES::indexOf))
                        .toList());
        for (String defect : c.defectTypes()) {
            assertEquals(3, c.test().get(defect).size());
        }
    }

    @Test
    void smallDefectsHaveTheirSizeInPixelsWhateverTheImageSize() {
        for (int size : new int[] {64, 300}) {
            SyntheticDataset d = new SyntheticDataset(new SyntheticConfig(size, 2, 1, 1, true), 5);
            assertTrue(
                    d.defectTypes().containsAll(SyntheticDataset.SMALL_DEFECT_TYPES),
                    d.defectTypes().toString());
            for (int i = 0; i < 12; i++) {
                assertDiameterWithin(d.render(100 + i, "speck"), 3, 9, "speck at " + size + " px");
                assertDiameterWithin(d.render(200 + i, "spot"), 10, 20, "spot at " + size + " px");
            }
        }
        assertEquals(SyntheticDataset.DEFECT_TYPES, new SyntheticDataset(SMALL, 1).defectTypes(), "off by default");
    }

    /** The mask's bounding box is {@code min} to {@code max} pixels wide and high (a disc of that diameter). */
    private static void assertDiameterWithin(SyntheticDataset.Sample s, int min, int max, String what) {
        var r = s.mask().getRaster();
        int x0 = Integer.MAX_VALUE, x1 = -1, y0 = Integer.MAX_VALUE, y1 = -1;
        for (int y = 0; y < r.getHeight(); y++) {
            for (int x = 0; x < r.getWidth(); x++) {
                if (r.getSample(x, y, 0) > 0) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        int w = x1 - x0 + 1;
        int h = y1 - y0 + 1;
        assertTrue(w >= min - 1 && w <= max + 1 && h >= min - 1 && h <= max + 1, what + ": " + w + "x" + h);
    }

    @Test
    void sameSeedGivesIdenticalFilesAndAnotherSeedDifferentOnes() throws IOException {
        new SyntheticDataset(SMALL, 1).generate(dir.resolve("a"));
        new SyntheticDataset(SMALL, 1).generate(dir.resolve("b"));
        new SyntheticDataset(SMALL, 2).generate(dir.resolve("c"));
        for (String f :
                new String[] {"train/good/000.png", "test/scratch/001.png", "ground_truth/stain/002_mask.png"}) {
            assertArrayEquals(
                    Files.readAllBytes(dir.resolve("a").resolve(f)),
                    Files.readAllBytes(dir.resolve("b").resolve(f)),
                    f);
        }
        assertNotEquals(
                ImageDecoder.read(dir.resolve("a/train/good/000.png")),
                ImageDecoder.read(dir.resolve("c/train/good/000.png")));
    }

    @Test
    void goodImagesVaryAndAreTexturedNotFlat() throws IOException {
        new SyntheticDataset(SMALL, 3).generate(dir.resolve("d"));
        FloatImage a = ImageDecoder.read(dir.resolve("d/train/good/000.png"));
        FloatImage b = ImageDecoder.read(dir.resolve("d/train/good/001.png"));
        assertNotEquals(a, b);
        double mean = 0;
        for (float v : a.data()) {
            mean += v;
        }
        mean /= a.data().length;
        double var = 0;
        for (float v : a.data()) {
            var += (v - mean) * (v - mean);
        }
        assertTrue(Math.sqrt(var / a.data().length) > 0.05, "surface is nearly flat");
    }

    @Test
    void everyDefectMaskMarksPixelsThatDifferFromTheGoodSurface() throws IOException {
        Path root = dir.resolve("e");
        new SyntheticDataset(SMALL, 4).generate(root);
        for (String defect : SyntheticDataset.DEFECT_TYPES) {
            for (int i = 0; i < 3; i++) {
                FloatImage mask =
                        ImageDecoder.read(root.resolve(String.format("ground_truth/%s/%03d_mask.png", defect, i)));
                int marked = 0;
                for (float v : mask.data()) {
                    assertTrue(v == 0f || v == 1f, "mask is not binary");
                    marked += v == 1f ? 1 : 0;
                }
                assertTrue(marked > 0, defect + " " + i + ": empty mask");
                assertTrue(marked < mask.data().length / 4, defect + " " + i + ": mask covers " + marked + " pixels");
            }
        }
    }

    @Test
    void borderStainsTouchTheBorderAndStayInItsOuterBand() throws IOException {
        Path root = dir.resolve("f");
        new SyntheticDataset(new SyntheticConfig(128, 2, 0, 8), 5).generate(root);
        for (int i = 0; i < 8; i++) {
            FloatImage mask =
                    ImageDecoder.read(root.resolve(String.format("ground_truth/border_stain/%03d_mask.png", i)));
            int deepest = 0;
            boolean touches = false;
            for (int y = 0; y < 128; y++) {
                for (int x = 0; x < 128; x++) {
                    if (mask.get(0, y, x) == 1f) {
                        int d = Math.min(Math.min(x, 127 - x), Math.min(y, 127 - y));
                        deepest = Math.max(deepest, d);
                        touches |= d == 0;
                    }
                }
            }
            assertTrue(touches, "border stain " + i + " does not touch the border");
            assertTrue(deepest < 16, "border stain " + i + " reaches " + deepest + " px inside");
        }
    }

    @Test
    void aFolderOfAnOlderGeneratorIsRefusedWithWhatToDo() throws IOException {
        Path root = dir.resolve("old");
        new SyntheticDataset(SMALL, 1).generate(root);
        SyntheticDataset.requireCurrent(root);
        Path info = root.resolve("dataset.json");
        Files.writeString(
                info,
                Files.readString(info)
                        .replace(
                                "\"generatorVersion\" : " + SyntheticDataset.GENERATOR_VERSION,
                                "\"generatorVersion\" : 1"));
        IOException e = assertThrows(IOException.class, () -> SyntheticDataset.requireCurrent(root));
        assertTrue(
                e.getMessage().contains("version 1") && e.getMessage().contains("delete the folder"), e.getMessage());
    }

    @Test
    void refusesToOverwriteAnExistingFolder() throws IOException {
        Path root = Files.createDirectories(dir.resolve("exists"));
        IOException e = assertThrows(IOException.class, () -> new SyntheticDataset(SMALL, 1).generate(root));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    }
}
