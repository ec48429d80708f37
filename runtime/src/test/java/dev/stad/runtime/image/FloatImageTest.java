package dev.stad.runtime.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class FloatImageTest {
    /** Pixel (c, y, x) holds 100c + 10y + x, so a window's values say where it was cut. */
    private static FloatImage numbered(int channels, int height, int width) {
        FloatImage img = FloatImage.zeros(channels, height, width);
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    img.set(c, y, x, 100 * c + 10 * y + x);
                }
            }
        }
        return img;
    }

    @Test
    void centreCropCutsTheMiddleSquareRoundedTowardTheTopLeftAndKeepsShortSidesWhole() {
        FloatImage img = numbered(2, 5, 8);
        FloatImage three = img.centreCrop(3);
        assertEquals(3, three.height());
        assertEquals(3, three.width());
        // Rows (5 - 3) / 2 = 1.., columns (8 - 3) / 2 = 2..
        assertEquals(112f, three.get(1, 0, 0));
        assertEquals(134f, three.get(1, 2, 2));
        FloatImage six = img.centreCrop(6);
        assertEquals(5, six.height(), "a side shorter than the crop is kept whole");
        assertEquals(6, six.width());
        assertEquals(1f, six.get(0, 0, 0));
        assertSame(img, img.centreCrop(8), "an image no larger than the crop is itself");
    }
}
