package dev.stad.runtime.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.image.FloatImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImageThresholdTest {
    private static final int SIDE = 64;
    private static final int RADIUS = 3;

    /**
     * A good image's map as a smooth random field with an exponential tail, as a squared error
     * has: white Gaussian noise averaged over 7x7 pixels (neighbouring values share most of their
     * patch, as a patch network's scores do), scaled back to unit variance and squared.
     */
    private static FloatImage goodMap(SplittableRandom rnd) {
        int padded = SIDE + 2 * RADIUS;
        double[] noise = new double[padded * padded];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = rnd.nextGaussian();
        }
        double[] rows = new double[padded * SIDE];
        for (int y = 0; y < padded; y++) {
            for (int x = 0; x < SIDE; x++) {
                double s = 0;
                for (int k = 0; k <= 2 * RADIUS; k++) {
                    s += noise[y * padded + x + k];
                }
                rows[y * SIDE + x] = s;
            }
        }
        float[] map = new float[SIDE * SIDE];
        int n = 2 * RADIUS + 1;
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                double s = 0;
                for (int k = 0; k <= 2 * RADIUS; k++) {
                    s += rows[(y + k) * SIDE + x];
                }
                double g = s / n;
                map[y * SIDE + x] = (float) (g * g);
            }
        }
        return new FloatImage(1, SIDE, SIDE, map);
    }

    /** The threshold from whole maps, cut into blocks of {@code block} pixels as the trainer cuts them. */
    private static ImageThreshold.Estimate estimate(List<FloatImage> maps, int block, double q) {
        return ImageThreshold.fromBlockMaxima(
                maps.stream().map(m -> ImageThreshold.blockMaxima(m, block)).toList(), block, q);
    }

    private static double max(FloatImage map) {
        double m = Double.NEGATIVE_INFINITY;
        for (float v : map.data()) {
            m = Math.max(m, v);
        }
        return m;
    }

    @Test
    void fourValidationMapsGiveAThresholdThatAboutOneNewGoodImageInAHundredExceeds() {
        SplittableRandom rnd = new SplittableRandom(11);
        double[] newScores = new double[2000];
        for (int i = 0; i < newScores.length; i++) {
            newScores[i] = max(goodMap(rnd));
        }
        int trials = 25;
        double tailRejected = 0;
        double quantileRejected = 0;
        for (int t = 0; t < trials; t++) {
            List<FloatImage> validation = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                validation.add(goodMap(rnd));
            }
            ImageThreshold.Estimate e = estimate(validation, 16, 0.99);
            assertTrue(e.value() >= e.empirical());
            for (double s : newScores) {
                tailRejected += s > e.value() ? 1 : 0;
                quantileRejected += s > e.empirical() ? 1 : 0;
            }
        }
        tailRejected /= trials * (double) newScores.length;
        quantileRejected /= trials * (double) newScores.length;
        // The validation scores' own 0.99 quantile is nearly the highest of four, which a fifth
        // good image exceeds one time in five; the tail's estimate is near the 1% asked for.
        assertTrue(quantileRejected > 0.12, "the quantile of four scores rejected " + quantileRejected);
        assertTrue(tailRejected > 0.002 && tailRejected < 0.03, "the tail's threshold rejected " + tailRejected);
    }

    @Test
    void theGumbelFitIsTheLMomentsOneAndItsQuantileThatOfTheLargestOfKBlocks() {
        // Block maxima 0, 1, 2, 3 of one image: b0 = 1.5, b1 = 7/6, l2 = 5/6, so beta = l2 / ln 2
        // and mu = b0 - 0.5772 beta; the 0.99 quantile of the largest of the 4 blocks is
        // mu + beta (ln 4 - ln(-ln 0.99)). Computed by hand.
        ImageThreshold.Estimate e = ImageThreshold.fromBlockMaxima(List.of(new double[] {3, 0, 2, 1}), 1, 0.99);
        assertEquals(1.2022459, e.scale(), 1e-6);
        assertEquals(0.8060449, e.location(), 1e-6);
        assertEquals(8.0032219, e.value(), 1e-6);
        assertEquals(4.0, e.blocksPerImage());
        assertEquals(3.0, e.empirical());
        assertTrue(e.rule("max", "the validation images'").contains("Gumbel law (mu 0.8060, beta 1.202)"));
    }

    @Test
    void aQuantileOfOneIsTheHighestValidationScore() {
        SplittableRandom rnd = new SplittableRandom(3);
        List<FloatImage> validation = List.of(goodMap(rnd), goodMap(rnd), goodMap(rnd));
        ImageThreshold.Estimate e = estimate(validation, 16, 1.0);
        double highest =
                validation.stream().mapToDouble(ImageThresholdTest::max).max().orElseThrow();
        assertEquals(highest, e.value(), 1e-6);
        assertTrue(Double.isNaN(e.location()));
        assertTrue(
                e.rule("max", "the validation images'")
                        .startsWith("quantile 1.000 (linear interpolation) of the validation images' scores"),
                e.rule("max", "the validation images'"));
    }

    @Test
    void theThresholdIsNeverBelowTheValidationScoresOwnQuantile() {
        // Sixty of the 64 blocks at 0 and one image far above the rest: the fitted tail is low,
        // but one validation image in four already scored 10.
        List<FloatImage> validation = new ArrayList<>();
        for (float peak : new float[] {1, 1, 1, 10}) {
            FloatImage map = FloatImage.zeros(1, SIDE, SIDE);
            map.set(0, 5, 5, peak);
            validation.add(map);
        }
        ImageThreshold.Estimate e = estimate(validation, 16, 0.9);
        double tail = e.location() + e.scale() * (Math.log(e.blocksPerImage()) - Math.log(-Math.log(0.9)));
        assertTrue(tail < e.empirical(), "tail " + tail + ", quantile " + e.empirical());
        assertEquals(1 + 0.7 * 9, e.value(), 1e-9);
        assertEquals(List.of(1.0, 1.0, 1.0, 10.0), e.scores());
        assertEquals(16.0, e.blocksPerImage());
    }

    @Test
    void blocksSpreadTheirEdgesEvenlyAndKeepEachBlocksMaximum() {
        // 10 px at block 4: round(2.5) = 3 blocks across, of 4, 3 and 3 px; 5 px down: 1 block.
        float[] data = new float[5 * 10];
        for (int x = 0; x < 10; x++) {
            data[2 * 10 + x] = x;
        }
        assertEquals(3, ImageThreshold.blocksAlong(10, 4));
        assertEquals(1, ImageThreshold.blocksAlong(5, 4));
        assertEquals(1, ImageThreshold.blocksAlong(1, 4));
        double[] maxima = ImageThreshold.blockMaxima(new FloatImage(1, 5, 10, data), 1, 3);
        assertArrayEquals(new double[] {3, 6, 9}, maxima);
        assertArrayEquals(maxima, ImageThreshold.blockMaxima(new FloatImage(1, 5, 10, data), 4));
    }

    @Test
    void badInputIsRefusedWithTheReason() {
        FloatImage map = FloatImage.zeros(1, 8, 8);
        assertThrows(IllegalArgumentException.class, () -> estimate(List.of(), 4, 0.99));
        assertThrows(IllegalArgumentException.class, () -> estimate(List.of(map), 0, 0.99));
        assertThrows(IllegalArgumentException.class, () -> estimate(List.of(map), 4, 0));
        map.set(0, 3, 4, Float.NaN);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> estimate(List.of(map), 4, 0.99));
        assertTrue(e.getMessage().contains("NaN at (3, 4)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageThreshold.blockMaxima(map, 9, 1));
        assertThrows(
                IllegalArgumentException.class, () -> ImageThreshold.fromBlockMaxima(List.of(new double[0]), 4, 0.99));
        assertThrows(
                IllegalArgumentException.class,
                () -> ImageThreshold.fromBlockMaxima(List.of(new double[] {1, Double.POSITIVE_INFINITY}), 4, 0.99));
        map.set(0, 3, 4, Float.POSITIVE_INFINITY);
        assertThrows(IllegalArgumentException.class, () -> estimate(List.of(map), 4, 0.99));
    }
}
