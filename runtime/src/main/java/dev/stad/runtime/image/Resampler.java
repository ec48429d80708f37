package dev.stad.runtime.image;

/**
 * Separable resize with a triangle (bilinear) filter whose support widens with the downscale
 * factor, so shrinking averages every source pixel instead of sampling a few (aliasing would
 * turn fine texture into noise the students never saw). Same weights as Pillow's BILINEAR.
 * Resizing to the same size returns an exact copy.
 */
public final class Resampler {

    private Resampler() {}

    public static FloatImage resize(FloatImage src, int outHeight, int outWidth) {
        if (outHeight < 1 || outWidth < 1) {
            throw new IllegalArgumentException("target size must be positive, found " + outHeight + "x" + outWidth);
        }
        if (src.height() == outHeight && src.width() == outWidth) {
            return new FloatImage(
                    src.channels(), outHeight, outWidth, src.data().clone());
        }
        Weights wx = Weights.of(src.width(), outWidth);
        Weights wy = Weights.of(src.height(), outHeight);
        int c = src.channels();
        int inH = src.height();
        int inW = src.width();
        float[] in = src.data();
        // Horizontal pass first: inH x outW intermediate.
        float[] tmp = new float[c * inH * outWidth];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < inH; y++) {
                int rowIn = (ch * inH + y) * inW;
                int rowOut = (ch * inH + y) * outWidth;
                for (int x = 0; x < outWidth; x++) {
                    float acc = 0f;
                    int start = wx.start[x];
                    for (int k = 0; k < wx.count[x]; k++) {
                        acc += in[rowIn + start + k] * wx.weight[x][k];
                    }
                    tmp[rowOut + x] = acc;
                }
            }
        }
        float[] out = new float[c * outHeight * outWidth];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < outHeight; y++) {
                int rowOut = (ch * outHeight + y) * outWidth;
                int start = wy.start[y];
                for (int k = 0; k < wy.count[y]; k++) {
                    float w = wy.weight[y][k];
                    int rowIn = (ch * inH + start + k) * outWidth;
                    for (int x = 0; x < outWidth; x++) {
                        out[rowOut + x] += tmp[rowIn + x] * w;
                    }
                }
            }
        }
        return new FloatImage(c, outHeight, outWidth, out);
    }

    /** Per output index: first source index, number of taps, normalised tap weights. */
    private record Weights(int[] start, int[] count, float[][] weight) {
        static Weights of(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale; // triangle filter support 1, widened when shrinking
            int[] start = new int[out];
            int[] count = new int[out];
            float[][] weight = new float[out][];
            for (int i = 0; i < out; i++) {
                double center = (i + 0.5) * scale;
                int lo = Math.max((int) Math.floor(center - support + 0.5), 0);
                int hi = Math.min((int) Math.floor(center + support + 0.5), in);
                double[] w = new double[Math.max(hi - lo, 1)];
                double sum = 0;
                for (int j = lo; j < hi; j++) {
                    double t = Math.abs((j + 0.5 - center) / filterScale);
                    w[j - lo] = Math.max(0.0, 1.0 - t);
                    sum += w[j - lo];
                }
                if (sum == 0) { // cannot happen for in, out >= 1, kept as a guard against NaN
                    lo = Math.min((int) center, in - 1);
                    w = new double[] {1.0};
                    sum = 1.0;
                }
                start[i] = lo;
                count[i] = w.length;
                weight[i] = new float[w.length];
                for (int k = 0; k < w.length; k++) {
                    weight[i][k] = (float) (w[k] / sum);
                }
            }
            return new Weights(start, count, weight);
        }
    }
}
