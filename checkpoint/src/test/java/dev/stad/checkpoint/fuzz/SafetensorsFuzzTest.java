package dev.stad.checkpoint.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz target for the safetensors reader: only {@link IOException} (corrupt, truncated,
 * unsupported) may come out. Regression inputs (no model files: the real one is written by a
 * test) under
 * {@code src/test/resources/dev/stad/checkpoint/fuzz/SafetensorsFuzzTestInputs/read/}.
 */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void read(byte[] data) throws IOException {
        Path f = Files.createTempFile("stad-fuzz", ".safetensors");
        try {
            Files.write(f, data);
            Safetensors.read(f);
        } catch (IOException expected) {
            // documented
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /**
     * A small real file written by the reader's own writer (not kept in git as a model file): it
     * reads back, and every prefix of it gives only the documented exception.
     */
    @org.junit.jupiter.api.Test
    void realFileAndEveryTruncationOfItGiveOnlyDocumentedOutcomes(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Path f = dir.resolve("small.safetensors");
        Safetensors.write(
                f,
                java.util.Map.of(
                        "w", new FloatTensor(new long[] {2, 2}, new float[] {1, 2, 3, 4}),
                        "b", new FloatTensor(new long[] {2}, new float[] {5, 6})),
                java.util.Map.of("k", "v"));
        byte[] whole = Files.readAllBytes(f);
        Safetensors.read(f);
        for (int n = 0; n <= whole.length; n++) {
            read(java.util.Arrays.copyOf(whole, n));
        }
    }
}
