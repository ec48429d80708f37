package dev.stad.trainer.model;

import static dev.stad.trainer.model.TextureEnergyTest.boxBlur;
import static dev.stad.trainer.model.TextureEnergyTest.mean;
import static dev.stad.trainer.model.TextureEnergyTest.shifted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.spec.Architectures;
import dev.stad.checkpoint.spec.NetworkForm;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The energy teacher is the texture-energy descriptor written as layers: each of its values
 * equals the descriptor computed directly from the patch, and it moves as a contrast and
 * sharpness descriptor must.
 */
class EnergyTeacherTest {
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    /** Students with the default scales' patches and a short descriptor (two wavelengths). */
    private static NetworkSpec students(NetworkSpec scale, int descriptor) {
        List<Layer> layers = new java.util.ArrayList<>(scale.layers());
        layers.set(
                layers.size() - 1,
                Layer.conv(descriptor, layers.get(layers.size() - 1).kernel()));
        return new NetworkSpec(scale.name(), layers);
    }

    @Test
    void everyValueIsTheDescriptorComputedDirectlyFromItsPatch() {
        for (NetworkSpec scale : List.of(Architectures.P17, Architectures.P33)) {
            NetworkSpec spec = EnergyTeacher.spec(students(scale, 48));
            int rf = spec.receptiveField();
            assertEquals(scale.receptiveField(), rf);
            FloatImage image = texture(rf + 6, rf + 4, 3, 1f);
            float[] out = run(spec, image);
            int h = 7;
            int w = 5;
            for (int[] p : new int[][] {{0, 0}, {6, 4}, {3, 2}, {0, 4}, {5, 1}}) {
                double[] expected = direct(image, p[0], p[1], rf, 2);
                for (int c = 0; c < expected.length; c++) {
                    double actual = out[(c * h + p[0]) * w + p[1]];
                    assertEquals(
                            expected[c],
                            actual,
                            2e-4 * Math.max(1, Math.abs(expected[c])),
                            scale.name() + " value " + c + " at " + p[0] + "," + p[1]);
                }
            }
        }
    }

    @Test
    void fadingAndBlurLowerTheEnergiesByAShiftWhileBrightnessMovesOnlyTheMeans() {
        NetworkSpec spec = EnergyTeacher.spec(Architectures.P17);
        FloatImage sharp = texture(40, 40, 3, 1f);
        float[] a = run(spec, sharp);
        float[] faded = run(spec, texture(40, 40, 3, 0.3f));
        float[] brighter = run(spec, shifted(sharp, 0.5f));
        float[] blurred = run(spec, boxBlur(sharp));
        int plane = a.length / spec.descriptorDim();
        int energies = spec.descriptorDim() - 16;
        // A fade to 30% multiplies every energy by 0.3: log 0.3 = -1.2 on each, whatever its level
        // (less where the small constant added before the logarithm counts).
        double fade = mean(faded, 0, energies * plane) - mean(a, 0, energies * plane);
        assertTrue(fade < -1.0 && fade > -1.25, "fading moved the log energies by " + fade);
        assertTrue(mean(blurred, 0, energies * plane) < mean(a, 0, energies * plane) - 0.3, "blur kept the energy");
        for (int i = 0; i < a.length; i++) {
            int c = i / plane;
            boolean isMean = c >= energies && c < energies + 4;
            if (!isMean) {
                assertEquals(a[i], brighter[i], 1e-3, "value " + c + " changed with brightness");
            }
        }
        assertTrue(mean(brighter, energies * plane, (energies + 4) * plane)
                > mean(a, energies * plane, (energies + 4) * plane));
    }

    @Test
    void aScaleItCannotFillIsRefusedByName() {
        IllegalArgumentException small = assertThrows(
                IllegalArgumentException.class,
                () -> EnergyTeacher.spec(new NetworkSpec("tiny", List.of(Layer.conv(128, 3), Layer.conv(128, 3)))));
        assertTrue(small.getMessage().contains("tiny") && small.getMessage().contains("5"), small.getMessage());
        IllegalArgumentException odd =
                assertThrows(IllegalArgumentException.class, () -> EnergyTeacher.spec(students(Architectures.P17, 40)));
        assertTrue(odd.getMessage().contains("40"), odd.getMessage());
    }

