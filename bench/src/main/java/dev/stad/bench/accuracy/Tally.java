package dev.stad.bench.accuracy;

import dev.stad.bench.metrics.Curve;
import dev.stad.bench.metrics.PixelMetrics;
import dev.stad.bench.metrics.Roc;
import dev.stad.runtime.detect.Regions;
import dev.stad.runtime.io.MvtecLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The test images of one category as they are scored, one map at a time, and the metrics over
 * them: per defect type (with the good images) and {@link AccuracyCommand#OVERALL}. What {@code
 * bench accuracy} computes from a detector's maps and {@code bench combine} from maps on disk.
 */
final class Tally {
    private final Map<String, PixelMetrics> pixels = new LinkedHashMap<>();
    private final List<AccuracyCommand.ImageScore> scores = new ArrayList<>();
    private final DepthProfile depth = new DepthProfile(AccuracyCommand.DEPTH_EDGES);

    /** The rows with their curves: image ROC, pixel ROC and PRO per row's type. */
    record Result(
            double fprLimit,
            List<AccuracyCommand.Row> rows,
            Map<String, Curve> imageRocs,
            Map<String, Curve> pixelRocs,
            Map<String, Curve> pros) {}

    Tally(List<String> defectTypes) {
        pixels.put(AccuracyCommand.OVERALL, new PixelMetrics());
        for (String t : defectTypes) {
            pixels.put(t, new PixelMetrics());
        }
    }

    /**
     * Adds one test image: its map ({@code width} x {@code height}, row-major), its ground truth
     * regions, and its score and decision; {@code map} names where the map was written.
     */
    void add(
            String type,
            String name,
            float[] values,
            int width,
            int height,
            Regions.Labels truth,
            double score,
            boolean anomalous,
            String map) {
        pixels.get(AccuracyCommand.OVERALL)
                .add(values, truth.labels(), truth.regions().size());
        if (type.equals(MvtecLayout.GOOD)) {
            depth.add(values, width, height);
        }
        for (Map.Entry<String, PixelMetrics> e : pixels.entrySet()) {
            String t = e.getKey();
            if (!t.equals(AccuracyCommand.OVERALL) && (type.equals(MvtecLayout.GOOD) || type.equals(t))) {
                e.getValue().add(values, truth.labels(), truth.regions().size());
            }
        }
        int peak = AccuracyCommand.peak(values, width, height);
        scores.add(new AccuracyCommand.ImageScore(
                type, name, score, anomalous, map, peak % width, peak / width, width, height));
    }

    List<AccuracyCommand.ImageScore> scores() {
        return scores;
    }

    List<AccuracyCommand.DepthBand> goodMapByDepth() {
        return depth.bands();
    }

    /** The report of a category scored this way: its rows, where good maps peak, and every image. */
    AccuracyCommand.Report report(String bundle, String data, String engine, double threshold, Result result) {
        return new AccuracyCommand.Report(
                bundle,
                data,
                engine,
                threshold,
                result.fprLimit(),
                result.rows(),
                AccuracyCommand.borderBands(scores),
                depth.bands(),
                scores);
    }

    Result result(double fprLimit) {
        List<AccuracyCommand.Row> rows = new ArrayList<>();
        Map<String, Curve> imageRocs = new LinkedHashMap<>();
        Map<String, Curve> pixelRocs = new LinkedHashMap<>();
        Map<String, Curve> pros = new LinkedHashMap<>();
        for (Map.Entry<String, PixelMetrics> e : pixels.entrySet()) {
            String type = e.getKey();
            List<AccuracyCommand.ImageScore> subset = scores.stream()
                    .filter(s -> type.equals(AccuracyCommand.OVERALL)
                            || s.type().equals(MvtecLayout.GOOD)
                            || s.type().equals(type))
                    .toList();
            double[] s = subset.stream()
                    .mapToDouble(AccuracyCommand.ImageScore::score)
                    .toArray();
            boolean[] positive = new boolean[s.length];
            int defective = 0;
            int goodFlagged = 0;
            int defectiveFlagged = 0;
            for (int i = 0; i < s.length; i++) {
                positive[i] = !subset.get(i).type().equals(MvtecLayout.GOOD);
                defective += positive[i] ? 1 : 0;
                if (subset.get(i).anomalous()) {
                    if (positive[i]) {
                        defectiveFlagged++;
                    } else {
                        goodFlagged++;
                    }
                }
            }
            PixelMetrics.Result pr = e.getValue().compute(fprLimit);
            rows.add(new AccuracyCommand.Row(
                    type,
                    s.length,
                    defective,
                    pr.regions(),
                    Roc.auroc(s, positive),
                    pr.auroc(),
                    pr.auPro(),
                    goodFlagged,
                    defectiveFlagged,
                    StationThreshold.caught(s, positive)));
            imageRocs.put(type, Roc.curve(s, positive));
            pixelRocs.put(type, pr.roc());
            pros.put(type, pr.pro());
        }
        return new Result(fprLimit, rows, imageRocs, pixelRocs, pros);
    }
}
