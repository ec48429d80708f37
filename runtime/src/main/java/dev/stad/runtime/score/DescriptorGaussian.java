package dev.stad.runtime.score;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stad.runtime.image.FloatImage;
import java.util.Arrays;
import java.util.Objects;

/**
 * Mean and covariance of one scale's normalised teacher descriptors over the training images,
 * kept as the whitening {@code W = L^-1} ({@code L L^T} the covariance plus a small ridge), and
 * the calm term {@code c} they define.
 *
 * <p>Why: the students' regression error e stays low where the image is calmer than the good
 * texture (a blurred or faded area, a pasted smoother texture). Such a patch holds little more
 * than its mean colour, and its descriptor lands near the centre of the good descriptors, where
 * teacher and students agree best. Good texture never sits there: its squared Mahalanobis
 * distance {@code m2 = ||W (t - mean)||^2} averages {@code expected = trace(C^-1 S)} (about the
 * descriptor size). So {@code c = max(0, -log((m2 + eps) / expected))}, with
 * {@code eps = 1e-6 expected}, is 0 on typical and busier texture and rises the calmer a patch is
 * than any good one.
 *
 * @param mean the descriptors' mean, [d]
 * @param whitening {@code L^-1}, lower triangular, [d * d] row-major
 * @param expected the training descriptors' mean of {@code m2}
 */
