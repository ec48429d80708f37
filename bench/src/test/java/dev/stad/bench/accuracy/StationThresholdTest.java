package dev.stad.bench.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StationThresholdTest {

    /** Good and defective scores as the one array and flags {@code caught} takes. */
    private static double caught(double[] good, double[] defective) {
        double[] scores = new double[good.length + defective.length];
        boolean[] positive = new boolean[scores.length];
        System.arraycopy(good, 0, scores, 0, good.length);
        System.arraycopy(defective, 0, scores, good.length, defective.length);
        java.util.Arrays.fill(positive, good.length, scores.length, true);
        return StationThreshold.caught(scores, positive);
    }

    @Test
    void defectsAboveEveryGoodImageAreAlwaysCaughtAndThoseBelowNever() {
        double[] good = {1, 2, 3, 4};
        assertEquals(1.0, caught(good, new double[] {5, 9}));
        assertEquals(0.0, caught(good, new double[] {0.5, 1, 2}), "m = 2: two good images above");
        assertTrue(Double.isNaN(caught(new double[] {1}, new double[] {2})));
    }

    @Test
    void theExactShareMatchesDrawingHalvesAtRandom() {
        SplittableRandom rnd = new SplittableRandom(3);
        double[] good = rnd.doubles(12).toArray();
        double[] defective = rnd.doubles(20, 0.3, 1.3).toArray();
        int draws = 200_000;
        long caught = 0;
        long rejected = 0;
        for (int d = 0; d < draws; d++) {
            double[] g = good.clone();
            for (int i = g.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                double t = g[i];
                g[i] = g[j];
                g[j] = t;
            }
            double threshold = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < 6; i++) {
                threshold = Math.max(threshold, g[i]);
            }
            for (double s : defective) {
                caught += s > threshold ? 1 : 0;
            }
            for (int i = 6; i < 12; i++) {
                rejected += g[i] > threshold ? 1 : 0;
            }
        }
        assertEquals(caught(good, defective), (double) caught / draws / defective.length, 3e-3);
        assertEquals(StationThreshold.rejected(12), (double) rejected / draws / 6, 3e-3, "1 in 7 of the other half");
    }
}
