package dev.stad.runtime.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Reads images into values in [0, 1] straight from the raster, never through {@code getRGB()},
 * which drops 16-bit precision and colour-converts grey images. Grey, grey+alpha, RGB and RGBA
 * with 1 to 16 bits per sample and palette images are accepted; alpha is dropped (inspection
 * images are opaque; a transparent pixel keeps the colour stored under it).
 */
public final class ImageDecoder {

    /** File extensions treated as images when a folder is listed. */
    public static final Set<String> IMAGE_EXTENSIONS =
            Set.of("png", "jpg", "jpeg", "bmp", "tif", "tiff", "gif", "pgm", "ppm");

    /**
     * Default largest image, in pixels, that {@link #read(Path)} decodes: 100 megapixels, above
     * today's inspection cameras; its floats alone take 1.2 GB. The system property
     * {@value #MAX_PIXELS_PROPERTY} changes it for the process.
     */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;
    /** System property overriding {@link #DEFAULT_MAX_PIXELS}. */
    public static final String MAX_PIXELS_PROPERTY = "stad.image.maxPixels";
    /** The most values one image can hold: a Java array's limit. */
    private static final long MAX_VALUES = Integer.MAX_VALUE - 8;

    private ImageDecoder() {}

    /** The pixel limit {@link #read(Path)} applies: the system property's, else the default. */
    public static long maxPixels() {
        String v = System.getProperty(MAX_PIXELS_PROPERTY);
        if (v == null || v.isBlank()) {
            return DEFAULT_MAX_PIXELS;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(
                "system property " + MAX_PIXELS_PROPERTY + " must be a positive number of pixels, found '" + v + "'");
    }

    /** Whether a file name has one of {@link #IMAGE_EXTENSIONS}. */
    public static boolean isImageFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1));
    }

    /**
     * Decodes {@code file} into a 1-channel (grey) or 3-channel (colour) image in [0, 1].
     *
     * @throws NoSuchFileException if the file does not exist
     * @throws ImageFormatException if it exists but is empty, truncated or not a supported image
     */
    public static FloatImage read(Path file) throws IOException {
        return read(file, maxPixels());
    }

    /**
     * {@link #read(Path)} with a limit: an image whose header promises more than {@code maxPixels}
     * pixels is refused from its header, before any pixel memory is allocated (a small file can
     * promise gigabytes: a decompression bomb).
     *
     * @throws ImageTooLargeException when the image is larger than {@code maxPixels}
     */
    public static FloatImage read(Path file, long maxPixels) throws IOException {
        Objects.requireNonNull(file, "file must not be null");
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1, found " + maxPixels);
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "not a regular file");
        }
        if (Files.size(file) == 0) {
            throw new ImageFormatException(file, "file is empty (0 bytes)");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return decode(in, maxPixels, new Source(file, null));
        }
    }

    /**
     * Decodes an image held in memory (a request body), with the same limit and errors as {@link
     * #read(Path, long)}; {@code where} names it in messages.
     *
     * @throws ImageFormatException if the bytes are empty, truncated, not a supported image, or
     *     larger than {@code maxPixels}
     */
    public static FloatImage decode(byte[] bytes, String where, long maxPixels) throws ImageFormatException {
        Objects.requireNonNull(bytes, "bytes must not be null");
        Objects.requireNonNull(where, "where must not be null");
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1, found " + maxPixels);
        }
        if (bytes.length == 0) {
            throw new ImageFormatException(where, "empty (0 bytes)");
        }
        // In memory: ImageIO's default stream would copy every body to a temporary file.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            return decode(in, maxPixels, new Source(null, where));
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException e) {
            ImageFormatException f = new ImageFormatException(where, "cannot read (" + e.getMessage() + ")");
            f.initCause(e);
            throw f;
        }
    }

    /** Where an image comes from: a file, or a named thing in memory; errors name it. */
    private record Source(Path file, String name) {
        ImageFormatException of(String problem, Throwable cause) {
            if (file != null) {
                return new ImageFormatException(file, problem, cause);
            }
            ImageFormatException e = new ImageFormatException(name, problem);
            if (cause != null) {
                e.initCause(cause);
            }
            return e;
        }

        ImageFormatException tooLarge(String problem) {
            return file != null ? new ImageTooLargeException(file, problem) : new ImageTooLargeException(name, problem);
        }
    }

    private static FloatImage decode(ImageInputStream in, long maxPixels, Source problem) throws ImageFormatException {
        BufferedImage image;
        try {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                image = null;
            } else {
                ImageReader reader = readers.next();
                try {
                    reader.setInput(in, true, true);
                    long w = reader.getWidth(0);
                    long h = reader.getHeight(0);
                    if (w < 1 || h < 1) {
                        throw problem.of("header gives a size of " + w + "x" + h + " pixels", null);
                    }
                    if (w * h > maxPixels) {
                        throw problem.tooLarge(String.format(
                                Locale.ROOT,
                                "image is %dx%d pixels (%.1f MP), more than the limit of %.1f MP; refused"
                                        + " before decoding%s",
                                w,
                                h,
                                w * h / 1e6,
                                maxPixels / 1e6,
                                // A file's limit is the property's; an image in memory has its caller's.
                                problem.file() != null
                                        ? " (raise it with -D" + MAX_PIXELS_PROPERTY + "=PIXELS if it is real)"
                                        : ""));
                    }
                    image = reader.read(0);
                } finally {
                    reader.dispose();
                }
            }
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO reports truncation as IIOException, EOFException or even IndexOutOfBounds.
            throw problem.of("cannot decode image (truncated or corrupt?): " + e.getMessage(), e);
        }
        if (image == null) {
            throw problem.of(
                    "not a readable image format (supported: " + String.join(", ", ImageIO.getReaderFileSuffixes())
                            + ")",
                    null);
        }
        try {
            return toFloat(image);
        } catch (IllegalArgumentException e) {
            throw problem.of(e.getMessage(), e);
        }
    }

    /** Converts a decoded image by its raster; see the class comment for what is accepted. */
    public static FloatImage toFloat(BufferedImage image) {
        Objects.requireNonNull(image, "image must not be null");
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        int w = raster.getWidth();
        int h = raster.getHeight();
        if (cm instanceof IndexColorModel icm) {
            return fromPalette(raster, icm, w, h);
        }
        int colour = cm.getNumColorComponents();
        if (colour != 1 && colour != 3) {
            throw new IllegalArgumentException("unsupported colour space with " + colour
                    + " colour components (expected grey or RGB; CMYK and others are not supported)");
        }
        if (raster.getNumBands() < colour) {
            throw new IllegalArgumentException(
                    "raster has " + raster.getNumBands() + " bands for " + colour + " colour components");
        }
        requireArraySize(colour, h, w);
        float[] out = new float[colour * h * w];
        int[] row = new int[w];
        for (int c = 0; c < colour; c++) {
            int bits = raster.getSampleModel().getSampleSize(c);
            if (bits < 1 || bits > 16) {
                throw new IllegalArgumentException("unsupported sample size of " + bits + " bits (expected 1 to 16)");
            }
            float scale = 1f / ((1 << bits) - 1);
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, c, row);
                int base = (c * h + y) * w;
                for (int x = 0; x < w; x++) {
                    out[base + x] = row[x] * scale;
                }
            }
        }
        return new FloatImage(colour, h, w, out);
    }

    /** Refuses an image whose values do not fit one Java array, instead of overflowing the size. */
    private static void requireArraySize(int channels, int h, int w) {
        long n = (long) channels * h * w;
        if (n > MAX_VALUES) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "image is %dx%d pixels with %d channels: %d values, more than one image can hold (%d)",
                    w,
                    h,
                    channels,
                    n,
                    MAX_VALUES));
        }
    }

    private static FloatImage fromPalette(Raster raster, IndexColorModel icm, int w, int h) {
        boolean grey = true;
        for (int i = 0; i < icm.getMapSize() && grey; i++) {
            grey = icm.getRed(i) == icm.getGreen(i) && icm.getGreen(i) == icm.getBlue(i);
        }
        int channels = grey ? 1 : 3;
        requireArraySize(channels, h, w);
        float[] out = new float[channels * h * w];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                out[y * w + x] = icm.getRed(p) / 255f;
                if (!grey) {
                    out[(h + y) * w + x] = icm.getGreen(p) / 255f;
                    out[(2 * h + y) * w + x] = icm.getBlue(p) / 255f;
                }
            }
        }
        return new FloatImage(channels, h, w, out);
    }
}
