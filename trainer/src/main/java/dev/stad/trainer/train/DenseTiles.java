package dev.stad.trainer.train;

import dev.stad.runtime.image.FloatImage;
import java.util.ArrayList;
import java.util.List;

/**
 * The descriptor grid of a large image cut into tiles, so that a dense network runs over a
 * full-size camera image with the memory of one tile. Exact: the networks are valid
 * convolutions, so the descriptors of a tile are those of its input window (the tile plus the
 * receptive field less one pixel) and nothing else. An image whose grid fits one tile (every
 * input up to {@link #TILE} plus the receptive field less one pixel per side, so the default and
 * the 256-pixel configs) is computed whole, as before tiles existed.
 */
final class DenseTiles {
    private DenseTiles() {}

    /**
     * Descriptors per side computed at once: a window of about 300 x 300 pixels, whose widest
     * activation (256 channels) takes about 100 MB in libtorch. Even, so that every tile starts on
     * the Gaussian's sampling grid ({@link Calibrator#GAUSSIAN_STRIDE}).
     */
    static final int TILE = 256;

    /** A tile of the descriptor grid: its first row and column and its size. */
    record Tile(int y, int x, int height, int width) {
        /** The input window whose valid descriptors are this tile's. */
        FloatImage window(FloatImage image, int receptiveField) {
            return image.crop(y, x, height + receptiveField - 1, width + receptiveField - 1);
        }
    }

    /** The tiles of a {@code height x width} descriptor grid, {@code tile} per side at most, row by row. */
    static List<Tile> of(int height, int width, int tile) {
        if (height < 1 || width < 1 || tile < 1) {
            throw new IllegalArgumentException("a " + height + "x" + width + " grid in tiles of " + tile);
        }
        List<Tile> out = new ArrayList<>();
        for (int y = 0; y < height; y += tile) {
            for (int x = 0; x < width; x += tile) {
                out.add(new Tile(y, x, Math.min(tile, height - y), Math.min(tile, width - x)));
            }
        }
        return out;
    }

    /** Copies a tile's {@code [C, tile.height, tile.width]} values into a row-major {@code [C, height, width]} map. */
    static void paste(float[] part, Tile t, float[] map, int channels, int height, int width) {
        for (int c = 0; c < channels; c++) {
            for (int r = 0; r < t.height(); r++) {
                System.arraycopy(
                        part,
                        (c * t.height() + r) * t.width(),
                        map,
                        (c * height + t.y() + r) * width + t.x(),
                        t.width());
            }
        }
    }
}
