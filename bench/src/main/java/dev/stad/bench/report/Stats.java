package dev.stad.bench.report;

import java.util.Arrays;
import java.util.List;

/** Order statistics of timings. */
public final class Stats {
    private Stats() {}

    /** The q-quantile (0..1) with linear interpolation between order statistics. */
    public static double quantile(List<Double> values, double q) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        if (v.length == 0) {
            return Double.NaN;
        }
        double pos = q * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(v.length - 1, lo + 1);
        return v[lo] + (pos - lo) * (v[hi] - v[lo]);
    }

    public static double median(List<Double> values) {
        return quantile(values, 0.5);
    }

    public static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
