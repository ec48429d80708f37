package dev.stad.runtime.image;

import java.util.Arrays;

/**
 * Per-image statistics for {@link Normalization#IMAGE}: the median of each channel. A median,
 * not a mean, so that a hole, a stain or a glare covering less than half of the image moves it
 * little, where the mean would follow the defect and shift the good texture around it.
 *
 * <p>The median comes from a histogram of {@value #BINS} bins over [0, 1] (linear inside the
 * bin), one pass over the pixels whatever the image's size.
 *
 * @param median per-channel median, in the image's [0, 1] intensity units
 */
public record ImageStatistics(float[] median) {

    /** Histogram resolution: finer than 16-bit images need, far finer than 8-bit ones. */
    static final int BINS = 4096;

    public ImageStatistics {
        median = median.clone();
    }

    /** The statistics of {@code image}, values in [0, 1] (anything outside counts as 0 or 1). */
    public static ImageStatistics of(FloatImage image) {
        int plane = image.height() * image.width();
        float[] data = image.data();
        float[] median = new float[image.channels()];
        int[] counts = new int[BINS];
        for (int c = 0; c < image.channels(); c++) {
            Arrays.fill(counts, 0);
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                float v = data[i];
                int bin = v >= 1f ? BINS - 1 : v > 0f ? (int) (v * BINS) : 0;
                counts[bin]++;
            }
            median[c] = quantile(counts, plane, 0.5);
        }
        return new ImageStatistics(median);
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

    /** {@code (x - median[c]) / std[c]}: {@code image} centred on its own medians, a new image. */
    public FloatImage centre(FloatImage image, float[] std) {
        return image.standardize(median, std);
    }
}
