package dev.stad.runtime.output;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stad.runtime.image.FloatImage;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FloatTiffTest {
    @TempDir
    Path dir;

    /** What MVTec's evaluation does with our maps: read one float sample per pixel. */
    static float[] readBack(Path file) throws Exception {
        BufferedImage img = ImageIO.read(file.toFile());
        Raster r = img.getRaster();
        assertEquals(1, r.getNumBands(), "one channel");
        assertEquals(DataBuffer.TYPE_FLOAT, r.getDataBuffer().getDataType(), "32-bit float samples");
        return r.getSamples(0, 0, r.getWidth(), r.getHeight(), 0, new float[r.getWidth() * r.getHeight()]);
    }

    @Test
    void mapsRoundTripBitForBitAsOneChannelFloat() throws Exception {
        Random rnd = new Random(3);
        float[] d = new float[37 * 23];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rnd.nextGaussian() * 1e3);
        }
        d[0] = -0f;
        d[1] = Float.MIN_VALUE;
        d[2] = 3.4e38f;
        Path f = dir.resolve("a/b/000.tiff");
        FloatTiff.write(new FloatImage(1, 23, 37, d), f);
        BufferedImage img = ImageIO.read(f.toFile());
        assertEquals(37, img.getWidth());
        assertEquals(23, img.getHeight());
        assertArrayEquals(d, readBack(f));
    }
}
