package dev.stad.runtime.output;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.io.AtomicFiles;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BandedSampleModel;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferFloat;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * One-channel 32-bit float TIFF files, the format MVTec AD's evaluation reads anomaly maps from.
 * Written with the JDK's own TIFF writer, atomically.
 */
public final class FloatTiff {
    private FloatTiff() {}

    public static void write(FloatImage map, Path file) throws IOException {
        BufferedImage image = toImage(map);
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(image, "tiff", out)) {
                throw new IOException(file + ": this JVM has no TIFF writer");
            }
        });
    }

    /**
     * Reads a map this class wrote (or any one-channel 32-bit float TIFF).
     *
     * @throws IOException naming the file when it is not a TIFF or not one channel of floats
     */
    public static FloatImage read(Path file) throws IOException {
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": not a readable TIFF map (" + e.getMessage() + ")", e);
        }
        if (image == null) {
            throw new IOException(file + ": not a TIFF map (no image reader accepts it)");
        }
        Raster r = image.getRaster();
        if (r.getNumBands() != 1 || r.getDataBuffer().getDataType() != DataBuffer.TYPE_FLOAT) {
            throw new IOException(file + ": expected one channel of 32-bit floats, found " + r.getNumBands()
                    + " channel(s) of data type " + r.getDataBuffer().getDataType());
        }
        int w = r.getWidth();
        int h = r.getHeight();
        return new FloatImage(1, h, w, r.getSamples(0, 0, w, h, 0, new float[w * h]));
    }

    /** The TIFF file's bytes, for a map sent rather than saved. */
    public static byte[] bytes(FloatImage map) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // In memory: ImageIO's default stream would go through a temporary file.
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            if (!ImageIO.write(toImage(map), "tiff", stream)) {
                throw new IOException("this JVM has no TIFF writer");
            }
        }
        return out.toByteArray();
    }

    /** A one-channel map as a float grey image sharing its data. */
    static BufferedImage toImage(FloatImage map) {
        if (map.channels() != 1) {
            throw new IllegalArgumentException("expected a one-channel map, found " + map.channels() + " channels");
        }
        int w = map.width();
        int h = map.height();
        DataBufferFloat buffer = new DataBufferFloat(map.data(), map.data().length);
        WritableRaster raster =
                Raster.createWritableRaster(new BandedSampleModel(DataBuffer.TYPE_FLOAT, w, h, 1), buffer, null);
        ColorModel cm = new ComponentColorModel(
                ColorSpace.getInstance(ColorSpace.CS_GRAY), false, false, Transparency.OPAQUE, DataBuffer.TYPE_FLOAT);
        return new BufferedImage(cm, raster, false, null);
    }
}
