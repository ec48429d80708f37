package dev.stad.trainer.model;

import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded He-uniform initialisation ({@code U(-sqrt(6 / fan_in), +sqrt(6 / fan_in))}, zero
 * biases), drawn in Java so the same seed gives the same network on any engine or machine. He
 * scaling keeps activations from fading through the LeakyReLU stack, which matters most for a
 * fixed random teacher.
 */
public final class WeightInit {
    private WeightInit() {}

    public static Map<String, FloatTensor> heUniform(NetworkSpec spec, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (int i : spec.convIndices()) {
            long[] shape = spec.weightShape(i);
            int fanIn = (int) (shape[1] * shape[2] * shape[3]);
            double bound = Math.sqrt(6.0 / fanIn);
            float[] w = new float[(int) (shape[0] * fanIn)];
            for (int k = 0; k < w.length; k++) {
                w[k] = (float) rnd.nextDouble(-bound, bound);
            }
            out.put(NetworkSpec.weightName(i), new FloatTensor(shape, w));
            out.put(NetworkSpec.biasName(i), new FloatTensor(new long[] {shape[0]}, new float[(int) shape[0]]));
        }
        return out;
    }
}
