package dev.stad.runtime.score;

import dev.stad.runtime.image.FloatImage;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The image threshold a model sets from its few validation maps: the score (a map's maximum)
 * that a good image stays below with probability {@code q}.
 *
 * <p>Why not the {@code q}-quantile of the validation images' own scores: a training run holds
 * back a handful of images, and the 0.99 quantile of four scores is nearly their maximum, which a
 * fifth good image exceeds one time in five whatever the model. The maps hold far more than four
 * maxima, though. Each map is cut into blocks about as wide as the widest receptive field, so
 * that neighbouring blocks share few patches, and a Gumbel distribution (the limit law of
 * maxima) is fitted to the blocks' maxima by L-moments, which stay stable on a few dozen
 * values. An image's score is the largest of its {@code K} blocks' maxima, so it stays below
 * {@code t} with probability {@code G(t)^K}, and the threshold is the {@code t} where that is
 * {@code q}: {@code mu + beta (ln K - ln(-ln q))}. It is never set below the validation scores'
 * own {@code q}-quantile; with {@code q = 1} it is their maximum, so no validation image is
 * flagged.
 */
public final class ImageThreshold {
    private static final double EULER_GAMMA = 0.5772156649015329;

    private ImageThreshold() {}

    /**
     * What was fitted and the threshold that follows.
     *
     * @param value the threshold
     * @param location the block maxima's Gumbel location {@code mu} (NaN where nothing was fitted)
     * @param scale their Gumbel scale {@code beta} (NaN where nothing was fitted)
     * @param blocksPerImage {@code K}, the mean number of blocks of a validation map
     * @param block the blocks' side in map pixels
     * @param quantile {@code q}
     * @param empirical the validation scores' own {@code q}-quantile (linear interpolation)
     * @param scores the validation images' scores, their maps' maxima
     */
    public record Estimate(
            double value,
            double location,
            double scale,
            double blocksPerImage,
            int block,
            double quantile,
            double empirical,
            List<Double> scores) {

        public Estimate {
            scores = List.copyOf(scores);
        }

        /**
         * How the threshold was set, for a bundle's manifest, a run's record or a station's.
         *
         * @param score what an image's score is ({@link #scoreDescription})
         * @param images whose maps the tail was read from, as a possessive ("the validation images'")
         */
        public String rule(String score, String images) {
            if (Double.isNaN(location)) {
                return String.format(
                        Locale.ROOT,
                        "quantile %.3f (linear interpolation) of %s scores, score = %s",
                        quantile,
                        images,
                        score);
            }
            return String.format(
                    Locale.ROOT,
                    "quantile %.3f of a good image's score: a Gumbel law (mu %.4g, beta %.4g) fitted to the maxima of"
                            + " %s %dx%d px map blocks, raised to %.1f blocks per image, and not below their"
                            + " scores' own quantile (%.4g); score = %s",
                    quantile,
                    location,
                    scale,
                    images,
                    block,
                    block,
                    blocksPerImage,
                    empirical,
                    score);
        }
    }

    /** What an image's score is, for a rule's text: the map's maximum, after the smoothing if any. */
    public static String scoreDescription(double smoothingSigma) {
        return smoothingSigma > 0
                ? String.format(
                        Locale.ROOT, "max of the anomaly map smoothed with a Gaussian of sigma %.2f px", smoothingSigma)
                : "max of the anomaly map";
    }

    /**
     * The blocks' side for maps that {@code combination} makes: the widest receptive field plus
     * the smoothing, so that neighbouring blocks share few patches.
     */
    public static int blockSide(ScaleCombination combination) {
        return combination.reach().total() + 1;
    }

    /**
     * The threshold from each good image's block maxima ({@link #blockMaxima}), for callers that
     * keep those rather than whole maps.
     *
     * @param block the blocks' side ({@link #blockSide}), for the rule's text
     * @param q the share of good images the threshold should pass, in (0, 1]
     */
    public static Estimate fromBlockMaxima(List<double[]> perImage, int block, double q) {
        if (perImage.isEmpty()) {
            throw new IllegalArgumentException("no validation maps to set a threshold from");
        }
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in (0, 1], found " + q);
        }
        double[] scores = new double[perImage.size()];
        int total = 0;
        for (int i = 0; i < scores.length; i++) {
            double[] m = perImage.get(i);
            if (m.length == 0) {
                throw new IllegalArgumentException("image " + i + " has no blocks");
            }
            for (double v : m) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("image " + i + " has a block maximum of " + v);
                }
            }
            total += m.length;
            scores[i] = Arrays.stream(m).max().orElseThrow();
        }
        double empirical = Quantiles.linear(scores, q);
        double blocksPerImage = total / (double) scores.length;
        List<Double> scoreList = Arrays.stream(scores).boxed().toList();
        if (q == 1 || total < 2) {
            return new Estimate(empirical, Double.NaN, Double.NaN, blocksPerImage, block, q, empirical, scoreList);
        }
        double[] maxima = new double[total];
        int k = 0;
        for (double[] m : perImage) {
            System.arraycopy(m, 0, maxima, k, m.length);
            k += m.length;
        }
        Arrays.sort(maxima);
        // L-moments through probability-weighted moments: b0 the mean, l2 = 2 b1 - b0.
        double b0 = 0;
        double b1 = 0;
        for (int i = 0; i < total; i++) {
            b0 += maxima[i];
            b1 += maxima[i] * i / (total - 1.0);
        }
        b0 /= total;
        b1 /= total;
        double beta = Math.max(0, (2 * b1 - b0) / Math.log(2));
        double mu = b0 - EULER_GAMMA * beta;
        double tail = mu + beta * (Math.log(blocksPerImage) - Math.log(-Math.log(q)));
        return new Estimate(Math.max(tail, empirical), mu, beta, blocksPerImage, block, q, empirical, scoreList);
    }

    /** How many blocks of about {@code block} pixels a side of {@code side} pixels is cut into: at least one. */
    static int blocksAlong(int side, int block) {
        return Math.max(1, (int) Math.round(side / (double) block));
    }

    /**
     * The maxima of a map's blocks of about {@code block} pixels ({@link #blocksAlong} each way),
     * row by row, their edges spread evenly so no block is a sliver. Give it the map at the size
     * it was computed at: one brought to another size has had its values blended.
     */
    public static double[] blockMaxima(FloatImage map, int block) {
        if (block < 1) {
            throw new IllegalArgumentException("block side must be >= 1, found " + block);
        }
        return blockMaxima(map, blocksAlong(map.height(), block), blocksAlong(map.width(), block));
    }

    /** The maxima of a map's {@code rows x cols} blocks, row by row. */
    static double[] blockMaxima(FloatImage map, int rows, int cols) {
        if (map.channels() != 1) {
            throw new IllegalArgumentException("an anomaly map has one channel, found " + map.channels());
        }
        int h = map.height();
        int w = map.width();
        if (rows < 1 || cols < 1 || rows > h || cols > w) {
            throw new IllegalArgumentException(
                    "cannot cut a " + w + "x" + h + " map into " + cols + "x" + rows + " blocks");
        }
        double[] out = new double[rows * cols];
        Arrays.fill(out, Double.NEGATIVE_INFINITY);
        float[] data = map.data();
        for (int y = 0; y < h; y++) {
            int by = (int) ((long) y * rows / h);
            for (int x = 0; x < w; x++) {
                int bx = (int) ((long) x * cols / w);
                float v = data[y * w + x];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("an anomaly map holds " + v + " at (" + y + ", " + x + ")");
                }
                int i = by * cols + bx;
                if (v > out[i]) {
                    out[i] = v;
                }
            }
        }
        return out;
    }
}
