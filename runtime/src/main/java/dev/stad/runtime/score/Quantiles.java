package dev.stad.runtime.score;

import java.util.Arrays;

/** Quantiles of image scores, the way thresholds are set from validation images. */
public final class Quantiles {
    private Quantiles() {}

    /** Linear-interpolation quantile ({@code q} in [0, 1]) of {@code values}, as numpy's default. */
    public static double linear(double[] values, double q) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in [0, 1], found " + q);
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
