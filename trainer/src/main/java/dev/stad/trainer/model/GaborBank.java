package dev.stad.trainer.model;

/**
 * Complex Gabor filters of one square side: {@code orientations} directions times
 * {@code wavelengths} wavelengths, log-spaced from 2.5 pixels to {@code max(5, kernel / 1.5)},
 * each envelope's width {@code min(0.56 * wavelength, kernel / 5)}. The real part has its mean
 * under the envelope removed, so a flat patch gives no response; both parts have unit L2 norm.
 * Filter {@code w * orientations + o} occupies {@code kernel * kernel} values from
 * {@code (w * orientations + o) * kernel * kernel}, rows first.
 *
 * @param kernel the filters' side
 * @param count how many filters
 * @param real the even (cosine) parts
 * @param imaginary the odd (sine) parts
 */
record GaborBank(int kernel, int count, float[] real, float[] imaginary) {

    static GaborBank of(int kernel, int orientations, int wavelengths) {
        if (kernel < 2 || orientations < 1 || wavelengths < 2) {
            throw new IllegalArgumentException("a Gabor bank needs kernel >= 2, orientations >= 1 and wavelengths >= 2,"
                    + " found " + kernel + ", " + orientations + ", " + wavelengths);
        }
        int f = orientations * wavelengths;
        int kk = kernel * kernel;
        float[] real = new float[f * kk];
        float[] imaginary = new float[f * kk];
        double centre = (kernel - 1) / 2.0;
        double shortest = 2.5;
        double longest = Math.max(2 * shortest, kernel / 1.5);
        for (int w = 0; w < wavelengths; w++) {
            double lambda = shortest * Math.pow(longest / shortest, w / (double) (wavelengths - 1));
            double sigma = Math.min(0.56 * lambda, kernel / 5.0);
            for (int o = 0; o < orientations; o++) {
                double theta = Math.PI * o / orientations;
                int base = (w * orientations + o) * kk;
                double envelopeSum = 0;
                double realSum = 0;
                double[] env = new double[kk];
                double[] re = new double[kk];
                double[] im = new double[kk];
                for (int y = 0; y < kernel; y++) {
                    for (int x = 0; x < kernel; x++) {
                        double dx = x - centre;
                        double dy = y - centre;
                        double along = dx * Math.cos(theta) + dy * Math.sin(theta);
                        double e = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
                        env[y * kernel + x] = e;
                        re[y * kernel + x] = e * Math.cos(2 * Math.PI * along / lambda);
                        im[y * kernel + x] = e * Math.sin(2 * Math.PI * along / lambda);
                        envelopeSum += e;
                        realSum += re[y * kernel + x];
                    }
                }
                // No response to a flat patch: remove the real part's mean, shaped by the envelope.
                double dc = realSum / envelopeSum;
                double nr = 0;
                double ni = 0;
                for (int i = 0; i < kk; i++) {
                    re[i] -= dc * env[i];
                    nr += re[i] * re[i];
                    ni += im[i] * im[i];
                }
                for (int i = 0; i < kk; i++) {
                    real[base + i] = (float) (re[i] / Math.sqrt(nr));
                    imaginary[base + i] = (float) (im[i] / Math.sqrt(ni));
                }
            }
        }
        return new GaborBank(kernel, f, real, imaginary);
    }
}
