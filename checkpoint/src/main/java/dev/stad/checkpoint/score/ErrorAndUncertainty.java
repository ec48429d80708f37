package dev.stad.checkpoint.score;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.score.DescriptorGaussian;
import dev.stad.runtime.score.ScoreStatistics;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Per-pixel regression error and predictive uncertainty of a student ensemble against its
 * teacher (the paper's e and v), computed in plain Java in double precision:
 * {@code mu = mean_i S_i}, {@code e = ||mu - T||^2}, {@code v = mean_i ||S_i - mu||^2}, with T the
 * teacher's normalised descriptor. v is the ensemble's variance summed over channels, written as
 * squared deviations rather than {@code mean_i ||S_i||^2 - ||mu||^2}: the same quantity, but the
 * difference of two large, nearly equal terms loses every significant digit in half precision.
 *
 * @param height map height
 * @param width map width
 * @param e regression error, row-major
 * @param v predictive uncertainty, row-major
 * @param c the teacher's calm term ({@link DescriptorGaussian#calm}), row-major; null when not measured
 * @param d the teacher's distance term ({@link DescriptorGaussian#distance}), row-major; null when
 *     not measured
 */
public record ErrorAndUncertainty(int height, int width, float[] e, float[] v, float[] c, float[] d) {

    public ErrorAndUncertainty {
        Objects.requireNonNull(e, "e must not be null");
        Objects.requireNonNull(v, "v must not be null");
        if (e.length != (long) height * width
                || v.length != e.length
                || c != null && c.length != e.length
                || d != null && d.length != e.length) {
            throw new IllegalArgumentException("maps must hold " + height + "x" + width + " values");
        }
    }

    /** e, v and the calm term, without the distance term. */
    public ErrorAndUncertainty(int height, int width, float[] e, float[] v, float[] c) {
        this(height, width, e, v, c, null);
    }

    /** e and v without the teacher's terms. */
    public ErrorAndUncertainty(int height, int width, float[] e, float[] v) {
        this(height, width, e, v, null, null);
    }

    /** The same maps with the calm and distance terms of the same teacher map under {@code gaussian}. */
    public static ErrorAndUncertainty compute(
            FloatImage teacher, List<FloatImage> students, DescriptorGaussian gaussian) {
        ErrorAndUncertainty ev = compute(teacher, students);
        if (gaussian == null) {
            return ev;
        }
        double[] m2 = gaussian.squaredDistances(teacher);
        return new ErrorAndUncertainty(
                ev.height, ev.width, ev.e, ev.v, gaussian.calm(m2), DescriptorGaussian.distance(m2));
    }

    /**
     * @param teacher normalised teacher descriptors [D, H, W]
     * @param students student descriptors, each [D, H, W]; none for a scale without students,
     *     whose prediction is then the teacher's training mean, 0 after the normalisation: e is
     *     {@code ||T||^2} and v is 0
     */
    public static ErrorAndUncertainty compute(FloatImage teacher, List<FloatImage> students) {
        Objects.requireNonNull(teacher, "teacher must not be null");
        Objects.requireNonNull(students, "students must not be null");
        int d = teacher.channels();
        int plane = teacher.height() * teacher.width();
        for (FloatImage s : students) {
            if (s.channels() != d || s.height() != teacher.height() || s.width() != teacher.width()) {
                throw new IllegalArgumentException("student map " + s + " does not match teacher map " + teacher);
            }
        }
        int m = students.size();
        if (m == 0) {
            float[] t = teacher.data();
            float[] e = new float[plane];
            for (int p = 0; p < plane; p++) {
                double err = 0;
                for (int c = 0; c < d; c++) {
                    double x = t[c * plane + p];
                    err += x * x;
                }
                e[p] = (float) err;
            }
            return new ErrorAndUncertainty(teacher.height(), teacher.width(), e, new float[plane]);
        }
        float[] e = new float[plane];
        float[] v = new float[plane];
        double[] mu = new double[d];
        float[] t = teacher.data();
        for (int p = 0; p < plane; p++) {
            double err = 0;
            for (int c = 0; c < d; c++) {
                double sum = 0;
                for (FloatImage s : students) {
                    sum += s.data()[c * plane + p];
                }
                mu[c] = sum / m;
                double diff = mu[c] - t[c * plane + p];
                err += diff * diff;
            }
            double var = 0;
            for (FloatImage s : students) {
                float[] x = s.data();
                for (int c = 0; c < d; c++) {
                    double dev = x[c * plane + p] - mu[c];
                    var += dev * dev;
                }
            }
            e[p] = (float) err;
            v[p] = (float) (var / m);
        }
        return new ErrorAndUncertainty(teacher.height(), teacher.width(), e, v);
    }

    /**
     * The mean and standard deviation of e and v (and of c and d where every map has them) over
     * every position of {@code maps}, the validation images' maps of one scale: what normalises
     * that scale's scores. The weights are the defaults (v 1, c 0, d 0); the caller sets its own.
     *
     * Maps without students (v 0 everywhere) get v's statistics 0 and 1 with weight 0, so v
     * adds nothing.
     *
     * @throws IllegalArgumentException if e does not vary, or v does not vary where it is not 0
     *     everywhere (no maps)
     */
    public static ScoreStatistics statistics(List<ErrorAndUncertainty> maps) {
        double[] e = meanAndStd(maps, ErrorAndUncertainty::e);
        double[] v = meanAndStd(maps, ErrorAndUncertainty::v);
        double eMean = e[0];
        double eStd = e[1];
        double vMean = v[0];
        double vStd = v[1];
        boolean noEnsemble = vMean == 0 && vStd == 0; // v is never negative: 0 everywhere (NaN without maps)
        if (!(eStd > 0) || !(vStd > 0) && !noEnsemble) {
            throw new IllegalArgumentException(
                    "e or v does not vary over the validation images (eStd=" + eStd + ", vStd=" + vStd + ")");
        }
        ScoreStatistics st = noEnsemble
                ? new ScoreStatistics(eMean, eStd, 0, 1).withVWeight(0)
                : new ScoreStatistics(eMean, eStd, vMean, vStd);
        if (maps.stream().allMatch(m -> m.c != null)) {
            double[] c = meanAndStd(maps, ErrorAndUncertainty::c);
            // A calm term that is 0 on every validation pixel still standardises: its deviation
            // is floored so a calm test pixel scores high rather than dividing by zero.
            st = st.withCalm(c[0], Math.max(c[1], 1e-3), 0);
        }
        if (maps.stream().allMatch(m -> m.d != null)) {
            double[] d = meanAndStd(maps, ErrorAndUncertainty::d);
            st = st.withDistance(d[0], Math.max(d[1], 1e-3 * Math.max(d[0], 1)), 0);
        }
        return st;
    }

    /** Mean and standard deviation of one term over every position of {@code maps}. */
    private static double[] meanAndStd(List<ErrorAndUncertainty> maps, Function<ErrorAndUncertainty, float[]> term) {
        double sum = 0;
        double sq = 0;
        long count = 0;
        for (ErrorAndUncertainty ev : maps) {
            for (float x : term.apply(ev)) {
                sum += x;
                sq += (double) x * x;
            }
            count += ev.e.length;
        }
        double mean = sum / count;
        return new double[] {mean, Math.sqrt(Math.max(0, sq / count - mean * mean))};
    }

    /** The normalised score map of the scale, as a one-channel image. */
    public FloatImage scores(ScoreStatistics statistics) {
        if (statistics.hasCalmTerm() && c == null) {
            throw new IllegalArgumentException("the statistics weigh a calm term these maps do not have");
        }
        if (statistics.hasDistanceTerm() && d == null) {
            throw new IllegalArgumentException("the statistics weigh a distance term these maps do not have");
        }
        float[] out = new float[e.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = statistics.score(e[i], v[i], c == null ? 0f : c[i], d == null ? 0f : d[i]);
        }
        return new FloatImage(1, height, width, out);
    }
}
