package dev.stad.runtime.engine.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.bundle.Precision;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrtOptionsTest {
    @Test
    void defaultsAreTensorRtsOwnLevelAndTheUserCacheFolder() {
        TrtOptions d = TrtOptions.defaults();
        assertEquals(3, d.optimizationLevel());
        assertEquals(4096, d.workspaceMb());
        assertEquals(Precision.FP32, d.precision());
        assertEquals(PlanCache.defaultDirectory(), d.cacheDirOrDefault());
        assertTrue(
                PlanCache.defaultDirectory().endsWith(Path.of("tensorrt")),
                PlanCache.defaultDirectory().toString());
        assertEquals(Path.of("/x"), d.withCacheDir(Path.of("/x")).cacheDirOrDefault());
    }

    @Test
    void outOfRangeSettingsAreRefusedWithTheirName() {
        IllegalArgumentException level = assertThrows(
                IllegalArgumentException.class, () -> TrtOptions.defaults().withOptimizationLevel(6));
        assertTrue(level.getMessage().contains("optimisation level must be 0 to 5"), level.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TrtOptions.defaults().withWorkspaceMb(0));
        assertThrows(IllegalArgumentException.class, () -> TrtOptions.defaults().withContexts(0));
        IllegalArgumentException int8 = assertThrows(
                IllegalArgumentException.class, () -> TrtOptions.defaults().withPrecision(Precision.INT8));
        assertTrue(int8.getMessage().contains("quantize / dequantize pairs"), int8.getMessage());
    }
}
