package dev.stad.bench.realset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.io.MvtecLayout;
import dev.stad.runtime.progress.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RealPhotoSetTest {
    static final List<PhotoSource> SOURCES = PhotoSource.DEFAULTS.subList(0, 3);
    static final RealPhotoSet.Options SMALL = new RealPhotoSet.Options(48, 5, 2, 3, 2);

    @Test
    void writesEveryCategoryInMvtecLayoutWithAMaskPerDefectImage(@TempDir Path tmp) throws IOException {
        TestPhotos.write(tmp.resolve("photos"), SOURCES, 200, 120);
        Path out = tmp.resolve("real");
        new RealPhotoSet(tmp.resolve("photos"), SOURCES, SMALL, 5).generate(out, Progress.silent());
        for (PhotoSource s : SOURCES) {
            Path c = out.resolve(s.category());
            assertTrue(MvtecLayout.isCategory(c), c.toString());
            assertEquals(5, count(MvtecLayout.trainGood(c)));
            assertEquals(2, count(MvtecLayout.validationGood(c)));
            assertEquals(3, count(MvtecLayout.test(c).resolve(MvtecLayout.GOOD)));
            for (String type : PhotoDefects.TYPES) {
                assertEquals(2, count(MvtecLayout.test(c).resolve(type)), type);
                for (int i = 0; i < 2; i++) {
                    FloatImage img =
                            ImageDecoder.read(MvtecLayout.test(c).resolve(type).resolve(String.format("%03d.png", i)));
                    FloatImage mask = ImageDecoder.read(MvtecLayout.mask(c, type, String.format("%03d", i)));
                    assertEquals(3, img.channels());
                    assertEquals(48, img.width());
                    assertEquals(48, mask.height());
                    double on = 0;
                    for (float v : mask.data()) {
                        assertTrue(v == 0f || v == 1f, "mask values are 0 or 255");
                        on += v;
                    }
                    assertTrue(on > 0, type + " " + i + ": empty mask");
                }
            }
            assertTrue(Files.readString(c.resolve("dataset.json")).contains(s.debianPackage()));
        }
    }

    @Test
    void theSameSeedGivesTheSameImagesAndAnotherSeedOthers(@TempDir Path tmp) throws IOException {
        TestPhotos.write(tmp.resolve("photos"), SOURCES, 200, 120);
        new RealPhotoSet(tmp.resolve("photos"), SOURCES, SMALL, 5).generate(tmp.resolve("a"), Progress.silent());
        new RealPhotoSet(tmp.resolve("photos"), SOURCES, SMALL, 5).generate(tmp.resolve("b"), Progress.silent());
        new RealPhotoSet(tmp.resolve("photos"), SOURCES, SMALL, 6).generate(tmp.resolve("c"), Progress.silent());
        Path rel = Path.of(SOURCES.get(1).category(), "test", "blur", "001.png");
        assertArrayEquals(
                Files.readAllBytes(tmp.resolve("a").resolve(rel)),
                Files.readAllBytes(tmp.resolve("b").resolve(rel)));
        assertFalse(java.util.Arrays.equals(
                Files.readAllBytes(tmp.resolve("a").resolve(rel)),
                Files.readAllBytes(tmp.resolve("c").resolve(rel))));
    }

    @Test
    void trainingValidationAndTestRegionsShareNoPixel(@TempDir Path tmp) throws IOException {
        TestPhotos.write(tmp, SOURCES, 200, 300);
        for (PhotoSource s : SOURCES) {
            RealPhotoSet.Photo p =
                    RealPhotoSet.Photo.load(s, tmp.resolve(s.path().substring(1)), 64, true);
            RealPhotoSet.Region train = p.train();
            RealPhotoSet.Region validation = p.validation();
            RealPhotoSet.Region test = p.test();
            assertApart(s.category(), train, test);
            assertApart(s.category(), train, validation);
            assertApart(s.category(), validation, test);
            for (RealPhotoSet.Region r : List.of(train, validation, test)) {
                assertTrue(r.height() >= 64 && r.width() >= 64, s.category() + ": " + r);
                assertTrue(r.x() >= 0 && r.y() >= 0 && r.x() + r.width() <= 200 && r.y() + r.height() <= 300);
            }
            assertTrue(test.y() >= train.height() + 8, "the longer side (height here) is split, with a gap: " + test);
            assertTrue(validation.x() >= train.width() + 8, "the training side is split across, with a gap");

            RealPhotoSet.Photo without =
                    RealPhotoSet.Photo.load(s, tmp.resolve(s.path().substring(1)), 64, false);
            assertEquals(null, without.validation());
            assertEquals(new RealPhotoSet.Region(0, 0, 200, train.height()), without.train());
            assertEquals(test, without.test());
        }
    }

    @Test
    void withoutValidationImagesNoFolderIsWrittenAndTheTestImagesAreTheSame(@TempDir Path tmp) throws IOException {
        TestPhotos.write(tmp.resolve("photos"), SOURCES, 200, 120);
        new RealPhotoSet(tmp.resolve("photos"), SOURCES, SMALL, 5).generate(tmp.resolve("a"), Progress.silent());
        RealPhotoSet.Options none = new RealPhotoSet.Options(48, 5, 0, 3, 2);
        new RealPhotoSet(tmp.resolve("photos"), SOURCES, none, 5).generate(tmp.resolve("b"), Progress.silent());
        Path c = tmp.resolve("b").resolve(SOURCES.get(0).category());
        assertFalse(Files.exists(c.resolve(MvtecLayout.VALIDATION)));
        Path rel = Path.of(SOURCES.get(0).category(), "test", "stain", "001.png");
        assertArrayEquals(
                Files.readAllBytes(tmp.resolve("a").resolve(rel)),
                Files.readAllBytes(tmp.resolve("b").resolve(rel)),
                "validation crops take no draw from the test images' streams");
    }

    private static void assertApart(String category, RealPhotoSet.Region a, RealPhotoSet.Region b) {
        boolean apartX = a.x() + a.width() <= b.x() || b.x() + b.width() <= a.x();
        boolean apartY = a.y() + a.height() <= b.y() || b.y() + b.height() <= a.y();
        assertTrue(apartX || apartY, category + ": " + a + " and " + b);
    }

    @Test
    void aMissingPhotoNamesItsPackageAndHowToInstallIt(@TempDir Path tmp) throws IOException {
        TestPhotos.write(tmp, SOURCES.subList(0, 1), 200, 120);
        IOException e = assertThrows(
                IOException.class,
                () -> new RealPhotoSet(tmp, SOURCES, SMALL, 1).generate(tmp.resolve("out"), Progress.silent()));
        assertTrue(
                e.getMessage().contains("apt-get install plasma-workspace-wallpapers mate-backgrounds"),
                e.getMessage());
        assertTrue(e.getMessage().contains(SOURCES.get(1).category()), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing is written");
    }

    @Test
    void aPhotoTooSmallForDisjointCropsIsRefusedNamingIt(@TempDir Path tmp) throws IOException {
        TestPhotos.write(tmp, SOURCES.subList(0, 1), 100, 100);
        IOException e = assertThrows(
                IOException.class,
                () -> new RealPhotoSet(tmp, SOURCES.subList(0, 1), new RealPhotoSet.Options(64, 2, 1, 1, 1), 1)
                        .generate(tmp.resolve("out"), Progress.silent()));
        assertTrue(e.getMessage().contains("HR_Cork.png") && e.getMessage().contains("too small"), e.getMessage());
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
