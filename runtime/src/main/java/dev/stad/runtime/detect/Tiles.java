package dev.stad.runtime.detect;

import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.NetworkSpec;

/**
 * Runs a detector graph over a large image tile by tile, so memory stays that of one tile.
 * Exact because the dense networks have no strides (pools run at stride 1, later layers
 * dilated): a map pixel depends only on the image within the combination's reach around it (the
 * widest scale margin plus the smoothing radius). Each tile is cut with that much of the image
 * around it, and only the tile's own pixels are kept. Where a cut meets the image border, the
 * graph sees the same border the whole image has, so the border bands come out as in the whole
 * image too. The halo costs extra computation: {@code ((t + reach) / t)^2}.
 */
public final class Tiles {
    private Tiles() {}

    /** Image pixels on each side of a map pixel that its value depends on. */
    public static NetworkSpec.Margin halo(BundleManifest manifest) {
        return manifest.combination().reach();
    }

    /** The smallest input side the detector graph accepts: the largest receptive field. */
    public static int minimumSide(BundleManifest manifest) {
        var levels = manifest.combination().levels();
        return levels.get(levels.size() - 1).margin().total() + 1;
    }

    /** A blank input the size of the first cut {@link #run} makes, to run a graph once before use. */
    public static FloatImage warmUpInput(BundleManifest manifest, int tile) {
        int h = manifest.preprocessing().height();
        int w = manifest.preprocessing().width();
        if (tile <= 0 || (h <= tile && w <= tile)) {
            return FloatImage.zeros(3, h, w);
        }
        NetworkSpec.Margin halo = halo(manifest);
        int side = minimumSide(manifest);
        int[] cy = cut(0, Math.min(h, tile), h, halo, side);
        int[] cx = cut(0, Math.min(w, tile), w, halo, side);
        return FloatImage.zeros(3, cy[1] - cy[0], cx[1] - cx[0]);
    }

    /**
     * The graph's one-channel output for {@code input}, computed in tiles of at most
     * {@code tile x tile} map pixels ({@code tile <= 0}: the whole image at once).
     *
     * @param halo what {@link #halo} gives for the bundle
     * @param minimumSide what {@link #minimumSide} gives: a cut is widened to at least this
     */
    public static FloatImage run(
            GraphSession session, String output, FloatImage input, int tile, NetworkSpec.Margin halo, int minimumSide)
            throws EngineException {
        int h = input.height();
        int w = input.width();
        if (tile <= 0 || (h <= tile && w <= tile)) {
            return session.run(input).get(output);
        }
        float[] map = new float[h * w];
        for (int y0 = 0; y0 < h; y0 += tile) {
            int y1 = Math.min(h, y0 + tile);
            int[] cy = cut(y0, y1, h, halo, minimumSide);
            for (int x0 = 0; x0 < w; x0 += tile) {
                int x1 = Math.min(w, x0 + tile);
                int[] cx = cut(x0, x1, w, halo, minimumSide);
                FloatImage part = session.run(input.crop(cy[0], cx[0], cy[1] - cy[0], cx[1] - cx[0]))
                        .get(output);
                if (part.channels() != 1 || part.height() != cy[1] - cy[0] || part.width() != cx[1] - cx[0]) {
                    throw new EngineException("tile output " + part + " does not match its input " + (cy[1] - cy[0])
                            + "x" + (cx[1] - cx[0]));
                }
                for (int y = y0; y < y1; y++) {
                    System.arraycopy(part.data(), (y - cy[0]) * part.width() + (x0 - cx[0]), map, y * w + x0, x1 - x0);
                }
            }
        }
        return new FloatImage(1, h, w, map);
    }

    /**
     * The span [from, to) of the image cut for the tile [t0, t1) along an axis of length n: the
     * tile plus the halo, clipped to the image, widened inward to {@code minimumSide} if short.
     */
    static int[] cut(int t0, int t1, int n, NetworkSpec.Margin halo, int minimumSide) {
        int from = Math.max(0, t0 - halo.before());
        int to = Math.min(n, t1 + halo.after());
        int need = Math.min(n, minimumSide) - (to - from);
        if (need > 0) {
            int down = Math.min(need, n - to);
            to += down;
            from -= need - down;
        }
        return new int[] {from, to};
    }
}
