package dev.stad.bench.oneclass;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file (the format of MNIST and Fashion-MNIST), plain or gzip-compressed (recognised by
 * its first bytes, not its name): unsigned bytes with 1 to 3 dimensions. Other element types
 * and truncated files are refused with the file named.
 *
 * @param dims sizes of the dimensions, e.g. {@code [60000, 28, 28]} for images or {@code [60000]} for labels
 * @param data the elements, last dimension fastest
 */
public record IdxFile(int[] dims, byte[] data) {
    private static final int UNSIGNED_BYTE = 0x08;

    public static IdxFile read(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw) : raw;
            DataInputStream din = new DataInputStream(in);
            int magic;
            try {
                magic = din.readInt();
            } catch (EOFException e) {
                throw new IOException(file + ": not an IDX file (shorter than its 4-byte header)");
            }
            if ((magic >>> 16) != 0) {
                throw new IOException(
                        file + String.format(": not an IDX file (magic 0x%08x; expected 0x0000TTNN)", magic));
            }
            int type = (magic >>> 8) & 0xff;
            int ndim = magic & 0xff;
            if (type != UNSIGNED_BYTE) {
                throw new IOException(file
                        + String.format(
                                ": IDX element type 0x%02x is not supported (only unsigned" + " bytes, 0x08)", type));
            }
            if (ndim < 1 || ndim > 3) {
                throw new IOException(file + ": IDX file with " + ndim + " dimensions (expected 1 to 3)");
            }
            int[] dims = new int[ndim];
            long n = 1;
            for (int i = 0; i < ndim; i++) {
                dims[i] = din.readInt();
                if (dims[i] < 0) {
                    throw new IOException(file + ": negative dimension " + dims[i]);
                }
                n *= dims[i];
                // Checked per dimension: three dimensions of up to 2^31 each would overflow a long.
                if (n > Integer.MAX_VALUE - 8) {
                    throw new IOException(file + ": dimensions " + Arrays.toString(Arrays.copyOf(dims, i + 1))
                            + "... make more elements than an IDX file here may hold");
                }
            }
            // Read what is there, growing as it arrives: a header may promise gigabytes that a
            // small (or gzip-bombed) file does not hold.
            byte[] data = din.readNBytes((int) n);
            int got = data.length;
            if (got != n) {
                throw new IOException(file + ": truncated: header " + Arrays.toString(dims) + " needs " + n
                        + " bytes of data, the file has " + got);
            }
            return new IdxFile(dims, data);
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + ": corrupt gzip data (" + e.getMessage() + ")", e);
        }
    }

    /** Number of items (the first dimension). */
    public int count() {
        return dims[0];
    }

    /** Item {@code i} of a 3-D file as a grey image in [0, 1]. */
    public dev.stad.runtime.image.FloatImage image(int i) {
        if (dims.length != 3) {
            throw new IllegalStateException("not an image file: dimensions " + Arrays.toString(dims));
        }
        int h = dims[1];
        int w = dims[2];
        float[] out = new float[h * w];
        for (int k = 0; k < out.length; k++) {
            out[k] = (data[i * h * w + k] & 0xff) / 255f;
        }
        return new dev.stad.runtime.image.FloatImage(1, h, w, out);
    }

    /** Item {@code i} of a 1-D file (a label). */
    public int label(int i) {
        if (dims.length != 1) {
            throw new IllegalStateException("not a label file: dimensions " + Arrays.toString(dims));
        }
        return data[i] & 0xff;
    }
}
