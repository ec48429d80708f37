package dev.stad.runtime.output;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Pictures of anomaly maps for people. The colour scale is fixed per model, not per image, so
 * pictures compare across images: {@code 0} (a typical good pixel) is black, the threshold is the
 * middle of the scale (red), twice the threshold and above is white-yellow.
 */
public final class Heatmaps {
    /** Contour colour of regions above the threshold in overlays: pure green, absent from the scale. */
    public static final int CONTOUR_RGB = 0x00ff00;

    // Anchors of an "inferno"-like scale: black, purple, red, orange, pale yellow.
    private static final float[][] SCALE = {{0, 0, 4}, {87, 16, 110}, {188, 55, 84}, {249, 142, 9}, {252, 255, 164}};

    private Heatmaps() {}

    /** The value shown as the top of the scale: twice the threshold, or 1 if the threshold is not positive. */
    public static double top(double threshold) {
        return threshold > 0 ? 2 * threshold : 1;
    }

    /** RGB colour of {@code value} on the scale {@code [0, top]} (clamped). */
    public static int colour(double value, double top) {
        double t = Double.isNaN(value) ? 0 : Math.max(0, Math.min(1, value / top));
        double pos = t * (SCALE.length - 1);
        int i = Math.min(SCALE.length - 2, (int) pos);
        double f = pos - i;
        int rgb = 0;
        for (int c = 0; c < 3; c++) {
            int v = (int) Math.round(SCALE[i][c] + f * (SCALE[i + 1][c] - SCALE[i][c]));
            rgb = (rgb << 8) | v;
        }
        return rgb;
    }

    /** The map in colour. */
    public static BufferedImage heatmap(FloatImage map, double threshold) {
        requireOneChannel(map);
        double top = top(threshold);
        BufferedImage out = new BufferedImage(map.width(), map.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < map.height(); y++) {
            for (int x = 0; x < map.width(); x++) {
                out.setRGB(x, y, colour(map.get(0, y, x), top));
            }
        }
        return out;
    }

    /**
     * The image with the heatmap blended over it, more opaque where the map is higher, and the
     * outline of every area above the threshold in {@link #CONTOUR_RGB}.
     *
     * @param image the scored image, values in [0, 1], 1 or 3 channels, the map's size
     */
    public static BufferedImage overlay(FloatImage image, FloatImage map, double threshold) {
        requireOneChannel(map);
        if (image.height() != map.height() || image.width() != map.width()) {
            throw new IllegalArgumentException("image " + image + " and map " + map + " differ in size");
        }
        double top = top(threshold);
        int h = map.height();
        int w = map.width();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = map.get(0, y, x);
                double alpha = 0.6 * Math.max(0, Math.min(1, v / top));
                int heat = colour(v, top);
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    double base = image.get(image.channels() == 3 ? c : 0, y, x) * 255.0;
                    double hv = (heat >> (16 - 8 * c)) & 0xff;
                    int mixed = (int) Math.round(Math.max(0, Math.min(255, (1 - alpha) * base + alpha * hv)));
                    rgb = (rgb << 8) | mixed;
                }
                out.setRGB(x, y, rgb);
            }
        }
        outline(out, map, threshold, CONTOUR_RGB);
        return out;
    }

    /**
     * Paints the outline of every area of {@code map} above {@code threshold} onto {@code picture}
     * in {@code rgb}: the area's pixels with a 4-neighbour outside it, or on the image border.
     * Also draws ground-truth outlines (a mask above 0.5).
     */
    public static void outline(BufferedImage picture, FloatImage map, double threshold, int rgb) {
        requireOneChannel(map);
        for (int y = 0; y < map.height(); y++) {
            for (int x = 0; x < map.width(); x++) {
                if (above(map, x, y, threshold) && onEdge(map, x, y, threshold)) {
                    picture.setRGB(x, y, rgb);
                }
            }
        }
    }

    /** A picture's PNG bytes, for a picture sent rather than saved. */
    public static byte[] pngBytes(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // In memory: ImageIO's default stream would go through a temporary file.
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            if (!ImageIO.write(image, "png", stream)) {
                throw new IOException("this JVM has no PNG writer");
            }
        }
        return out.toByteArray();
    }

    /** Writes a picture as PNG, atomically. */
    public static void writePng(BufferedImage image, Path file) throws IOException {
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException(file + ": this JVM has no PNG writer");
            }
        });
    }

    private static boolean above(FloatImage map, int x, int y, double threshold) {
        return map.get(0, y, x) > threshold;
    }

    /** A pixel above the threshold with a 4-neighbour that is not, or on the image border. */
    private static boolean onEdge(FloatImage map, int x, int y, double threshold) {
        if (x == 0 || y == 0 || x == map.width() - 1 || y == map.height() - 1) {
            return true;
        }
        return !above(map, x - 1, y, threshold)
                || !above(map, x + 1, y, threshold)
                || !above(map, x, y - 1, threshold)
                || !above(map, x, y + 1, threshold);
    }

    private static void requireOneChannel(FloatImage map) {
        if (map.channels() != 1) {
            throw new IllegalArgumentException("expected a one-channel map, found " + map.channels() + " channels");
        }
    }
}
