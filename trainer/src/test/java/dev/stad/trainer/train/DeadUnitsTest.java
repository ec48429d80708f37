package dev.stad.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.spec.NetworkForm;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.Tensors;
import dev.stad.trainer.model.WeightInit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DeadUnitsTest {
    private static final NetworkSpec SPEC =
            new NetworkSpec("s", List.of(Layer.conv(16, 3), Layer.conv(16, 3), Layer.conv(8, 3)));

    private static FloatImage image(int side, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] data = new float[3 * side * side];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextDouble(-1, 1);
        }
        return new FloatImage(3, side, side, data);
    }

    private static PatchNetwork network(NDManager m, Map<String, FloatTensor> weights) {
        PatchNetwork net = PatchNetwork.create(SPEC, NetworkForm.DENSE);
        net.setParameters(m, weights, "");
        return net;
    }

    @Test
    void theFirstConvsPositiveShareEqualsOneCountedInPlainJava() {
        Map<String, FloatTensor> w = WeightInit.heUniform(SPEC, 3);
        FloatImage img = image(12, 5);
        float[] k = w.get(NetworkSpec.weightName(0)).data();
        float[] b = w.get(NetworkSpec.biasName(0)).data();
        int positive = 0;
        int total = 0;
        for (int o = 0; o < 16; o++) {
            for (int y = 0; y + 3 <= 12; y++) {
                for (int x = 0; x + 3 <= 12; x++) {
                    double sum = b[o];
                    for (int c = 0; c < 3; c++) {
                        for (int a = 0; a < 3; a++) {
                            for (int d = 0; d < 3; d++) {
                                sum += k[((o * 3 + c) * 3 + a) * 3 + d] * img.get(c, y + a, x + d);
                            }
                        }
                    }
                    positive += sum > 0 ? 1 : 0;
                    total++;
                }
            }
        }
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            Map<Integer, Double> shares =
                    network(m, w).positiveShares(new ParameterStore(m, false), Tensors.batch(m, List.of(img)));
            assertEquals(
                    List.of(0, 1), List.copyOf(shares.keySet()), "the last conv has no activation and is not measured");
            assertEquals((double) positive / total, shares.get(0), 1e-6);
            assertTrue(shares.get(1) > 0.1 && shares.get(1) < 0.9, "a freshly initialised layer: " + shares.get(1));
        }
    }

    @Test
    void aStudentWhoseLayerIsNegativeEverywhereIsReportedAndAHealthyOneIsNot() {
        Map<String, FloatTensor> healthy = WeightInit.heUniform(SPEC, 3);
        Map<String, FloatTensor> dead = new LinkedHashMap<>(WeightInit.heUniform(SPEC, 4));
        float[] bias = new float[16];
        Arrays.fill(bias, -1000f);
        dead.put(NetworkSpec.biasName(1), new FloatTensor(new long[] {16}, bias));
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            List<DeadUnits.Finding> found = DeadUnits.find(
                    m, List.of(network(m, healthy), network(m, dead)), List.of(image(20, 1), image(20, 2)));
            assertEquals(List.of(new DeadUnits.Finding(1, 1, 0.0)), found);
            String line = DeadUnits.describe("p17", found.get(0));
            assertTrue(
                    line.startsWith("warning: students p17: student 1's layer 1 is positive at 0.0% of its outputs"),
                    line);
        }
    }
}
