package dev.stad.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.stad.trainer.model.Tensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The teacher's pretraining losses: values against plain Java, and gradients that nothing can corrupt. */
class PretrainingLossTest {
    private static final int ROWS = 48;
    private static final int DIMS = 16;

    @Test
    void compactnessIsTheSumOfSquaredOffDiagonalCorrelations() {
        float[] x = random(1);
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            float loss = TeacherPretrainer.compactnessLoss(m.create(x, new Shape(ROWS, DIMS)))
                    .getFloat();
            double[] mean = new double[DIMS];
            double[] std = new double[DIMS];
            for (int r = 0; r < ROWS; r++) {
                for (int c = 0; c < DIMS; c++) {
                    mean[c] += x[r * DIMS + c] / (double) ROWS;
                }
            }
            for (int r = 0; r < ROWS; r++) {
                for (int c = 0; c < DIMS; c++) {
                    std[c] += Math.pow(x[r * DIMS + c] - mean[c], 2) / ROWS;
                }
            }
            double expected = 0;
            for (int i = 0; i < DIMS; i++) {
                for (int j = 0; j < DIMS; j++) {
                    if (i == j) {
                        continue;
                    }
                    double corr = 0;
                    for (int r = 0; r < ROWS; r++) {
                        corr += (x[r * DIMS + i] - mean[i]) * (x[r * DIMS + j] - mean[j]) / ROWS;
                    }
                    corr /= Math.sqrt(std[i] + 1e-6) * Math.sqrt(std[j] + 1e-6);
                    expected += corr * corr;
                }
            }
            assertEquals(expected, loss, 1e-4 * expected);
        }
    }

    /**
     * DJL's arithmetic with a plain number wraps it in a JVM buffer and frees it after the call,
     * while autograd keeps it for the backward pass; once the collector has run and the memory is
     * reused, such a gradient is garbage. Here the collector runs and refills freed memory with
     * 1e20 between forward and backward: the gradients must be those of an undisturbed pass.
     */
    @Test
    void gradientsAreTheSameWhenTheGarbageCollectorRunsBeforeTheBackwardPass() throws Exception {
        float[] undisturbed = gradient(false);
        float[] disturbed = gradient(true);
        for (float g : undisturbed) {
            assertTrue(Float.isFinite(g) && Math.abs(g) < 1e3, "gradient " + g);
        }
        assertArrayEquals(undisturbed, disturbed);
    }

    private static float[] gradient(boolean collectGarbage) throws InterruptedException {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            NDArray a = m.create(random(1), new Shape(ROWS, DIMS));
            NDArray p = m.create(random(2), new Shape(ROWS, DIMS));
            NDArray n = m.create(random(3), new Shape(ROWS, DIMS));
            a.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = TeacherPretrainer.tripletLoss(a, p, n, 1f)
                        .add(TeacherPretrainer.compactnessLoss(a).mul(Tensors.scalar(m, 1e-3f)));
                if (collectGarbage) {
                    List<ByteBuffer> filler = new ArrayList<>();
                    for (int round = 0; round < 5; round++) {
                        System.gc();
                        Thread.sleep(20);
                        for (int i = 0; i < 20_000; i++) {
                            filler.add(ByteBuffer.allocateDirect(4)
                                    .order(ByteOrder.nativeOrder())
                                    .putFloat(0, 1e20f));
                        }
                    }
                }
                gc.backward(loss);
            }
            return a.getGradient().toFloatArray();
        }
    }

    private static float[] random(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[ROWS * DIMS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
