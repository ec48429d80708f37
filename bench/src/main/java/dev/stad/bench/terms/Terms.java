package dev.stad.bench.terms;

import dev.stad.checkpoint.score.ErrorAndUncertainty;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.score.DescriptorGaussian;
import java.util.List;
import java.util.Map;

/** One scale's per-pixel terms of one image, [h, w] each, in {@link TermsCommand.Term} order. */
record Terms(int height, int width, float[][] values) {

    /**
     * e, v, the calm and the distance term as the detector's reference (ErrorAndUncertainty)
     * computes them (c and d under the bundle's own Gaussian, 0 where it has none), and the
     * teacher's terms.
     */
    static Terms compute(
            FloatImage teacher,
            List<FloatImage> students,
            DescriptorGaussian whitening,
            DescriptorGaussian bundleGaussian) {
        ErrorAndUncertainty ev = ErrorAndUncertainty.compute(teacher, students, bundleGaussian);
        int d = teacher.channels();
        int plane = teacher.height() * teacher.width();
        int m = students.size();
        float[][] out = new float[TermsCommand.Term.values().length][];
        out[TermsCommand.Term.E.ordinal()] = ev.e();
        out[TermsCommand.Term.V.ordinal()] = ev.v();
        out[TermsCommand.Term.CALM.ordinal()] = ev.c() == null ? new float[ev.e().length] : ev.c();
        out[TermsCommand.Term.DISTANCE.ordinal()] = ev.d() == null ? new float[ev.e().length] : ev.d();
        float[] diagonal = new float[plane];
        float[] full = new float[plane];
        float[] whitenedE = new float[plane];
        float[] atypical = new float[plane];
        float[] tooCalm = new float[plane];
        double expected = Math.max(1e-12, whitening.expected());
        double[] t = new double[d];
        double[] diff = new double[d];
        for (int p = 0; p < plane; p++) {
            double tn = 0;
            for (int c = 0; c < d; c++) {
                double sum = 0;
                for (FloatImage s : students) {
                    sum += s.data()[c * plane + p];
                }
                t[c] = teacher.data()[c * plane + p];
                // Without students the prediction is the teacher's training mean, 0 once normalised.
                diff[c] = (m == 0 ? 0 : sum / m) - t[c];
                tn += t[c] * t[c];
            }
            diagonal[p] = (float) tn;
            full[p] = (float) whitening.squaredDistance(t);
            whitenedE[p] = (float) whitening.whitenedSquaredNorm(diff);
            double log = Math.log(Math.max(full[p], 1e-12) / expected);
            atypical[p] = (float) Math.abs(log);
            tooCalm[p] = (float) Math.max(0, -log);
        }
        out[TermsCommand.Term.TEACHER_DIAGONAL.ordinal()] = diagonal;
        out[TermsCommand.Term.TEACHER_FULL.ordinal()] = full;
        out[TermsCommand.Term.E_WHITENED.ordinal()] = whitenedE;
        out[TermsCommand.Term.TEACHER_ATYPICAL.ordinal()] = atypical;
        out[TermsCommand.Term.TEACHER_TOO_CALM.ordinal()] = tooCalm;
        return new Terms(teacher.height(), teacher.width(), out);
    }

    /** Mean and standard deviation of every term over the maps: [term][0 mean, 1 std], flattened. */
    static double[] statistics(List<Terms> maps) {
        int k = TermsCommand.Term.values().length;
        double[] out = new double[2 * k];
        for (int term = 0; term < k; term++) {
            double sum = 0;
            double sq = 0;
            long n = 0;
            for (Terms t : maps) {
                for (float x : t.values[term]) {
                    sum += x;
                    sq += (double) x * x;
                    n++;
                }
            }
            double mean = sum / n;
            out[2 * term] = mean;
            out[2 * term + 1] = Math.sqrt(Math.max(1e-30, sq / n - mean * mean));
        }
        return out;
    }

    /** The weighted sum of the chosen terms, each standardised with {@code stats}, as a one-channel map. */
    FloatImage score(double[] stats, Map<TermsCommand.Term, Double> terms) {
        float[] out = new float[height * width];
        for (Map.Entry<TermsCommand.Term, Double> term : terms.entrySet()) {
            int k = term.getKey().ordinal();
            double w = term.getValue();
            if (w == 0) {
                continue;
            }
            double mean = stats[2 * k];
            double std = stats[2 * k + 1];
            for (int i = 0; i < out.length; i++) {
                out[i] += (float) (w * (values[k][i] - mean) / std);
            }
        }
        return new FloatImage(1, height, width, out);
    }
}
