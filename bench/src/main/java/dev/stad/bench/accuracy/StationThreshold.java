package dev.stad.bench.accuracy;

/**
 * The share of defective images a station would catch had it set its threshold from its own
 * good parts, as {@code runtime threshold} does: here the highest score of half the good test
 * images (the threshold a rate below one in that many images gives), and the defective images
 * scoring above it. Exact over every way of choosing that half, not sampled: a defective image
 * scoring above {@code b} of the {@code n} good ones is caught when the chosen {@code m} all lie
 * among those {@code b}, which happens for {@code C(b, m) / C(n, m)} of the halves.
 *
 * <p>Such a threshold rejects on average {@code 1 / (m + 1)} of good parts it has not seen (a new
 * part is the highest of {@code m + 1} alike with that probability), whatever the model: the
 * rejection rate is the station's choice, and what a model is worth is how many defects it
 * still catches there. Unlike the share caught at the bundle's threshold, this does not depend
 * on how the training's few validation images happened to look.
 */
final class StationThreshold {
    private StationThreshold() {}

    /**
     * The expected share of {@code defective} scores above the highest of a random half (rounded
     * down) of {@code good}; NaN with fewer than two good or no defective scores.
     */
    static double caught(double[] good, double[] defective) {
        int n = good.length;
        int m = n / 2;
        if (m < 1 || defective.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double s : defective) {
            int below = 0;
            for (double g : good) {
                below += g < s ? 1 : 0;
            }
            double p = 1;
            for (int i = 0; i < m; i++) {
                p *= Math.max(0, below - i) / (double) (n - i);
            }
            sum += p;
        }
        return sum / defective.length;
    }

    /** The share of good parts such a threshold rejects on average: {@code 1 / (m + 1)}. */
    static double rejected(int goodImages) {
        return goodImages < 2 ? Double.NaN : 1.0 / (goodImages / 2 + 1);
    }
}
