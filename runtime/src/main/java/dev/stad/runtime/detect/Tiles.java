package dev.stad.runtime.detect;

import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;

/**
 * Runs a detector graph over a large image tile by tile, so memory stays that of one tile.
 * Exact because the dense networks have no strides (pools run at stride 1, later layers
 * dilated): a map pixel depends only on the receptive field around it. Each tile is cut with a
 * halo of the largest padding any scale needs; the graph zero-pads the cut, and only the tile's
 * own pixels, which saw their full neighbourhood (or the image border, zero-padded as in the
 * whole image), are kept. The halo costs extra computation: {@code ((t + halo) / t)^2}.
 */
public final class Tiles {
    private Tiles() {
    }

    /** The padding before and after, over all scales of a bundle: the halo a tile needs. */
    public static int[] halo(BundleManifest manifest) {
        int before = 0;
        int after = 0;
        for (BundleManifest.Scale s : manifest.scales()) {
            before = Math.max(before, s.padding().before());
            after = Math.max(after, s.padding().after());
        }
        return new int[] {before, after};
    }

    /**
     * The graph's one-channel output for {@code input}, computed in tiles of at most
     * {@code tile x tile} map pixels ({@code tile <= 0}: the whole image at once).
     */
    public static FloatImage run(GraphSession session, String output, FloatImage input, int tile, int before, int after)
            throws EngineException {
        int h = input.height();
        int w = input.width();
        if (tile <= 0 || (h <= tile && w <= tile)) {
            return session.run(input).get(output);
        }
        float[] map = new float[h * w];
        for (int y0 = 0; y0 < h; y0 += tile) {
            int y1 = Math.min(h, y0 + tile);
            int cy0 = Math.max(0, y0 - before);
            int cy1 = Math.min(h, y1 + after);
            for (int x0 = 0; x0 < w; x0 += tile) {
                int x1 = Math.min(w, x0 + tile);
                int cx0 = Math.max(0, x0 - before);
                int cx1 = Math.min(w, x1 + after);
                FloatImage part = session.run(input.crop(cy0, cx0, cy1 - cy0, cx1 - cx0)).get(output);
                if (part.channels() != 1 || part.height() != cy1 - cy0 || part.width() != cx1 - cx0) {
                    throw new EngineException("tile output " + part + " does not match its input "
                            + (cy1 - cy0) + "x" + (cx1 - cx0));
                }
                for (int y = y0; y < y1; y++) {
                    System.arraycopy(part.data(), (y - cy0) * part.width() + (x0 - cx0), map, y * w + x0, x1 - x0);
                }
            }
        }
        return new FloatImage(1, h, w, map);
    }
}
