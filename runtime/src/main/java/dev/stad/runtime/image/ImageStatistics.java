package dev.stad.runtime.image;

import java.util.Arrays;

/**
 * Robust per-image statistics for {@link Normalization#IMAGE}: the median of each channel and
 * one spread for all channels, the mean of the channels' interquartile ranges divided by 1.349
 * (a normal distribution's standard deviation). Quantiles ignore the brightest and darkest
 * quarter of the pixels, so a hole, a stain or a glare covering less than a quarter of the image
 * moves them little, where a mean and a standard deviation would follow it. One spread for all
 * channels keeps the ratio between channels, which a colour stain changes.
 *
 * <p>Quantiles come from a histogram of {@value #BINS} bins over [0, 1] (linear inside the bin),
 * one pass over the pixels whatever the image's size.
 *
 * @param median per-channel median, in the image's [0, 1] intensity units
 * @param spread the pooled interquartile range / 1.349, at least {@link #MIN_SPREAD}
 */
public record ImageStatistics(float[] median, float spread) {

    /** Histogram resolution: finer than 16-bit images need, far finer than 8-bit ones. */
    static final int BINS = 4096;

    /**
     * The smallest spread divided by: a flat image (a blank frame, a uniform part) is centred but
     * its sensor noise is not blown up to the texture's scale. One 8-bit grey level is 0.004.
     */
    public static final float MIN_SPREAD = 0.01f;

    private static final float IQR_PER_SIGMA = 1.349f;

    /** The statistics of {@code image}, values in [0, 1] (anything outside counts as 0 or 1). */
    public static ImageStatistics of(FloatImage image) {
        int plane = image.height() * image.width();
        float[] data = image.data();
        float[] median = new float[image.channels()];
        double iqr = 0;
        int[] counts = new int[BINS];
        for (int c = 0; c < image.channels(); c++) {
            Arrays.fill(counts, 0);
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                float v = data[i];
                int bin = v >= 1f ? BINS - 1 : v > 0f ? (int) (v * BINS) : 0;
                counts[bin]++;
            }
            median[c] = quantile(counts, plane, 0.5);
            iqr += quantile(counts, plane, 0.75) - quantile(counts, plane, 0.25);
        }
        float spread = (float) (iqr / image.channels() / IQR_PER_SIGMA);
        return new ImageStatistics(median, Math.max(MIN_SPREAD, spread));
    }

    /** The q-quantile of {@code total} values binned in {@code counts}, linear within its bin. */
    private static float quantile(int[] counts, int total, double q) {
        double rank = q * total;
        long below = 0;
        for (int b = 0; b < counts.length; b++) {
            if (below + counts[b] >= rank && counts[b] > 0) {
                double within = (rank - below) / counts[b];
                return (float) ((b + within) / counts.length);
            }
            below += counts[b];
        }
        return 1f;
    }

    @Override
    public float[] median() {
        return median.clone();
    }

    /** {@code image} centred on its medians and divided by the spread, a new image. */
    public FloatImage normalize(FloatImage image) {
        float[] std = new float[median.length];
        Arrays.fill(std, spread);
        return image.standardize(median, std);
    }
}
