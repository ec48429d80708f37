package dev.stad.trainer.data;

/** A separable Gaussian blur of one image plane, edges clamped; for the image generators. */
public final class GaussianBlur {
    private GaussianBlur() {}

    /** {@code plane} ({@code n x n}, row-major) blurred with standard deviation {@code sigma} pixels. */
    public static float[] blur(float[] plane, int n, double sigma) {
        int r = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            k[i + r] = Math.exp(-0.5 * i * i / (sigma * sigma));
            sum += k[i + r];
        }
        double[] tmp = new double[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double v = 0;
                for (int i = -r; i <= r; i++) {
                    v += k[i + r] * plane[y * n + Math.max(0, Math.min(n - 1, x + i))];
                }
                tmp[y * n + x] = v / sum;
            }
        }
        float[] out = new float[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double v = 0;
                for (int i = -r; i <= r; i++) {
                    v += k[i + r] * tmp[Math.max(0, Math.min(n - 1, y + i)) * n + x];
                }
                out[y * n + x] = (float) (v / sum);
            }
        }
        return out;
    }

    /**
     * {@code plane} made calmer: its blur (standard deviation {@code sigma}) plus {@code keep}
     * times its detail around that blur; {@code keep} 0 is the blur, 1 the plane itself.
     */
    public static float[] calmer(float[] plane, int n, double sigma, double keep) {
        float[] smooth = blur(plane, n, sigma);
        float[] out = new float[plane.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (smooth[i] + keep * (plane[i] - smooth[i]));
        }
        return out;
    }
}
