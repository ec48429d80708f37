package dev.stad.runtime.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.engine.EngineKind;
import org.junit.jupiter.api.Test;

class DetectorOptionsTest {
    @Test
    void halfPrecisionIsRefusedOnEnginesThatAreNotTensorRt() {
        for (EngineKind k : new EngineKind[] {EngineKind.ORT, EngineKind.ORT_CUDA}) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> DetectorOptions.defaults().withEngine(k).withPrecision(Precision.FP16));
            assertTrue(e.getMessage().contains("fp16 runs on TensorRT only (engine " + k.id()), e.getMessage());
        }
        assertEquals(
                Precision.FP16,
                DetectorOptions.defaults()
                        .withEngine(EngineKind.TRT)
                        .withPrecision(Precision.FP16)
                        .precision());
        assertEquals(
                Precision.FP16,
                DetectorOptions.defaults()
                        .withEngine(EngineKind.AUTO)
                        .withPrecision(Precision.FP16)
                        .precision());
    }

    @Test
    void halfPrecisionRunsTheFp32GraphAndIsNeverAGraphOfItsOwn() {
        assertEquals(Precision.FP32, Precision.FP16.graph());
        assertEquals(Precision.INT8, Precision.INT8.graph());
        assertFalse(Precision.FP16.isGraphPrecision());
        assertEquals(Precision.FP16, Precision.parse(" FP16 "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("bf16"));
        assertTrue(e.getMessage().contains("unknown precision 'bf16' (known: [fp32, fp16, int8])"), e.getMessage());
    }
}
