package dev.stad.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.stad.checkpoint.safetensors.FloatTensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The optimiser keeps no near-zero weights or moments, whose subnormal products slow every later
 * step on x86 by an order of magnitude.
 */
class AdamTest {
    private static final float[] MIXED = {1e-39f, -1e-40f, 1e-37f, 0.5f, 1e-16f, -Float.MIN_VALUE, 0f, -2f, 2e-15f};

    @Test
    void zeroingClearsExactlyTheValuesBelowTheLimit() {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            NDArray a = m.create(MIXED);
            a.setRequiresGradient(true);
            Adam.zeroBelow(a, 1e-38f);
            assertArrayEquals(new float[] {0f, 0f, 1e-37f, 0.5f, 1e-16f, 0f, 0f, -2f, 2e-15f}, a.toFloatArray(), 0f);
            Adam.zeroBelow(a, Adam.TINY);
            assertArrayEquals(new float[] {0f, 0f, 0f, 0.5f, 0f, 0f, 0f, -2f, 2e-15f}, a.toFloatArray(), 0f);
        }
    }

    @Test
    void aUnitWithoutGradientLeavesNoNearZeroWeightOrMomentBehind() {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            Parameter p = Parameter.builder()
                    .setName("w")
                    .setType(Parameter.Type.WEIGHT)
                    .build();
            p.setArray(m.create(MIXED));
            p.getArray().setRequiresGradient(true);
            Adam adam = new Adam(m, List.of(p), 0, 0);
            // Moments as a dead unit leaves them: decayed into the subnormal range.
            float[] squares = MIXED.clone();
            for (int i = 0; i < squares.length; i++) {
                squares[i] = Math.abs(squares[i]);
            }
            adam.load(
                    Map.of(
                            "m.w", new FloatTensor(new long[] {MIXED.length}, MIXED.clone()),
                            "v.w", new FloatTensor(new long[] {MIXED.length}, squares)),
                    "",
                    0);
            for (int s = 0; s < Adam.FLUSH_EVERY; s++) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(p.getArray().mul(0).sum());
                }
                adam.step();
            }
            for (var e : adam.state("").entrySet()) {
                float limit = e.getKey().startsWith("v.") ? Adam.TINY_SQUARE : Adam.TINY;
                for (float v : e.getValue().data()) {
                    assertTrue(v == 0 || Math.abs(v) >= limit, e.getKey() + " holds " + v);
                }
            }
            for (float v : p.getArray().toFloatArray()) {
                assertTrue(v == 0 || Math.abs(v) >= Adam.TINY, "weight holds " + v);
            }
        }
    }
}
