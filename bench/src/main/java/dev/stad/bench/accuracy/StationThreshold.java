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
     * The expected share of the {@code positive} (defective) scores above the highest of a random
     * half (rounded down) of the others (good), the pair {@code Roc.auroc} takes; NaN with fewer
     * than two good or no defective scores.
     */
    static double caught(double[] scores, boolean[] positive) {
        int n = 0;
        for (boolean p : positive) {
            n += p ? 0 : 1;
        }
        int m = n / 2;
        if (m < 1 || n == scores.length) {
            return Double.NaN;
        }
        double sum = 0;
        for (int d = 0; d < scores.length; d++) {
            if (!positive[d]) {
                continue;
            }
            int below = 0;
            for (int g = 0; g < scores.length; g++) {
                below += !positive[g] && scores[g] < scores[d] ? 1 : 0;
            }
            double p = 1;
            for (int i = 0; i < m; i++) {
                p *= Math.max(0, below - i) / (double) (n - i);
            }
            sum += p;
        }
        return sum / (scores.length - n);
    }

    /** The share of good parts such a threshold rejects on average: {@code 1 / (m + 1)}. */
    static double rejected(int goodImages) {
        return goodImages < 2 ? Double.NaN : 1.0 / (goodImages / 2 + 1);
    }
}
