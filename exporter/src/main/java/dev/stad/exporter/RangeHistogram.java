package dev.stad.exporter;

/**
 * The magnitudes one quantization point reaches on the calibration images, as a histogram over
 * [0, its largest magnitude], and the symmetric range that quantizes them with the least squared
 * error. Activations here have heavy tails (on the default model p17's second activation reaches
 * 27-31 times its root mean square), so a range set by the largest value spends most of the 127
 * levels on values that hardly occur and rounds the common ones coarsely; clipping those few to
 * a smaller range costs less than the rounding it saves.
 */
final class RangeHistogram {
    static final int BINS = 4096;

    private final double max;
    private final long[] counts = new long[BINS];

    /** @param max the largest magnitude the point reaches (from a first pass), greater than 0 */
    RangeHistogram(double max) {
        if (!(max > 0)) {
            throw new IllegalArgumentException("a range histogram needs a positive largest magnitude, got " + max);
        }
        this.max = max;
    }

    void add(float[] values) {
        for (float v : values) {
            int b = (int) (Math.abs(v) / max * BINS);
            counts[Math.min(BINS - 1, b)]++;
        }
    }

    /**
     * The range in (0, max] that minimises the expected squared error of quantizing every value
     * seen to {@code levels} levels each side of zero: rounding (step² / 12 per value inside the
     * range) plus clipping ((|x| − range)² per value beyond it).
     */
    double mseRange(int levels) {
        // Tail sums over bins k..BINS-1 of n, n·x and n·x², x each bin's centre.
        double[] s0 = new double[BINS + 1];
        double[] s1 = new double[BINS + 1];
        double[] s2 = new double[BINS + 1];
        for (int b = BINS - 1; b >= 0; b--) {
            double x = (b + 0.5) * max / BINS;
            s0[b] = s0[b + 1] + counts[b];
            s1[b] = s1[b + 1] + counts[b] * x;
            s2[b] = s2[b + 1] + counts[b] * x * x;
        }
        double best = max;
        double bestError = Double.POSITIVE_INFINITY;
        for (int k = 1; k <= BINS; k++) {
            double c = (double) k * max / BINS;
            double step = c / levels;
            double inside = (s0[0] - s0[k]) * step * step / 12;
            double clipped = s2[k] - 2 * c * s1[k] + c * c * s0[k];
            double error = inside + clipped;
            if (error < bestError) {
                bestError = error;
                best = c;
            }
        }
        return best;
    }
}
