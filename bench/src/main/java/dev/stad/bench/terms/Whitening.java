package dev.stad.bench.terms;

import dev.stad.runtime.image.FloatImage;

/**
 * The squared Mahalanobis distance under the covariance of the teacher's descriptors on the
 * training images: {@code ||L^-1 x||^2} with {@code L} the Cholesky factor of the covariance
 * (ridge 1e-3 of its mean variance added, so a rank-deficient covariance stays invertible).
 */
final class Whitening {
    private final int d;
    private final double[] mean;
    private final double[] lower;
    private final double expected;

    private Whitening(int d, double[] mean, double[] lower, double expected) {
        this.d = d;
        this.mean = mean;
        this.lower = lower;
        this.expected = expected;
    }

    /**
     * The mean squared distance of the training descriptors themselves, {@code trace(C^-1 S)} with
     * {@code S} their covariance and {@code C = S + ridge}: where a typical good descriptor lies.
     */
    double expected() {
        return expected;
    }

    /** {@code x} less the training mean when {@code centred}, else as it is (a difference of descriptors). */
    double distance(double[] x, boolean centred) {
        double[] y = new double[d];
        double sum = 0;
        for (int i = 0; i < d; i++) {
            double s = centred ? x[i] - mean[i] : x[i];
            for (int j = 0; j < i; j++) {
                s -= lower[i * d + j] * y[j];
            }
            y[i] = s / lower[i * d + i];
            sum += y[i] * y[i];
        }
        return sum;
    }

    /** Sums of descriptors and their outer products. */
    static final class Accumulator {
        private final int d;
        private final double[] sum;
        private final double[] outer;
        private long n;

        Accumulator(int d) {
            this.d = d;
            this.sum = new double[d];
            this.outer = new double[d * d];
        }

        void add(FloatImage descriptors) {
            int plane = descriptors.height() * descriptors.width();
            float[] x = descriptors.data();
            double[] v = new double[d];
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < d; c++) {
                    v[c] = x[c * plane + p];
                    sum[c] += v[c];
                }
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j <= i; j++) {
                        outer[i * d + j] += v[i] * v[j];
                    }
                }
            }
            n += plane;
        }

        Whitening whitening() {
            double[] mean = new double[d];
            for (int i = 0; i < d; i++) {
                mean[i] = sum[i] / n;
            }
            double[] cov = new double[d * d];
            double trace = 0;
            for (int i = 0; i < d; i++) {
                for (int j = 0; j <= i; j++) {
                    double c = outer[i * d + j] / n - mean[i] * mean[j];
                    cov[i * d + j] = c;
                    cov[j * d + i] = c;
                }
                trace += cov[i * d + i];
            }
            double ridge = 1e-3 * trace / d;
            for (int i = 0; i < d; i++) {
                cov[i * d + i] += ridge;
            }
            double[] l = new double[d * d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j <= i; j++) {
                    double s = cov[i * d + j];
                    for (int k = 0; k < j; k++) {
                        s -= l[i * d + k] * l[j * d + k];
                    }
                    l[i * d + j] = i == j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j * d + j];
                }
            }
            // trace(C^-1 S) = d - ridge * trace(C^-1), and trace(C^-1) = ||L^-1||_F^2.
            double inverseTrace = 0;
            double[] column = new double[d];
            for (int k = 0; k < d; k++) {
                for (int i = k; i < d; i++) {
                    double s = i == k ? 1 : 0;
                    for (int j = k; j < i; j++) {
                        s -= l[i * d + j] * column[j];
                    }
                    column[i] = s / l[i * d + i];
                    inverseTrace += column[i] * column[i];
                }
            }
            return new Whitening(d, mean, l, d - ridge * inverseTrace);
        }
    }
}
