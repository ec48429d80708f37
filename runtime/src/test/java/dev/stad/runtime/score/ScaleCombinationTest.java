package dev.stad.runtime.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ScaleCombinationTest {
    /** Receptive field 3: no descriptor in the outer pixel. */
    static final NetworkSpec RF3 = new NetworkSpec("a", List.of(Layer.conv(16, 3)));
    /** Receptive field 4: margin 1 before, 2 after (its patch centre is half a pixel off). */
    static final NetworkSpec RF4 = new NetworkSpec("b", List.of(Layer.conv(16, 4)));
    /** Receptive field 5: margin 2 on every side. */
    static final NetworkSpec RF5 = new NetworkSpec("c", List.of(Layer.conv(16, 5)));

    @Test
    void levelsNestTheScalesBySizeOfReceptiveField() {
        ScaleCombination c = ScaleCombination.uncalibrated(List.of(RF5, RF3, RF4), 0);
        assertEquals(
                List.of(List.of("a"), List.of("a", "b"), List.of("a", "b", "c")),
                c.levels().stream().map(ScaleCombination.Level::scales).toList());
        assertEquals(
                List.of(new NetworkSpec.Margin(1, 1), new NetworkSpec.Margin(1, 2), new NetworkSpec.Margin(2, 2)),
                c.levels().stream().map(ScaleCombination.Level::margin).toList());
        assertTrue(c.hasLevelsOf(List.of(RF3, RF4, RF5)));
        assertFalse(c.hasLevelsOf(List.of(RF3, RF5)));
    }

    @Test
    void eachPixelTakesTheStandardisedMeanOfTheScalesValidThereAndTheOuterRingItsMostSuspiciousPatch() {
        // 6 x 6 image; scale a (margin 1) has a 4 x 4 map, scale c (margin 2) a 2 x 2 map.
        ScaleCombination c = new ScaleCombination(
                List.of(
                        new ScaleCombination.Level(List.of("a"), new NetworkSpec.Margin(1, 1), 1.0, 2.0),
                        new ScaleCombination.Level(List.of("a", "c"), new NetworkSpec.Margin(2, 2), 0.5, 0.25)),
                0);
        float[] a = new float[16];
        for (int i = 0; i < 16; i++) {
            a[i] = i;
        }
        FloatImage za = new FloatImage(1, 4, 4, a);
        FloatImage zc = new FloatImage(1, 2, 2, new float[] {10, 20, 30, 40});
        FloatImage map = c.combine(List.of(RF3, RF5), Map.of("a", za, "c", zc), 6, 6);
        // Pixel (1, 1): only a is valid there, its value 0 -> (0 - 1) / 2.
        assertEquals(-0.5f, map.get(0, 1, 1), 1e-6f);
        // Pixel (2, 2): a's value at (1, 1) is 5, c's at (0, 0) is 10: ((5 + 10) / 2 - 0.5) / 0.25.
        assertEquals(28f, map.get(0, 2, 2), 1e-5f);
        // Pixel (3, 3): a 10, c 40.
        assertEquals((25 - 0.5f) / 0.25f, map.get(0, 3, 3), 1e-5f);
        // Pixel (1, 3): a only (a's (0, 2) = 2).
        assertEquals(0.5f, map.get(0, 1, 3), 1e-6f);
        // The outer ring takes the largest value of the first-level pixels whose 3 x 3 patches
        // contain it: a corner has one such pixel, an edge pixel three.
        assertEquals(map.get(0, 1, 1), map.get(0, 0, 0));
        assertEquals(max(map.get(0, 1, 2), map.get(0, 1, 3), map.get(0, 1, 4)), map.get(0, 0, 3));
        assertEquals(1.0f, map.get(0, 0, 3), 1e-6f); // (1, 4): a's (0, 3) = 3 -> (3 - 1) / 2
        assertEquals(map.get(0, 4, 4), map.get(0, 5, 5));
        assertEquals(max(map.get(0, 2, 4), map.get(0, 3, 4), map.get(0, 4, 4)), map.get(0, 3, 5));
        assertEquals(7.0f, map.get(0, 3, 5), 1e-6f); // (4, 4): a's (3, 3) = 15 -> (15 - 1) / 2
    }

    @Test
    void calibratedBandsAreNeitherHotterNorColderThanTheInteriorOnTheValidationImages() {
        // Scale a alone has heavy tails (Laplace); the interior averages it with Gaussian c, so its
        // tails are lighter. Standardising the band by its spread alone would leave it hotter at
        // the top, where the image score is taken.
        List<Map<String, FloatImage>> validation = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(3);
        int side = 60;
        for (int i = 0; i < 8; i++) {
            validation.add(Map.of("a", laplace(rnd, side - 2, 1.0, 3.0), "c", noise(rnd, side - 4, 5.0, -1.0)));
        }
        ScaleCombination c = ScaleCombination.calibrate(List.of(RF3, RF5), validation, side, side, 0);
        List<Float> band = new ArrayList<>();
        List<Float> inner = new ArrayList<>();
        for (Map<String, FloatImage> v : validation) {
            FloatImage map = c.combine(List.of(RF3, RF5), v, side, side);
            for (int r = 1; r < side - 1; r++) {
                for (int col = 1; col < side - 1; col++) {
                    boolean interior = r >= 2 && r < side - 2 && col >= 2 && col < side - 2;
                    (interior ? inner : band).add(map.get(0, r, col));
                }
            }
        }
        // The band's level is measured wherever it is valid (its band and the interior), so on
        // its own band it is matched closely, not exactly.
        assertEquals(0, mean(band), 0.1);
        assertEquals(0, mean(inner), 1e-6);
        assertEquals(1, Math.sqrt(mean(inner.stream().map(x -> x * x).toList())), 1e-6);
        double tail = quantile(inner, ScaleCombination.TAIL_QUANTILE);
        assertEquals(tail, quantile(band, ScaleCombination.TAIL_QUANTILE), 0.1 * tail);
    }

    /** Receptive field 9: an outer band 4 pixels wide. */
    static final NetworkSpec RF9 = new NetworkSpec("d", List.of(Layer.conv(16, 9)));

    /** Heavy-tailed level-0 scores of RF9 on a {@code side}-pixel image, as a busy texture gives. */
    private static Map<String, FloatImage> rf9Maps(SplittableRandom rnd, int side) {
        return Map.of("d", laplace(rnd, side - 8, 1.0, 0.0));
    }

    @Test
    void theOuterBandIsStandardisedRingByRingSoThatGoodImagesAreNoHotterThere() {
        // Heavy-tailed level-0 scores, as a busy texture gives: the band's maximum over up to
        // 9 x 9 patch centres is far above their typical value, more so in the deeper rings.
        SplittableRandom rnd = new SplittableRandom(11);
        int side = 48;
        List<Map<String, FloatImage>> validation = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            validation.add(rf9Maps(rnd, side));
        }
        ScaleCombination c = ScaleCombination.calibrate(List.of(RF9), validation, side, side, 0);
        assertEquals(4, c.outerBand().size());
        ScaleCombination raw = new ScaleCombination(c.levels(), 0);
        List<List<Float>> rings = new ArrayList<>();
        List<List<Float>> rawRings = new ArrayList<>();
        for (int d = 0; d < 4; d++) {
            rings.add(new ArrayList<>());
            rawRings.add(new ArrayList<>());
        }
        List<Float> inner = new ArrayList<>();
        for (Map<String, FloatImage> v : validation) {
            FloatImage map = c.combine(List.of(RF9), v, side, side);
            FloatImage unstandardised = raw.combine(List.of(RF9), v, side, side);
            for (int r = 0; r < side; r++) {
                for (int col = 0; col < side; col++) {
                    int ring = ScaleCombination.ring(RF9.margin(), side, side, r, col);
                    if (ring < 0) {
                        inner.add(map.get(0, r, col));
                    } else {
                        rings.get(ring).add(map.get(0, r, col));
                        rawRings.get(ring).add(unstandardised.get(0, r, col));
                    }
                }
            }
        }
        for (int d = 0; d < 4; d++) {
            // Unstandardised, every ring of the band is hotter than the interior ...
            assertTrue(mean(rawRings.get(d)) > mean(inner) + 0.5, "ring " + d + " raw mean " + mean(rawRings.get(d)));
            // ... standardised, each has about the interior's mean (measured on windows of the
            // ring's shape all over level 0, not on the ring alone; in the corners a ring's
            // window is cut short, so its mean is a little lower). The tails are checked on new
            // images below: on a few images a ring's own tail is close to one draw.
            assertEquals(0, mean(rings.get(d)), 0.3, "ring " + d);
        }
        // One pixel by hand: (2, 20) is in ring 2; the level-0 pixels whose 9 x 9 patches contain
        // it are rows 4..6 (those within 4 below it) and columns 16..24 of the level-0 region.
        Map<String, FloatImage> v = validation.get(0);
        double m = Double.NEGATIVE_INFINITY;
        for (int r = 4; r <= 6; r++) {
            for (int col = 16; col <= 24; col++) {
                m = Math.max(m, v.get("d").get(0, r - 4, col - 4));
            }
        }
        ScaleCombination.Level level = c.levels().get(0);
        ScaleCombination.Affine a = c.outerBand().get(2);
        double expected = ((m - level.mean()) / level.std() - a.mean()) / a.std();
        assertEquals(expected, c.combine(List.of(RF9), v, side, side).get(0, 2, 20), 1e-5);
    }

    @Test
    void theOuterBandStandardisedOnTwoImagesHoldsOnNewOnes() {
        // A station has few validation images, and a ring of the band is a thin strip of
        // maxima that repeat their neighbours': its own tail on two images is close to one draw.
        // What the band must do is hold on images the calibration never saw.
        SplittableRandom rnd = new SplittableRandom(5);
        int side = 64;
        List<Map<String, FloatImage>> validation = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            validation.add(rf9Maps(rnd, side));
        }
        ScaleCombination c = ScaleCombination.calibrate(List.of(RF9), validation, side, side, 0);
        List<List<Float>> rings = new ArrayList<>();
        for (int d = 0; d < 4; d++) {
            rings.add(new ArrayList<>());
        }
        List<Float> inner = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            FloatImage map = c.combine(List.of(RF9), rf9Maps(rnd, side), side, side);
            for (int r = 0; r < side; r++) {
                for (int col = 0; col < side; col++) {
                    int ring = ScaleCombination.ring(RF9.margin(), side, side, r, col);
                    (ring < 0 ? inner : rings.get(ring)).add(map.get(0, r, col));
                }
            }
        }
        double tail = quantile(inner, ScaleCombination.TAIL_QUANTILE);
        for (int d = 0; d < 4; d++) {
            double ringTail = quantile(rings.get(d), ScaleCombination.TAIL_QUANTILE);
            assertEquals(mean(inner), mean(rings.get(d)), 0.25, "ring " + d + " mean");
            // Standardised on the ring alone, ring 0's tail was 9.0 here, twice the interior's.
            assertEquals(tail, ringTail, 0.2 * tail, "ring " + d + " tail, interior's " + tail);
        }
    }

    @Test
    void aBandStandardisationOfTheWrongWidthIsRefused() {
        List<ScaleCombination.Level> levels =
                ScaleCombination.uncalibrated(List.of(RF9), 0).levels();
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new ScaleCombination(levels, 0, List.of(new ScaleCombination.Affine(0, 1))));
        assertTrue(e.getMessage().contains("4 pixels wide"), e.getMessage());
    }

    private static float max(float... v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static double mean(List<Float> v) {
        return v.stream().mapToDouble(Float::doubleValue).average().orElseThrow();
    }

    private static double quantile(List<Float> v, double q) {
        double[] s = v.stream().mapToDouble(Float::doubleValue).sorted().toArray();
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, s.length - 1);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }

    private static FloatImage laplace(SplittableRandom rnd, int side, double scale, double mean) {
        float[] d = new float[side * side];
        for (int i = 0; i < d.length; i++) {
            double u = rnd.nextDouble() - 0.5;
            d[i] = (float) (mean - scale * Math.signum(u) * Math.log(1 - 2 * Math.abs(u)));
        }
        return new FloatImage(1, side, side, d);
    }

    @Test
    void smoothingKeepsAConstantInteriorCoolsTheEdgeAndNeverRaisesTheMaximum() {
        ScaleCombination flat = new ScaleCombination(
                List.of(new ScaleCombination.Level(List.of("a"), new NetworkSpec.Margin(1, 1), 0, 1)), 2.0);
        float[] k = flat.smoothingKernel();
        assertEquals(2 * 6 + 1, k.length);
        double sum = 0;
        for (float v : k) {
            sum += v;
        }
        assertEquals(1, sum, 1e-6);
        FloatImage constant = new FloatImage(1, 20, 20, filled(400, 3f));
        FloatImage out = flat.combine(List.of(RF3), Map.of("a", constant), 22, 22);
        // Beyond the region's edge the smoothing sees zeros (a good image's mean), so only pixels
        // at least 6 px inside keep the constant; the edge is cooler, never warmer.
        assertEquals(3f, out.get(0, 11, 11), 1e-5f);
        assertEquals(3f, out.get(0, 7, 14), 1e-5f);
        assertTrue(out.get(0, 1, 11) < 3f && out.get(0, 1, 1) < out.get(0, 1, 11), "edge " + out.get(0, 1, 11));
        assertEquals(out.get(0, 1, 1), out.get(0, 0, 0), "the corner takes the smoothed corner");
        for (float v : out.data()) {
            assertTrue(v <= 3f + 1e-5f, "smoothing raised a value to " + v);
        }
        float[] spike = new float[100];
        spike[55] = 10f;
        FloatImage smoothed = flat.combine(List.of(RF3), Map.of("a", new FloatImage(1, 10, 10, spike)), 12, 12);
        float max = Float.NEGATIVE_INFINITY;
        for (float v : smoothed.data()) {
            max = Math.max(max, v);
        }
        assertTrue(max < 10f && max > 0f, "max " + max);
        assertEquals(10f * k[6] * k[6], smoothed.get(0, 6, 6), 1e-5f);
    }

    @Test
    void mapsOfTheWrongSizeAreRefusedNamingTheScale() {
        ScaleCombination c = ScaleCombination.uncalibrated(List.of(RF3), 0);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> c.combine(List.of(RF3), Map.of("a", new FloatImage(1, 5, 5, new float[25])), 6, 6));
        assertTrue(e.getMessage().contains("scale a"), e.getMessage());
    }

    private static FloatImage noise(SplittableRandom rnd, int side, double std, double mean) {
        float[] d = new float[side * side];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (mean + std * rnd.nextGaussian());
        }
        return new FloatImage(1, side, side, d);
    }

    private static float[] filled(int n, float v) {
        float[] d = new float[n];
        java.util.Arrays.fill(d, v);
        return d;
    }

    @Test
    void theOuterBandIsFilledFromLevelZerosRegionWithEachRingsStandardisation() {
        int h = 23;
        int w = 31;
        NetworkSpec.Margin band = new NetworkSpec.Margin(3, 2);
        List<ScaleCombination.Affine> rings = List.of(
                new ScaleCombination.Affine(0.5, 2),
                new ScaleCombination.Affine(-1, 0.5),
                new ScaleCombination.Affine(2, 4));
        SplittableRandom rnd = new SplittableRandom(3);
        float[] map = new float[h * w];
        for (int i = 0; i < map.length; i++) {
            map[i] = (float) rnd.nextGaussian();
        }
        float[] level0 = map.clone();
        // What a tile left in the band must not matter.
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                if (r < 3 || r >= h - 2 || c < 3 || c >= w - 2) {
                    map[r * w + c] = Float.NaN;
                }
            }
        }
        ScaleCombination.fillOuterBand(map, h, w, band, rings);
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                boolean inBand = r < 3 || r >= h - 2 || c < 3 || c >= w - 2;
                if (!inBand) {
                    assertEquals(level0[r * w + c], map[r * w + c], 0, "level 0 untouched at " + r + "," + c);
                    continue;
                }
                // The level-0 pixels whose patches (3 before, 2 after) contain (r, c).
                double max = Double.NEGATIVE_INFINITY;
                for (int y = 3; y < h - 2; y++) {
                    for (int x = 3; x < w - 2; x++) {
                        if (y - 3 <= r && r <= y + 2 && x - 3 <= c && c <= x + 2) {
                            max = Math.max(max, level0[y * w + x]);
                        }
                    }
                }
                // Its ring: the distance to the top or bottom edge in the rows above and below
                // level 0's region, else to the left or right edge.
                int ring = r < 3 ? r : r >= h - 2 ? h - 1 - r : c < 3 ? c : w - 1 - c;
                ScaleCombination.Affine a = rings.get(ring);
                assertEquals((max - a.mean()) / a.std(), map[r * w + c], 1e-5, r + "," + c);
            }
        }
    }
}
