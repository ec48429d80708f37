package dev.stad.bench.realset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PhotoDefectsTest {
    static final int N = 128;

    static List<String> types() {
        return PhotoDefects.TYPES;
    }

    /** A photo of the given grain and contrast, its whole area usable. */
    static RealPhotoSet.Photo photo(String name, long seed, double grain, double contrast) {
        FloatImage img = ImageDecoder.toFloat(TestPhotos.texture(360, 200, seed, grain, contrast));
        PhotoSource s = PhotoSource.whole(name, PhotoSource.Kind.STOCHASTIC, "none", "/" + name + ".png", 1.0);
        return new RealPhotoSet.Photo(
                s,
                img,
                "",
                new RealPhotoSet.Region(0, 0, 180, 120),
                new RealPhotoSet.Region(0, 136, 180, 64),
                new RealPhotoSet.Region(196, 0, 164, 200),
                N);
    }

    static final RealPhotoSet.Photo PART = photo("part", 1, 3, 0.15);
    static final List<RealPhotoSet.Photo> DONORS =
            List.of(photo("busy", 2, 1.0, 0.35), photo("calm", 3, 12, 0.03), photo("like", 4, 3, 0.15));

    @ParameterizedTest
    @MethodSource("types")
    void everyDefectChangesThePixelsOfItsMaskAndNoOther(String type) {
        for (long seed = 0; seed < 5; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            FloatImage crop = PART.crop(rnd, PART.test());
            float[] before = crop.data().clone();
            boolean[] mask = PhotoDefects.paint(type, crop, DONORS, rnd);
            assertEquals(N * N, mask.length);
            int inside = 0;
            int changed = 0;
            for (int i = 0; i < mask.length; i++) {
                boolean differs = false;
                for (int c = 0; c < 3; c++) {
                    differs |= Math.abs(before[c * N * N + i] - crop.data()[c * N * N + i]) > 1e-6f;
                }
                if (mask[i]) {
                    inside++;
                    changed += differs ? 1 : 0;
                } else {
                    assertTrue(!differs, type + ": pixel " + i + " outside the mask changed");
                }
            }
            assertTrue(inside >= 8, type + ": mask of " + inside + " pixels");
            // Blur and fade leave a pixel alone only where the texture is already flat there.
            assertTrue(changed >= 0.8 * inside, type + ": " + changed + " of " + inside + " mask pixels changed");
        }
    }

    @Test
    void foreignTexturesAreBusierOrCalmerThanThePartAndKeepItsMeanColour() {
        for (long seed = 0; seed < 5; seed++) {
            for (boolean busier : new boolean[] {true, false}) {
                SplittableRandom rnd = new SplittableRandom(seed);
                FloatImage crop = PART.crop(rnd, PART.test());
                FloatImage before = new FloatImage(3, N, N, crop.data().clone());
                boolean[] mask = PhotoDefects.paint(busier ? "foreign_busier" : "foreign_calmer", crop, DONORS, rnd);
                double own = PhotoDefects.busyness(before);
                double pasted = busynessInside(crop, mask);
                assertTrue(
                        busier ? pasted > 1.4 * own : pasted < 0.7 * own,
                        (busier ? "busier" : "calmer") + ": part " + own + ", pasted " + pasted);
                for (int c = 0; c < 3; c++) {
                    assertEquals(meanInside(before, mask, c), meanInside(crop, mask, c), 0.02, "channel " + c);
                }
            }
        }
    }

    @Test
    void anUnknownTypeIsRefusedNamingTheKnownOnes() {
        FloatImage crop = PART.crop(new SplittableRandom(1), PART.test());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> PhotoDefects.paint("dent", crop, DONORS, new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("dent") && e.getMessage().contains("foreign_calmer"), e.getMessage());
    }

    private static double meanInside(FloatImage im, boolean[] mask, int c) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                sum += im.data()[c * N * N + i];
                n++;
            }
        }
        return sum / n;
    }

    /** Mean absolute grey difference of neighbours with both pixels inside the mask. */
    private static double busynessInside(FloatImage im, boolean[] mask) {
        float[] d = im.data();
        int plane = N * N;
        double sum = 0;
        int n = 0;
        for (int y = 0; y < N; y++) {
            for (int x = 0; x + 1 < N; x++) {
                int i = y * N + x;
                if (mask[i] && mask[i + 1]) {
                    double a = (d[i] + d[plane + i] + d[2 * plane + i]) / 3;
                    double b = (d[i + 1] + d[plane + i + 1] + d[2 * plane + i + 1]) / 3;
                    sum += Math.abs(a - b);
                    n++;
                }
            }
        }
        return sum / n;
    }
}
