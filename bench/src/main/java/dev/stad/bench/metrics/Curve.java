package dev.stad.bench.metrics;

/** A curve as its points, x ascending (ROC: FPR -> TPR; PRO: FPR -> PRO). */
public record Curve(double[] x, double[] y) {
    public Curve {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x and y differ in length: " + x.length + " vs " + y.length);
        }
    }

    public int size() {
        return x.length;
    }
}
