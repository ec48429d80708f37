package dev.stad.trainer.data;

import java.util.SplittableRandom;

/** Irregular defect regions for the image generators (the synthetic set, the real-photo set). */
public final class Blobs {
    private Blobs() {}

    /**
     * Pixels of an {@code n x n} image (row-major) inside a disc of radius about {@code r0}
     * centred on {@code (cx, cy)} whose radius wobbles with the angle (three harmonics drawn
     * from {@code rnd}).
     */
    public static boolean[] wobbly(SplittableRandom rnd, int n, double cx, double cy, double r0) {
        double[] harmonics = {rnd.nextDouble(0.05, 0.2), rnd.nextDouble(0.05, 0.15), rnd.nextDouble(0.0, 0.1)};
        double[] phases = {rnd.nextDouble(0, 6.3), rnd.nextDouble(0, 6.3), rnd.nextDouble(0, 6.3)};
        boolean[] region = new boolean[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double dx = x - cx;
                double dy = y - cy;
                double theta = Math.atan2(dy, dx);
                double r = r0;
                for (int k = 0; k < 3; k++) {
                    r *= 1 + harmonics[k] * Math.sin((k + 2) * theta + phases[k]);
                }
                region[y * n + x] = Math.hypot(dx, dy) <= r;
            }
        }
        return region;
    }
}
