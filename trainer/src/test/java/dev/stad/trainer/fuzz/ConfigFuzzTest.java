package dev.stad.trainer.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stad.trainer.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz target for the run-config loader: only {@link IOException} (unknown fields, invalid
 * values, bad JSON, too large) may come out. Regression inputs under
 * {@code src/test/resources/dev/stad/trainer/fuzz/ConfigFuzzTestInputs/load/}.
 */
class ConfigFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void load(byte[] data) throws IOException {
        Path f = Files.createTempFile("stad-fuzz", ".json");
        try {
            Files.write(f, data);
            ConfigLoader.load(f);
        } catch (IOException expected) {
            // documented
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
