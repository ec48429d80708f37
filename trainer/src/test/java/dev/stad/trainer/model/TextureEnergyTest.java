package dev.stad.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stad.runtime.image.FloatImage;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The distillation target sees texture, sharpness and contrast, and every output needs exactly one patch. */
class TextureEnergyTest {

    @Test
    void outputCoversTheValidRegionAtEveryReceptiveField() {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            for (int rf : new int[] {10, 17, 32, 60}) {
                TextureEnergy e = new TextureEnergy(rf);
                NDArray out = e.compute(Tensors.batch(m, List.of(noise(rf + 5, 1, 1f))));
                assertEquals(new Shape(1, e.dims(), 6, 6), out.getShape(), "rf " + rf);
            }
        }
    }

    @Test
    void blurAndLowerContrastLowerTheEnergyWhileABrightnessShiftLeavesItAlone() {
        TextureEnergy e = new TextureEnergy(17);
        FloatImage sharp = noise(40, 3, 1f);
        FloatImage faded = noise(40, 3, 0.3f);
        FloatImage brighter = shifted(sharp, 0.5f);
        FloatImage blurred = boxBlur(sharp);
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            float[] a = e.compute(Tensors.batch(m, List.of(sharp))).toFloatArray();
            float[] b = e.compute(Tensors.batch(m, List.of(faded))).toFloatArray();
            float[] c = e.compute(Tensors.batch(m, List.of(brighter))).toFloatArray();
            float[] d = e.compute(Tensors.batch(m, List.of(blurred))).toFloatArray();
            int plane = a.length / e.dims();
            int energies = e.dims() - 6;
            // Energy dimensions: lower for the faded and the blurred patch, the same for the brighter one.
            double sharpEnergy = mean(a, 0, energies * plane);
            assertTrue(mean(b, 0, energies * plane) < sharpEnergy - 0.5, "fading did not lower the energy");
            assertTrue(mean(d, 0, energies * plane) < sharpEnergy - 0.3, "blurring did not lower the energy");
            for (int i = 0; i < energies * plane; i++) {
                assertEquals(a[i], c[i], 1e-3, "energy changed with brightness at " + i);
            }
            // The local means see the brightness shift.
            assertEquals(
                    mean(a, energies * plane, (energies + 3) * plane) + 0.5,
                    mean(c, energies * plane, (energies + 3) * plane),
                    1e-3);
        }
    }

    static double mean(float[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s / (to - from);
    }

    private static FloatImage noise(int side, long seed, float amplitude) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] d = new float[3 * side * side];
        for (int i = 0; i < side * side; i++) {
            float v = (float) rnd.nextGaussian() * amplitude;
            d[i] = v;
            d[side * side + i] = v;
            d[2 * side * side + i] = v;
        }
        return new FloatImage(3, side, side, d);
    }

    static FloatImage shifted(FloatImage img, float by) {
        float[] d = img.data().clone();
        for (int i = 0; i < d.length; i++) {
            d[i] += by;
        }
        return new FloatImage(img.channels(), img.height(), img.width(), d);
    }

    /** A 3x3 box blur, edges clamped. */
    static FloatImage boxBlur(FloatImage img) {
        FloatImage out = FloatImage.zeros(img.channels(), img.height(), img.width());
        for (int c = 0; c < img.channels(); c++) {
            for (int y = 0; y < img.height(); y++) {
                for (int x = 0; x < img.width(); x++) {
                    float s = 0;
                    int n = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int yy = Math.max(0, Math.min(img.height() - 1, y + dy));
                            int xx = Math.max(0, Math.min(img.width() - 1, x + dx));
                            s += img.get(c, yy, xx);
                            n++;
                        }
                    }
                    out.set(c, y, x, s / n);
                }
            }
        }
        return out;
    }
}
