package dev.stad.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripKeepsTensorsAndMetadata() throws IOException {
        Map<String, FloatTensor> t = new LinkedHashMap<>();
        t.put("a", new FloatTensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f}));
        t.put("b", new FloatTensor(new long[] {1}, new float[] {Float.MIN_VALUE}));
        Path f = dir.resolve("x.safetensors");
        Safetensors.write(f, t, Map.of("epoch", "3"));
        Safetensors.Contents c = Safetensors.read(f);
        assertEquals(t, c.tensors());
        assertEquals("3", c.metadata().get("epoch"));
    }

    @Test
    void readsAFileLaidOutByTheSpecification() throws IOException {
        // Built by hand from the format description, independent of the writer.
        String header =
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"__metadata__\":{\"k\":\"v\"}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length)
                .array());
        out.write(h);
        out.write(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(1.5f)
                .putFloat(-2f)
                .array());
        Path f = Files.write(dir.resolve("hand.safetensors"), out.toByteArray());
        Safetensors.Contents c = Safetensors.read(f);
        assertArrayEquals(new float[] {1.5f, -2f}, c.tensor("w").data());
        assertEquals("v", c.metadata().get("k"));
    }

    @Test
    void writtenHeaderIsAlignedAndDataLittleEndian() throws IOException {
        Path f = dir.resolve("y.safetensors");
        Safetensors.write(f, Map.of("x", new FloatTensor(new long[] {1}, new float[] {1f})), Map.of());
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        assertEquals(
                1f,
                ByteBuffer.wrap(bytes, (int) (8 + n), 4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getFloat());
    }

    @Test
    void truncatedFileIsReportedWithItsName() throws IOException {
        Path f = dir.resolve("cut.safetensors");
        Safetensors.write(f, Map.of("x", new FloatTensor(new long[] {100}, new float[100])), Map.of());
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(bytes, bytes.length - 10));
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains("cut.safetensors") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void garbageIsReportedNotHalfRead() throws IOException {
        Path f = Files.write(
                dir.resolve("junk.safetensors"), "hello world, not tensors".getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains("junk.safetensors"), e.getMessage());
    }

    @Test
    void missingTensorNamesWhatTheFileHas() throws IOException {
        Path f = dir.resolve("z.safetensors");
        Safetensors.write(f, Map.of("present", new FloatTensor(new long[] {1}, new float[1])), Map.of());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> Safetensors.read(f).tensor("absent"));
        assertTrue(e.getMessage().contains("present"), e.getMessage());
    }
}
