package dev.stad.bench.accuracy;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.io.MvtecLayout;
import dev.stad.trainer.data.MvtecCategory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How far a category's good test images lie from its training images, on three plain image
 * statistics, and whether the model's image scores follow that distance. A good test image
 * whose grey level, contrast or busyness is unlike every training image's is new to the model
 * although nothing is wrong with it; when the scores of good images rise with the distance, the
 * test set asks the model to accept texture it never saw, and image AUROC says as much about the
 * set's split as about the model.
 *
 * @param meanZ per statistic ({@link #STATISTICS}), the good test images' mean signed distance
 *     from the training images' mean, in training standard deviations
 * @param meanFarthest the good test images' mean of their largest absolute distance over the
 *     statistics
 * @param scoreCorrelation Spearman's rank correlation between a good test image's largest
 *     distance and its image score; NaN with fewer than three good test images
 */
record GoodShift(double[] meanZ, double meanFarthest, double scoreCorrelation) {
    /** What {@link #meanZ} is per index: grey level, its spread, mean neighbour difference. */
    static final List<String> STATISTICS = List.of("grey level", "contrast", "busyness");

    /** The shift of a category's good test images, with their scores from its {@code report}. */
    static GoodShift of(Path category, AccuracyCommand.Report report) throws IOException {
        MvtecCategory c = MvtecCategory.open(category);
        Map<String, Double> scores = new HashMap<>();
        for (AccuracyCommand.ImageScore s : report.images()) {
            if (s.type().equals(MvtecLayout.GOOD)) {
                scores.put(s.name(), s.score());
            }
        }
        return of(c.trainGood(), c.test().getOrDefault(MvtecLayout.GOOD, List.of()), scores);
    }

    /**
     * The shift of the {@code good} test images, whose image scores are {@code scores} (by file
     * name, as {@link AccuracyCommand#stem}), from the {@code train} images.
     */
    static GoodShift of(List<Path> train, List<Path> good, Map<String, Double> scores) throws IOException {
        if (train.size() < 2 || good.isEmpty()) {
            double[] none = new double[STATISTICS.size()];
            Arrays.fill(none, Double.NaN);
            return new GoodShift(none, Double.NaN, Double.NaN); // nothing to measure a spread or a shift with
        }
        double[][] t = new double[train.size()][];
        for (int i = 0; i < t.length; i++) {
            t[i] = statistics(ImageDecoder.read(train.get(i)));
        }
        int k = STATISTICS.size();
        double[] mean = new double[k];
        double[] sd = new double[k];
        for (int j = 0; j < k; j++) {
            for (double[] r : t) {
                mean[j] += r[j] / t.length;
            }
            for (double[] r : t) {
                sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / t.length;
            }
            sd[j] = Math.sqrt(sd[j]);
        }
        double[] meanZ = new double[k];
        List<Double> farthest = new ArrayList<>();
        List<Double> score = new ArrayList<>();
        for (Path g : good) {
            double[] s = statistics(ImageDecoder.read(g));
            double far = 0;
            for (int j = 0; j < k; j++) {
                double z = sd[j] > 0 ? (s[j] - mean[j]) / sd[j] : 0;
                meanZ[j] += z / good.size();
                far = Math.max(far, Math.abs(z));
            }
            farthest.add(far);
            Double v = scores.get(AccuracyCommand.stem(g));
            if (v == null) {
                throw new IllegalArgumentException("no image score for good test image " + g);
            }
            score.add(v);
        }
        double meanFar =
                farthest.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        return new GoodShift(meanZ, meanFar, spearman(unbox(farthest), unbox(score)));
    }

    /**
     * Grey level (mean of the channels' mean), contrast (standard deviation of the grey image) and
     * busyness (mean absolute difference between horizontal and between vertical neighbours).
     */
    static double[] statistics(FloatImage image) {
        int h = image.height();
        int w = image.width();
        int c = image.channels();
        float[] d = image.data();
        double[] grey = new double[h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < h * w; i++) {
                grey[i] += d[ch * h * w + i] / c;
            }
        }
        double mean = Arrays.stream(grey).average().orElse(0);
        double var = 0;
        for (double v : grey) {
            var += (v - mean) * (v - mean) / grey.length;
        }
        double dx = 0;
        double dy = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (x + 1 < w) {
                    dx += Math.abs(grey[y * w + x + 1] - grey[y * w + x]);
                }
                if (y + 1 < h) {
                    dy += Math.abs(grey[(y + 1) * w + x] - grey[y * w + x]);
                }
            }
        }
        double busy = (w > 1 ? dx / ((w - 1) * (double) h) : 0) + (h > 1 ? dy / ((h - 1) * (double) w) : 0);
        return new double[] {mean, Math.sqrt(var), busy};
    }

    /** Spearman's rank correlation (ties take their mean rank); NaN with fewer than three pairs or no spread. */
    static double spearman(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(a.length + " against " + b.length + " values");
        }
        if (a.length < 3) {
            return Double.NaN;
        }
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double ma = Arrays.stream(ra).average().orElseThrow();
        double mb = Arrays.stream(rb).average().orElseThrow();
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }
        return saa == 0 || sbb == 0 ? Double.NaN : sab / Math.sqrt(saa * sbb);
    }

    private static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(v[x], v[y]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int m = i; m <= j; m++) {
                r[order[m]] = rank;
            }
            i = j + 1;
        }
        return r;
    }

    private static double[] unbox(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
