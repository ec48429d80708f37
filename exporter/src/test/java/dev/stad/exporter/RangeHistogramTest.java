package dev.stad.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RangeHistogramTest {
    private static final int LEVELS = 127;

    /** Squared error of symmetric quantization to {@code range}, computed value by value. */
    private static double quantizationError(float[] x, double range) {
        double step = range / LEVELS;
        double sum = 0;
        for (float v : x) {
            double q = Math.max(-LEVELS, Math.min(LEVELS, Math.round(v / step))) * step;
            sum += (v - q) * (v - q);
        }
        return sum;
    }

    private static float max(float[] x) {
        float m = 0;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static RangeHistogram histogram(float[] x) {
        RangeHistogram h = new RangeHistogram(max(x));
        h.add(x);
        return h;
    }

    @Test
    void heavyTailedValuesGetARangeAsGoodAsTheBestFoundByQuantizingEveryValue() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = new float[200_000];
        for (int i = 0; i < x.length; i++) {
            // Exponential magnitudes, the negative side flattened as a LeakyReLU does: the largest of
            // 200,000 is about 9 times their root mean square.
            double g = -Math.log(1 - rnd.nextDouble());
            x[i] = (float) (rnd.nextBoolean() ? g : -0.005 * g);
        }
        double range = histogram(x).mseRange(LEVELS);
        double best = Double.POSITIVE_INFINITY;
        for (double c = max(x) / 200; c <= max(x); c += max(x) / 200) {
            best = Math.min(best, quantizationError(x, c));
        }
        // Measured: a range below the largest (8.5), with 0.91 of the error the largest gives.
        assertTrue(range < 0.9 * max(x), "range " + range + " of largest " + max(x));
        assertTrue(quantizationError(x, range) < 1.05 * best, quantizationError(x, range) + " vs best " + best);
        assertTrue(
                quantizationError(x, range) < 0.95 * quantizationError(x, max(x)),
                quantizationError(x, range) + " vs " + quantizationError(x, max(x)) + " at " + range);
    }

    @Test
    void valuesWithoutATailKeepTheirLargestMagnitude() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] x = new float[100_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * rnd.nextDouble() - 1);
        }
        assertEquals(max(x), histogram(x).mseRange(LEVELS), 0.02 * max(x));
    }

    @Test
    void aPointThatIsAlwaysZeroHasNoHistogram() {
        assertThrows(IllegalArgumentException.class, () -> new RangeHistogram(0));
    }
}
