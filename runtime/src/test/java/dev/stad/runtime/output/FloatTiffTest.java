package dev.stad.runtime.output;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.image.FloatImage;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.IOException;
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

    @Test
    void readGivesBackWhatWriteWroteAndRefusesOtherFilesByName() throws Exception {
        float[] d = {1.5f, -2f, 0f, 7e-8f, 3f, 1e30f};
        Path f = dir.resolve("m.tiff");
        FloatTiff.write(new FloatImage(1, 2, 3, d), f);
        FloatImage back = FloatTiff.read(f);
        assertEquals(3, back.width());
        assertEquals(2, back.height());
        assertArrayEquals(d, back.data());

        Path text = dir.resolve("not.tiff");
        java.nio.file.Files.writeString(text, "not an image");
        IOException e = assertThrows(IOException.class, () -> FloatTiff.read(text));
        assertTrue(e.getMessage().startsWith(text + ": not a"), e.getMessage());

        Path grey = dir.resolve("grey.tiff");
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), "tiff", grey.toFile());
        e = assertThrows(IOException.class, () -> FloatTiff.read(grey));
        assertTrue(e.getMessage().startsWith(grey + ": expected one channel of 32-bit floats"), e.getMessage());
    }
}
