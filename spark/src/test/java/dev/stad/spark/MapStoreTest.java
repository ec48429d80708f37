package dev.stad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.output.FloatTiff;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Maps on a local Hadoop file system, without Spark: where they land and what a late attempt leaves. */
class MapStoreTest {
    private static final String BUNDLE = "cd".repeat(32);

    @TempDir
    Path dir;

    private static FloatImage map() {
        float[] v = new float[12];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.25f - 1;
        }
        return new FloatImage(1, 3, 4, v);
    }

    private static long files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void aMapIsRenamedIntoItsContentNamedPlaceAndRemovingTheRunsFolderCountsWhatWasLeft() throws Exception {
        Configuration conf = new Configuration();
        String maps = dir.toUri().toString();
        String written;
        try (MapStore store = new MapStore(maps, conf, BUNDLE, Precision.FP32, "run1")) {
            written = store.put(new byte[] {1, 2, 3}, map(), "attempt0", () -> {});
        }
        Path file = Path.of(URI.create(written));
        assertTrue(file.getFileName().toString().endsWith("-" + BUNDLE.substring(0, 12) + "-fp32.tiff"), written);
        assertArrayEquals(map().data(), FloatTiff.read(file).data());
        assertEquals(0, MapStore.removeTemporary(maps, conf, "run1"));
        assertEquals(1, files(dir), "only the map is left, no temporary file and no checksum file");
    }

    @Test
    void anAttemptThatWritesAfterTheDriverRemovedTheRunsFolderFailsAndDoesNotBringItBack() throws Exception {
        Configuration conf = new Configuration();
        String maps = dir.toUri().toString();
        try (MapStore zombie = new MapStore(maps, conf, BUNDLE, Precision.FP32, "run2")) {
            assertTrue(Files.isDirectory(dir.resolve(MapStore.TEMPORARY_PREFIX + "run2")));
            MapStore.removeTemporary(maps, conf, "run2");
            assertThrows(IOException.class, () -> zombie.put(new byte[] {4, 5, 6}, map(), "attempt1", () -> {}));
        }
        assertFalse(Files.exists(dir.resolve(MapStore.TEMPORARY_PREFIX + "run2")), "the removed folder came back");
        assertEquals(0, files(dir), "the late attempt left a file");
    }
}
