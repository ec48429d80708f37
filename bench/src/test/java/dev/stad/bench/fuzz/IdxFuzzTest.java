package dev.stad.bench.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stad.bench.oneclass.IdxFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz target for the IDX (MNIST) reader, plain and gzip: only {@link IOException} may come out.
 * Regression inputs under {@code src/test/resources/dev/stad/bench/fuzz/IdxFuzzTestInputs/read/}.
 */
class IdxFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void read(byte[] data) throws IOException {
        Path f = Files.createTempFile("stad-fuzz", ".idx");
        try {
            Files.write(f, data);
            IdxFile.read(f);
        } catch (IOException expected) {
            // documented: not IDX, unsupported, truncated, corrupt gzip
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
