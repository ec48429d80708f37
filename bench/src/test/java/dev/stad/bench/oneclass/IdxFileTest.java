package dev.stad.bench.oneclass;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class IdxFileTest {
    @TempDir
    Path dir;

    /** An IDX file laid out by hand: magic 0x0000 08 ndim, big-endian sizes, the bytes. */
    public static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(0x00000800 | dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return b.toByteArray();
    }

    public static void writeGz(Path file, byte[] bytes) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(bytes);
        }
    }

    @Test
    void readsImagesAndLabelsPlainOrGzipped() throws Exception {
        byte[] pixels = new byte[2 * 3 * 2];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 20);
        }
        pixels[5] = (byte) 255;
        Files.write(dir.resolve("images"), idx(new int[] {2, 3, 2}, pixels));
        writeGz(dir.resolve("labels.gz"), idx(new int[] {2}, new byte[] {7, (byte) 200}));
        IdxFile images = IdxFile.read(dir.resolve("images"));
        IdxFile labels = IdxFile.read(dir.resolve("labels.gz"));
        assertArrayEquals(new int[] {2, 3, 2}, images.dims());
        assertEquals(2, images.count());
        assertEquals(7, labels.label(0));
        assertEquals(200, labels.label(1), "unsigned bytes");
        var second = images.image(1);
        assertEquals(3, second.height());
        assertEquals(2, second.width());
        assertEquals(120 / 255f, second.get(0, 0, 0));
        assertEquals(1f, images.image(0).get(0, 2, 1), "byte 255 is 1.0");
    }

    @Test
    void truncatedWrongTypeAndForeignFilesAreRefusedNamingTheFile() throws Exception {
        byte[] full = idx(new int[] {4, 2, 2}, new byte[16]);
        Files.write(dir.resolve("short"), Arrays.copyOf(full, full.length - 3));
        IOException e = assertThrows(IOException.class, () -> IdxFile.read(dir.resolve("short")));
        assertTrue(e.getMessage().contains("short") && e.getMessage().contains("truncated"), e.getMessage());

        byte[] ints = idx(new int[] {1}, new byte[4]);
        ints[2] = 0x0C; // int32 elements
        Files.write(dir.resolve("ints"), ints);
        e = assertThrows(IOException.class, () -> IdxFile.read(dir.resolve("ints")));
        assertTrue(e.getMessage().contains("0x0c") && e.getMessage().contains("not supported"), e.getMessage());

        Files.writeString(dir.resolve("text.gz"), "hello world, not an idx file");
        e = assertThrows(IOException.class, () -> IdxFile.read(dir.resolve("text.gz")));
        assertTrue(e.getMessage().contains("not an IDX file"), e.getMessage());
    }

    @Test
    void readsDebiansFashionMnistWhenInstalled() throws Exception {
        Path labels = OneClassCommand.DEBIAN_FASHION_MNIST.resolve("t10k-labels-idx1-ubyte.gz");
        assumeTrue(Files.isRegularFile(labels), "dataset-fashion-mnist is not installed");
        IdxFile l = IdxFile.read(labels);
        IdxFile images = IdxFile.read(OneClassCommand.DEBIAN_FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz"));
        assertArrayEquals(new int[] {10000, 28, 28}, images.dims());
        int[] perClass = new int[10];
        for (int i = 0; i < l.count(); i++) {
            perClass[l.label(i)]++;
        }
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(thousand, perClass, "the Fashion-MNIST test set has 1,000 images per class");
    }
}