public record DescriptorGaussian(
        @JsonProperty("mean") float[] mean,
        @JsonProperty("whitening") float[] whitening,
        @JsonProperty("expected") double expected) {
    /** What keeps the log finite on a descriptor exactly at the mean: c is at most log(1e6). */
    public static final double EPSILON = 1e-6;

    /** Ridge added to the covariance, as a share of its mean variance: keeps it invertible. */
    static final double RIDGE = 1e-3;

    @JsonCreator
    public DescriptorGaussian {
        Objects.requireNonNull(mean, "mean must not be null");
        Objects.requireNonNull(whitening, "whitening must not be null");
        if (mean.length == 0 || whitening.length != mean.length * mean.length) {
            throw new IllegalArgumentException("a " + mean.length + "-channel Gaussian needs a " + mean.length + "x"
                    + mean.length + " whitening, found " + whitening.length + " values");
        }
        if (!(expected > 0) || !Double.isFinite(expected)) {
            throw new IllegalArgumentException("expected squared distance must be positive, found " + expected);
        }
        for (float f : whitening) {
            if (!Float.isFinite(f)) {
                throw new IllegalArgumentException("the whitening holds a non-finite value");
            }
        }
        mean = mean.clone();
        whitening = whitening.clone();
    }

    public int channels() {
        return mean.length;
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] whitening() {
        return whitening.clone();
    }

    /** {@code W mean}: what the whitening convolution subtracts (its bias is the negative). */
    public float[] whitenedMean() {
        int d = mean.length;
        float[] out = new float[d];
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int j = 0; j <= i; j++) {
                s += (double) whitening[i * d + j] * mean[j];
            }
            out[i] = (float) s;
        }
        return out;
    }

    /** {@code m2 = ||W (x - mean)||^2}, the squared Mahalanobis distance of a descriptor. */
    public double squaredDistance(double[] x) {
        double[] centred = new double[mean.length];
        for (int c = 0; c < centred.length; c++) {
            centred[c] = x[c] - mean[c];
        }
        return whitenedSquaredNorm(centred);
    }

    /** {@code ||W x||^2}: a difference of descriptors measured in their own covariance. */
    public double whitenedSquaredNorm(double[] x) {
        int d = mean.length;
        if (x.length != d) {
            throw new IllegalArgumentException("a " + d + "-channel Gaussian got " + x.length + " values");
        }
        double sum = 0;
        for (int i = 0; i < d; i++) {
            double z = 0;
            for (int j = 0; j <= i; j++) {
                z += whitening[i * d + j] * x[j];
            }
            sum += z * z;
        }
        return sum;
    }

    /** The calm term of every position of a normalised teacher map [d, h, w], as [h * w]. */
    public float[] calm(FloatImage teacher) {
        return calm(squaredDistances(teacher));
    }

    /** The calm term of each of {@link #squaredDistances}' values. */
    public float[] calm(double[] m2) {
        float[] out = new float[m2.length];
        double eps = EPSILON * expected;
        for (int p = 0; p < out.length; p++) {
            out[p] = (float) Math.max(0, -Math.log((m2[p] + eps) / expected));
        }
        return out;
    }

    /**
     * The distance term of every position of a normalised teacher map [d, h, w], as [h * w]: its
     * squared Mahalanobis distance {@code m2} from the good descriptors, which rises on whatever
     * the good texture does not do, busier or calmer, in any combination of its channels.
     */
    public float[] distance(FloatImage teacher) {
        return distance(squaredDistances(teacher));
    }

    /** The distance term of each of {@link #squaredDistances}' values: the values in float. */
    public static float[] distance(double[] m2) {
        float[] out = new float[m2.length];
        for (int p = 0; p < out.length; p++) {
            out[p] = (float) m2[p];
        }
        return out;
    }

    /**
     * {@code m2} of every position of a normalised teacher map [d, h, w], as [h * w]: what the
     * calm and distance terms are computed from, once for both.
     */
    public double[] squaredDistances(FloatImage teacher) {
        int d = mean.length;
        if (teacher.channels() != d) {
            throw new IllegalArgumentException(
                    "teacher map has " + teacher.channels() + " channels, the Gaussian " + d);
        }
        int plane = teacher.height() * teacher.width();
        float[] x = teacher.data();
        double[] out = new double[plane];
        double[] centred = new double[d];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < d; c++) {
                centred[c] = x[c * plane + p] - mean[c];
            }
            out[p] = whitenedSquaredNorm(centred);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DescriptorGaussian g
                && Arrays.equals(g.mean, mean)
                && Arrays.equals(g.whitening, whitening)
                && g.expected == expected;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(mean), Arrays.hashCode(whitening), expected);
    }

    @Override
    public String toString() {
        return "DescriptorGaussian[" + mean.length + " channels, expected " + expected + "]";
    }

    /**
     * Sums of descriptors and of their outer products over the positions of teacher maps, every
     * {@code stride}-th row and column (neighbouring descriptors of a dense map share most of
     * their patch, so a stride loses little).
     */
    public static final class Accumulator {
        private final int d;
        private final int stride;
        private final double[] sum;
        private final double[] outer;
        private long n;

        public Accumulator(int channels, int stride) {
            if (channels <= 0 || stride <= 0) {
                throw new IllegalArgumentException("channels and stride must be positive");
            }
            this.d = channels;
            this.stride = stride;
            this.sum = new double[d];
            this.outer = new double[d * d];
        }

        public void add(FloatImage descriptors) {
            if (descriptors.channels() != d) {
                throw new IllegalArgumentException(
                        "descriptor map has " + descriptors.channels() + " channels, expected " + d);
            }
            int h = descriptors.height();
            int w = descriptors.width();
            int plane = h * w;
            float[] x = descriptors.data();
            double[] v = new double[d];
            for (int r = 0; r < h; r += stride) {
                for (int col = 0; col < w; col += stride) {
                    int p = r * w + col;
                    for (int c = 0; c < d; c++) {
                        v[c] = x[c * plane + p];
                        sum[c] += v[c];
                    }
                    for (int i = 0; i < d; i++) {
                        double vi = v[i];
                        int row = i * d;
                        for (int j = 0; j <= i; j++) {
                            outer[row + j] += vi * v[j];
                        }
                    }
                    n++;
                }
            }
        }

        /**
         * The Gaussian of what was added.
         *
         * @throws IllegalArgumentException with fewer positions than channels
         */
        public DescriptorGaussian fit() {
            if (n <= d) {
                throw new IllegalArgumentException(
                        "a " + d + "-channel covariance needs more than " + d + " descriptors, found " + n);
            }
            double[] mu = new double[d];
            for (int i = 0; i < d; i++) {
                mu[i] = sum[i] / n;
            }
            double[] cov = new double[d * d];
            double trace = 0;
            for (int i = 0; i < d; i++) {
                for (int j = 0; j <= i; j++) {
                    double c = outer[i * d + j] / n - mu[i] * mu[j];
                    cov[i * d + j] = c;
                    cov[j * d + i] = c;
                }
                trace += cov[i * d + i];
            }
            if (!(trace > 0)) {
                throw new IllegalArgumentException("the descriptors do not vary");
            }
            double ridge = RIDGE * trace / d;
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
                    l[i * d + j] = i == j ? Math.sqrt(Math.max(s, 1e-30)) : s / l[j * d + j];
                }
            }
            // W = L^-1 column by column (forward substitution on the identity); trace(C^-1) =
            // ||W||_F^2, and trace(C^-1 S) = d - ridge trace(C^-1) with S = C - ridge I.
            float[] w = new float[d * d];
            double inverseTrace = 0;
            double[] column = new double[d];
            for (int k = 0; k < d; k++) {
                for (int i = k; i < d; i++) {
                    double s = i == k ? 1 : 0;
                    for (int j = k; j < i; j++) {
                        s -= l[i * d + j] * column[j];
                    }
                    column[i] = s / l[i * d + i];
                    w[i * d + k] = (float) column[i];
                    inverseTrace += column[i] * column[i];
                }
            }
            float[] mean = new float[d];
            for (int i = 0; i < d; i++) {
                mean[i] = (float) mu[i];
            }
            return new DescriptorGaussian(mean, w, d - ridge * inverseTrace);
        }
    }
}
