package dev.stad.bench.metrics;

/** A curve as its points, x ascending (ROC: FPR -> TPR; PRO: FPR -> PRO). */
public record Curve(double[] x, double[] y) {
    public Curve {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x and y differ in length: " + x.length + " vs " + y.length);
        }
    }

    /** The curve through {@code points}, each {x, y}. */
    public static Curve of(java.util.List<double[]> points) {
        double[] x = new double[points.size()];
        double[] y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        return new Curve(x, y);
    }

    public int size() {
        return x.length;
    }
}
