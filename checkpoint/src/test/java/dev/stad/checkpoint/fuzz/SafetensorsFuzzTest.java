package dev.stad.checkpoint.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stad.checkpoint.safetensors.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz target for the safetensors reader: only {@link IOException} (corrupt, truncated,
 * unsupported) may come out. Regression inputs under
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
}
