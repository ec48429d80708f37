package dev.stad.trainer.data;

import java.util.SplittableRandom;

/** Irregular defect regions for the image generators (the synthetic set, the real-photo set). */
public final class Blobs {
    private Blobs() {}

    /**
     * Pixels of an {@code n x n} image (row-major) on a thin curved line: a quadratic Bezier
     * stroke 0.25 to 0.6 {@code n} long, centred in the middle half of the image, bent by up to a
     * quarter of its length, 1 or 2 px wide; every pixel within half the width of the curve.
     */
    public static boolean[] scratch(SplittableRandom rnd, int n) {
        double len = rnd.nextDouble(0.25, 0.6) * n;
        double ang = rnd.nextDouble(0, Math.PI);
        double cx = rnd.nextDouble(0.25, 0.75) * n;
        double cy = rnd.nextDouble(0.25, 0.75) * n;
        double ax = cx - Math.cos(ang) * len / 2;
        double ay = cy - Math.sin(ang) * len / 2;
        double bx = cx + Math.cos(ang) * len / 2;
        double by = cy + Math.sin(ang) * len / 2;
        double bend = rnd.nextDouble(-0.25, 0.25) * len;
        double px = cx - Math.sin(ang) * bend;
        double py = cy + Math.cos(ang) * bend;
        double halfWidth = rnd.nextBoolean() ? 0.5 : 1.0;
        boolean[] mask = new boolean[n * n];
        int steps = (int) Math.ceil(len * 4);
        for (int i = 0; i <= steps; i++) {
            double t = (double) i / steps;
            double x = (1 - t) * (1 - t) * ax + 2 * (1 - t) * t * px + t * t * bx;
            double y = (1 - t) * (1 - t) * ay + 2 * (1 - t) * t * py + t * t * by;
            for (int yy = (int) Math.floor(y - 1.5); yy <= (int) Math.ceil(y + 1.5); yy++) {
                for (int xx = (int) Math.floor(x - 1.5); xx <= (int) Math.ceil(x + 1.5); xx++) {
                    if (xx >= 0 && yy >= 0 && xx < n && yy < n && Math.hypot(xx - x, yy - y) <= halfWidth + 0.25) {
                        mask[yy * n + xx] = true;
                    }
                }
            }
        }
        return mask;
    }

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
