package dev.stad.bench.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The metrics against cases small enough to work out by hand (the numbers in the comments). */
class MetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void imageAurocCountsTiesAsOneHalf() {
        // positives 0.5, 0.8; negatives 0.5, 0.2: pairs 0.5 (tie) + 1 + 1 + 1 = 3.5 of 4
        double auc = Roc.auroc(new double[] {0.5, 0.8, 0.5, 0.2}, new boolean[] {true, true, false, false});
        assertEquals(0.875, auc, EPS);
        assertEquals(
                0.5, Roc.auroc(new double[] {1, 1, 1, 1}, new boolean[] {true, false, true, false}), EPS, "all tied");
        assertEquals(0.0, Roc.auroc(new double[] {0, 1}, new boolean[] {true, false}), EPS, "perfectly wrong");
        assertTrue(Double.isNaN(Roc.auroc(new double[] {1, 2}, new boolean[] {false, false})), "one class only");
    }

    @Test
    void proCurveStepsPerRegionWithOnePixelRegionsAndGoodImagesInTheFpr() {
        PixelMetrics m = new PixelMetrics();
        // A good image: 10 anomaly-free pixels scored 0.95, 0.85, ..., 0.05 (no regions).
        float[] good = new float[10];
        for (int i = 0; i < 10; i++) {
            good[i] = 0.05f + 0.1f * (9 - i);
        }
        m.add(good, new int[10], 0);
        // A defective image: region 1 of two pixels (1.0, 0.8), region 2 of one pixel (0.9).
        m.add(new float[] {1.0f, 0.8f, 0.9f}, new int[] {1, 1, 2}, 2);
        PixelMetrics.Result r = m.compute(0.3);
        // PRO by FPR: (0,0) (0,.25) (.1,.25) (.1,.75) (.2,.75) (.2,1) (.3,1) ...
        // area to 0.3: .25*.1 + .75*.1 + 1*.1 = 0.2, / 0.3
        assertEquals(0.2 / 0.3, r.auPro(), 1e-9);
        assertEquals(2, r.regions());
        // Pixel AUROC: anomalous 1.0 beats 10 normal pixels, 0.9 beats 9, 0.8 beats 8: 27 of 30 pairs.
        assertEquals(27.0 / 30, r.auroc(), 1e-9);
        assertEquals(27.0 / 30, new PixelMetricsCheck(r).auroc(), 1e-9);
        assertEquals(0.15 / 0.25, m.compute(0.25).auPro(), 1e-9, "limit inside a flat step");
    }

    @Test
    void auProInterpolatesAtTheLimitOnASlopedTieStep() {
        PixelMetrics m = new PixelMetrics();
        // normal 0.9, 0.7, 0.5, 0.3; one region of two pixels 0.7 (tied with a normal pixel), 0.1.
        m.add(new float[] {0.9f, 0.7f, 0.5f, 0.3f, 0.7f, 0.1f}, new int[] {0, 0, 0, 0, 1, 1}, 1);
        // points (0,0) (.25,0) (.5,.5) ...: at FPR .3 PRO is .1; area .05 * (0 + .1) / 2 = .0025
        assertEquals(0.0025 / 0.3, m.compute(0.3).auPro(), 1e-9);
        // ROC: (0,0) (.25,0) (.5,.5) (1,.5) (1,1): area .25*.25/2... = 0.0625 + 0.25 = 0.3125
        assertEquals(0.3125, m.compute(0.3).auroc(), 1e-9);
    }

    @Test
    void imagesWithoutDefectsLeaveAuProUndefinedAndNegativeScoresSortCorrectly() {
        PixelMetrics m = new PixelMetrics();
        m.add(new float[] {-3f, -1f, 2f}, new int[3], 0);
        assertTrue(Double.isNaN(m.compute(0.3).auPro()));
        PixelMetrics n = new PixelMetrics();
        n.add(new float[] {-3f, -1f, -2f, 5f}, new int[] {0, 1, 0, 0}, 1);
        // the region pixel (-1) beats -3 and -2, loses to 5: AUROC 2/3
        assertEquals(2.0 / 3, n.compute(0.3).auroc(), 1e-12);
    }

    /** Recomputes pixel AUROC from the ROC curve's area, independent of compute's running sum. */
    private record PixelMetricsCheck(PixelMetrics.Result r) {
        double auroc() {
            return Roc.area(r.roc());
        }
    }
}
