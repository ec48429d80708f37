package dev.stad.bench.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class FmaPeakTest {
    @Test
    void theProbeRunsInAChildJvmAndReportsAPositiveRate() throws Exception {
        FmaPeak one = FmaPeak.measure(1);
        assertEquals(1, one.threads());
        assertTrue(one.lanes() >= 4, "lanes " + one.lanes());
        // Any CPU that runs ONNX Runtime does well over 1 GFLOP/s per core once the loop is compiled.
        assertTrue(one.gflops() > 1, "GFLOP/s " + one.gflops());
    }

    @Test
    void theLastLineIsTheResult() throws IOException {
        FmaPeak p = FmaPeak.parse("WARNING: Using incubator modules: jdk.incubator.vector\nfma-peak 2 16 441.3\n");
        assertEquals(new FmaPeak(2, 16, 441.3), p);
    }

    @Test
    void outputWithoutAResultIsAnError() {
        IOException e = assertThrows(IOException.class, () -> FmaPeak.parse("Error: could not find main class"));
        assertTrue(e.getMessage().contains("printed no result"), e.getMessage());
        assertThrows(IOException.class, () -> FmaPeak.parse("fma-peak two 16 441.3"));
    }
}
