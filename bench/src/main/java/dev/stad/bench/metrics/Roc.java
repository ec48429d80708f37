package dev.stad.bench.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Image-level ROC: one score per image, anomalous images positive. Ties count one half, as in
 * the Mann-Whitney statistic (the trapezoid over tie groups gives exactly that).
 */
public final class Roc {
    private Roc() {}

    /** Area under the ROC curve; NaN if either class is empty. */
    public static double auroc(double[] scores, boolean[] positive) {
        return area(curve(scores, positive));
    }

    /** The ROC curve with one point per distinct score, from (0, 0) to (1, 1). */
    public static Curve curve(double[] scores, boolean[] positive) {
        if (scores.length != positive.length) {
            throw new IllegalArgumentException(scores.length + " scores but " + positive.length + " labels");
        }
        int pos = 0;
        for (boolean p : positive) {
            pos += p ? 1 : 0;
        }
        int neg = scores.length - pos;
        if (pos == 0 || neg == 0) {
            return new Curve(new double[] {0, 1}, new double[] {Double.NaN, Double.NaN});
        }
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        List<double[]> pts = new ArrayList<>();
        pts.add(new double[] {0, 0});
        int tp = 0;
        int fp = 0;
        for (int i = 0; i < order.length; ) {
            double s = scores[order[i]];
            while (i < order.length && scores[order[i]] == s) {
                if (positive[order[i]]) {
                    tp++;
                } else {
                    fp++;
                }
                i++;
            }
            pts.add(new double[] {(double) fp / neg, (double) tp / pos});
        }
        return Curve.of(pts);
    }

    /** Trapezoid area under a curve over its whole x range. */
    static double area(Curve c) {
        double a = 0;
        for (int i = 1; i < c.size(); i++) {
            a += (c.x()[i] - c.x()[i - 1]) * (c.y()[i] + c.y()[i - 1]) / 2;
        }
        return a;
    }
}