    @Test
    void deviationBoxesAreCentredAndGrowToTheFilter() {
        assertEquals(List.of(3, 5, 7, 9), sides(9));
        assertEquals(List.of(4, 8, 12, 16), sides(16));
        assertEquals(List.of(3, 9, 13, 17), sides(17));
    }

    private static List<Integer> sides(int k) {
        return List.of(
                EnergyTeacher.deviationSide(k, 0),
                EnergyTeacher.deviationSide(k, 1),
                EnergyTeacher.deviationSide(k, 2),
                EnergyTeacher.deviationSide(k, 3));
    }

    private static float[] run(NetworkSpec spec, FloatImage image) {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            PatchNetwork net = PatchNetwork.create(spec, NetworkForm.DENSE);
            net.setParameters(m, EnergyTeacher.weights(spec, STD), "");
            return net.predict(new ParameterStore(m, false), Tensors.batch(m, List.of(image)))
                    .toFloatArray();
        }
    }

    /**
     * The descriptor of the patch at (y, x), from its definition: for each Gabor filter part
     * the mean over the pool window of its magnitude on the grey image; each colour's and the
     * grey mean over the whole patch, lifted above zero; each channel's mean absolute deviation
     * of its centre from its box mean; all logged.
     */
    private static double[] direct(FloatImage im, int y, int x, int rf, int wavelengths) {
        int k = (rf + 1) / 2;
        int pool = rf - k + 1;
        GaborBank bank = GaborBank.of(k, 8, wavelengths);
        double eps = EnergyTeacher.EPSILON;
        double lift = 1 + 1 / 0.224;
        double[] out = new double[8 * wavelengths * 2 + 16];
        int o = 0;
        for (int f = 0; f < bank.count(); f++) {
            for (float[] part : new float[][] {bank.real(), bank.imaginary()}) {
                double sum = 0;
                for (int py = 0; py < pool; py++) {
                    for (int px = 0; px < pool; px++) {
                        double r = 0;
                        for (int i = 0; i < k; i++) {
                            for (int j = 0; j < k; j++) {
                                double grey = 0;
                                for (int c = 0; c < 3; c++) {
                                    grey += im.get(c, y + py + i, x + px + j) / 3.0;
                                }
                                r += part[(f * k + i) * k + j] * grey;
                            }
                        }
                        sum += Math.abs(r);
                    }
                }
                out[o++] = Math.log(sum / (pool * pool) + eps);
            }
        }
        for (int m = 0; m <= 3; m++) {
            double sum = 0;
            for (int py = 0; py < pool; py++) {
                for (int px = 0; px < pool; px++) {
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) {
                            for (int c = 0; c < 3; c++) {
                                if (m == 3 || m == c) {
                                    sum += im.get(c, y + py + i, x + px + j) / (m == 3 ? 3.0 : 1.0);
                                }
                            }
                        }
                    }
                }
            }
            out[o++] = Math.log(sum / (pool * pool * k * k) + lift);
        }
        int middle = 2 - k % 2;
        for (int c = 0; c < 3; c++) {
            for (int s = 0; s < 4; s++) {
                int side = EnergyTeacher.deviationSide(k, s);
                double sum = 0;
                for (int py = 0; py < pool; py++) {
                    for (int px = 0; px < pool; px++) {
                        int oy = y + py;
                        int ox = x + px;
                        double centre = box(im, c, oy + (k - middle) / 2, ox + (k - middle) / 2, middle);
                        double around = box(im, c, oy + (k - side) / 2, ox + (k - side) / 2, side);
                        sum += Math.abs(centre - around);
                    }
                }
                out[o++] = Math.log(sum / (pool * pool) + eps);
            }
        }
        return out;
    }

    private static double box(FloatImage im, int c, int y, int x, int side) {
        double s = 0;
        for (int i = 0; i < side; i++) {
            for (int j = 0; j < side; j++) {
                s += im.get(c, y + i, x + j);
            }
        }
        return s / (side * side);
    }

    /** Grey noise with a little noise and tint of its own per channel, times {@code contrast}, around zero. */
    private static FloatImage texture(int h, int w, long seed, float contrast) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] d = new float[3 * h * w];
        float[] grey = new float[h * w];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = (float) rnd.nextGaussian();
        }
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < h * w; i++) {
                d[c * h * w + i] = contrast * (grey[i] + 0.3f * (float) rnd.nextGaussian()) * (0.8f + 0.1f * c);
            }
        }
        return new FloatImage(3, h, w, d);
    }
}
