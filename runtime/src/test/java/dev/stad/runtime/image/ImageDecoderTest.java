package dev.stad.runtime.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
    @TempDir
    Path dir;

    private Path write(BufferedImage img, String name) throws IOException {
        Path f = dir.resolve(name);
        assertTrue(ImageIO.write(img, "png", f.toFile()));
        return f;
    }

    @Test
    void rgbPngKeepsChannelOrderAndScalesTo01() throws IOException {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_3BYTE_BGR);
        img.getRaster().setPixel(0, 0, new int[] {255, 0, 51});
        img.getRaster().setPixel(1, 0, new int[] {0, 102, 255});
        FloatImage f = ImageDecoder.read(write(img, "rgb.png"));
        assertEquals(3, f.channels());
        assertArrayEquals(new float[] {1f, 0f, 0f, 0.4f, 0.2f, 1f}, f.data(), 1e-6f);
    }

    @Test
    void sixteenBitGreyKeepsFullPrecision() throws IOException {
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        WritableRaster r = img.getRaster();
        r.setSample(0, 0, 0, 1000);
        r.setSample(1, 0, 0, 1001);
        r.setSample(2, 0, 0, 65535);
        FloatImage f = ImageDecoder.read(write(img, "grey16.png"));
        assertEquals(1, f.channels());
        // 1000 and 1001 would collapse into one 8-bit value through getRGB().
        assertEquals(1000 / 65535f, f.data()[0], 1e-9f);
        assertEquals(1001 / 65535f, f.data()[1], 1e-9f);
        assertEquals(1f, f.data()[2], 0f);
    }

    @Test
    void eightBitGreyIsReadWithoutColourConversion() throws IOException {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(0, 0, 0, 128);
        FloatImage f = ImageDecoder.read(write(img, "grey8.png"));
        // getRGB() would apply the grey colour space's gamma and return another value.
        assertEquals(128 / 255f, f.data()[0], 1e-7f);
    }

    @Test
    void rgbaDropsAlphaAndKeepsTheStoredColour() throws IOException {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_4BYTE_ABGR);
        img.getRaster().setPixel(0, 0, new int[] {10, 20, 30, 0});
        FloatImage f = ImageDecoder.read(write(img, "rgba.png"));
        assertEquals(3, f.channels());
        assertArrayEquals(new float[] {10 / 255f, 20 / 255f, 30 / 255f}, f.data(), 1e-7f);
    }

    @Test
    void paletteImagesAreMappedThroughThePalette() throws IOException {
        byte[] red = {0, (byte) 200};
        byte[] green = {0, 100};
        byte[] blue = {0, 50};
        IndexColorModel cm = new IndexColorModel(1, 2, red, green, blue);
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY, cm);
        img.getRaster().setSample(1, 0, 0, 1);
        FloatImage f = ImageDecoder.read(write(img, "palette.png"));
        assertEquals(3, f.channels());
        assertArrayEquals(new float[] {0f, 200 / 255f, 0f, 100 / 255f, 0f, 50 / 255f}, f.data(), 1e-6f);
    }

    @Test
    void emptyFileIsReportedWithItsName() throws IOException {
        Path f = Files.createFile(dir.resolve("empty.png"));
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageDecoder.read(f));
        assertTrue(e.getMessage().contains("empty.png") && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void truncatedPngIsReportedWithItsName() throws IOException {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
        for (int i = 0; i < 64; i++) {
            img.getRaster().setPixel(i, i, new int[] {i, 2 * i, 3 * i});
        }
        Path full = write(img, "full.png");
        byte[] bytes = Files.readAllBytes(full);
        Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(bytes, bytes.length / 2));
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageDecoder.read(cut));
        assertTrue(e.getMessage().contains("cut.png"), e.getMessage());
    }

    @Test
    void nonImageFileIsReportedWithItsName() throws IOException {
        Path f = Files.writeString(dir.resolve("notes.png"), "this is text, not a picture");
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageDecoder.read(f));
        assertTrue(
                e.getMessage().contains("notes.png") && e.getMessage().contains("not a readable image"),
                e.getMessage());
    }

    @Test
    void missingFileIsNoSuchFile() {
        assertThrows(NoSuchFileException.class, () -> ImageDecoder.read(dir.resolve("nope.png")));
    }

    /** A real PNG whose header is rewritten to promise {@code width x height} pixels (CRC fixed). */
    private Path bomb(int width, int height) throws IOException {
        Path f = write(new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR), "bomb.png");
        byte[] b = Files.readAllBytes(f);
        // Signature (8), IHDR length (4), "IHDR" (4), then width and height, big-endian.
        java.nio.ByteBuffer.wrap(b, 16, 8).putInt(width).putInt(height);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b, 12, 4 + 13);
        java.nio.ByteBuffer.wrap(b, 29, 4).putInt((int) crc.getValue());
        return Files.write(f, b);
    }

    @Test
    void headerPromisingMoreThanTheLimitIsRefusedBeforeDecoding() throws IOException {
        Path f = bomb(30000, 30000);
        assertTrue(Files.size(f) < 1000);
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageDecoder.read(f));
        assertEquals(
                f + ": image is 30000x30000 pixels (900.0 MP), more than the limit of 100.0 MP; refused before"
                        + " decoding (raise it with -Dstad.image.maxPixels=PIXELS if it is real)",
                e.getMessage());
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertTrue(after - before < 200L << 20, "the refusal allocated " + ((after - before) >> 20) + " MB");
        // A lower limit of the caller's own applies the same way.
        ImageFormatException small = assertThrows(ImageFormatException.class, () -> ImageDecoder.read(bomb(9, 9), 80));
        assertTrue(small.getMessage().contains("image is 9x9 pixels"), small.getMessage());
    }

    @Test
    void bytesInMemoryDecodeAsTheirFileDoesAndAreRefusedTheSameWay() throws IOException {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_3BYTE_BGR);
        img.getRaster().setPixel(2, 1, new int[] {255, 128, 0});
        Path f = write(img, "part.png");
        FloatImage fromFile = ImageDecoder.read(f);
        FloatImage fromBytes = ImageDecoder.decode(Files.readAllBytes(f), "request body", 100);
        assertEquals(fromFile.channels(), fromBytes.channels());
        assertArrayEquals(fromFile.data(), fromBytes.data());

        ImageTooLargeException large = assertThrows(
                ImageTooLargeException.class, () -> ImageDecoder.decode(Files.readAllBytes(bomb(30, 30)), "body", 800));
        assertEquals(
                "body: image is 30x30 pixels (0.0 MP), more than the limit of 0.0 MP; refused before decoding",
                large.getMessage());
        assertTrue(large.file() == null);
        ImageFormatException empty =
                assertThrows(ImageFormatException.class, () -> ImageDecoder.decode(new byte[0], "body", 100));
        assertEquals("body: empty (0 bytes)", empty.getMessage());
        ImageFormatException text =
                assertThrows(ImageFormatException.class, () -> ImageDecoder.decode("hello".getBytes(), "body", 100));
        assertTrue(text.getMessage().startsWith("body: not a readable image format"), text.getMessage());
        byte[] png = Files.readAllBytes(f);
        ImageFormatException cut = assertThrows(
                ImageFormatException.class,
                () -> ImageDecoder.decode(java.util.Arrays.copyOf(png, png.length / 2), "body", 100));
        assertTrue(cut.getMessage().startsWith("body: cannot decode image"), cut.getMessage());
    }

    @Test
    void imageWithinTheLimitButShorterThanItsHeaderIsATruncationNotACrash() throws IOException {
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageDecoder.read(bomb(4000, 4000)));
        assertTrue(e.getMessage().contains("cannot decode image"), e.getMessage());
    }

    @Test
    void badPixelLimitPropertyIsNamed() {
        String old = System.getProperty(ImageDecoder.MAX_PIXELS_PROPERTY);
        try {
            System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "lots");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ImageDecoder::maxPixels);
            assertTrue(e.getMessage().contains("stad.image.maxPixels must be a positive number"), e.getMessage());
            System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "2000000");
            assertEquals(2_000_000L, ImageDecoder.maxPixels());
        } finally {
            if (old == null) {
                System.clearProperty(ImageDecoder.MAX_PIXELS_PROPERTY);
            } else {
                System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, old);
            }
        }
    }
}
