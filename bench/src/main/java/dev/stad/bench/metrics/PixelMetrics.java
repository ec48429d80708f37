package dev.stad.bench.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pixel-level metrics over a set of test images, exact over every distinct score (no sampled
 * thresholds): the pixel ROC and the per-region overlap (PRO) curve of MVTec AD. Ground-truth
 * regions are the 8-connected components of the masks; PRO at a
 * threshold is the mean over all regions of the fraction of the region's pixels scored at or
 * above it; FPR is over all anomaly-free pixels, those of good images included. AU-PRO
 * integrates PRO over FPR from 0 to a limit (trapezoid, PRO interpolated at the limit) and
 * divides by the limit.
 *
 * <p>Pixels are added image by image, then {@link #compute} sorts them once (score and region
 * packed into one long), so tens of millions of pixels fit.
 */
public final class PixelMetrics {
    private long[] packed = new long[1 << 16];
    private int count;
    private final List<Integer> regionSizes = new ArrayList<>(List.of(0)); // index 0: anomaly-free
    private long normal;

    /**
     * Adds one image.
     *
     * @param scores its anomaly map
     * @param regions per pixel 0 (anomaly-free) or its ground-truth region 1..n within this image
     * @param regionCount n
     */
    public void add(float[] scores, int[] regions, int regionCount) {
        if (scores.length != regions.length) {
            throw new IllegalArgumentException(scores.length + " scores but " + regions.length + " labels");
        }
        int base = regionSizes.size() - 1;
        int[] sizes = new int[regionCount + 1];
        for (int r : regions) {
            if (r < 0 || r > regionCount) {
                throw new IllegalArgumentException("region label " + r + " outside 0.." + regionCount);
            }
            sizes[r]++;
        }
        for (int r = 1; r <= regionCount; r++) {
            regionSizes.add(sizes[r]);
        }
        normal += sizes[0];
        if (count + scores.length > packed.length) {
            packed = Arrays.copyOf(packed, Math.max(count + scores.length, packed.length * 2));
        }
        for (int i = 0; i < scores.length; i++) {
            if (Float.isNaN(scores[i])) {
                throw new IllegalArgumentException("NaN in an anomaly map");
            }
            int global = regions[i] == 0 ? 0 : base + regions[i];
            packed[count++] = ((long) sortable(scores[i]) << 32) | (global & 0xffffffffL);
        }
    }

    /** Float bits as an int whose signed order is the floats' order. */
    private static int sortable(float f) {
        int bits = Float.floatToIntBits(f == 0f ? 0f : f); // -0 == +0
        return bits < 0 ? bits ^ 0x7fffffff : bits;
    }

    /**
     * The metrics.
     *
     * @param auroc pixel AUROC (anomalous pixels positive)
     * @param auPro AU-PRO up to {@code fprLimit}, normalised by it
     * @param roc pixel ROC curve (thinned for plotting, at most about 2,000 points)
     * @param pro PRO curve up to FPR 1 (thinned likewise)
     * @param regions number of ground-truth regions
     */
    public record Result(double auroc, double auPro, double fprLimit, Curve roc, Curve pro, int regions) {}

    public Result compute(double fprLimit) {
        long[] v = Arrays.copyOf(packed, count);
        Arrays.parallelSort(v); // score order in the high half, region in the low half
        int regions = regionSizes.size() - 1;
        long anomalous = count - normal;
        double[] inv = new double[regions + 1];
        for (int r = 1; r <= regions; r++) {
            inv[r] = 1.0 / regionSizes.get(r);
        }
        Thinner roc = new Thinner();
        Thinner pro = new Thinner();
        roc.add(0, 0, true);
        pro.add(0, 0, true);
        long fp = 0;
        long tp = 0;
        double proSum = 0;
        double rocArea = 0;
        double proArea = 0;
        double lastFpr = 0;
        double lastTpr = 0;
        double lastPro = 0;
        boolean limitDone = false;
        for (int i = count - 1; i >= 0; ) {
            long key = v[i] >>> 32;
            while (i >= 0 && (v[i] >>> 32) == key) {
                int region = (int) v[i];
                if (region == 0) {
                    fp++;
                } else {
                    tp++;
                    proSum += inv[region];
                }
                i--;
            }
            double fpr = normal == 0 ? 0 : (double) fp / normal;
            double tpr = anomalous == 0 ? 0 : (double) tp / anomalous;
            double proNow = regions == 0 ? 0 : proSum / regions;
            rocArea += (fpr - lastFpr) * (tpr + lastTpr) / 2;
            if (!limitDone) {
                if (fpr <= fprLimit) {
                    proArea += (fpr - lastFpr) * (proNow + lastPro) / 2;
                } else {
                    double atLimit = lastPro + (fprLimit - lastFpr) * (proNow - lastPro) / (fpr - lastFpr);
                    proArea += (fprLimit - lastFpr) * (atLimit + lastPro) / 2;
                    limitDone = true;
                }
            }
            roc.add(fpr, tpr, i < 0);
            pro.add(fpr, proNow, i < 0);
            lastFpr = fpr;
            lastTpr = tpr;
            lastPro = proNow;
        }
        double auroc = normal == 0 || anomalous == 0 ? Double.NaN : rocArea;
        double auPro = normal == 0 || regions == 0 ? Double.NaN : proArea / fprLimit;
        return new Result(auroc, auPro, fprLimit, roc.curve(), pro.curve(), regions);
    }

    /** Keeps a point whenever x or y moved by 1/2000 of the range since the last kept one. */
    private static final class Thinner {
        private final List<double[]> pts = new ArrayList<>();

        void add(double x, double y, boolean force) {
            if (!force && !pts.isEmpty()) {
                double[] last = pts.get(pts.size() - 1);
                if (Math.abs(x - last[0]) < 5e-4 && Math.abs(y - last[1]) < 5e-4) {
                    return;
                }
            }
            pts.add(new double[] {x, y});
        }

        Curve curve() {
            return Curve.of(pts);
        }
    }
}
