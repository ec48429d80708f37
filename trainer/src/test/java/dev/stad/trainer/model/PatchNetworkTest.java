package dev.stad.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.spec.Architectures;
import dev.stad.checkpoint.spec.NetworkForm;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fast dense feature extraction must equal per-patch evaluation: the dense descriptor at each
 * position of the valid region is the patch form applied to the receptive-field window there,
 * the region's corners and edges included.
 */
class PatchNetworkTest {

    /**
     * What an imported teacher may hold beyond the design architectures: strided convs, ReLU,
     * a leaky slope of its own, average pools, a conv without activation before a pool.
     */
    static final NetworkSpec IMPORTED_LAYERS = new NetworkSpec(
            "stem",
            List.of(
                    Layer.conv(16, 3, 2, Layer.Activation.RELU, 0f),
                    Layer.avgPool(2, 2),
                    Layer.conv(16, 3, 1, Layer.Activation.LEAKY, 0.1f),
                    Layer.avgPool(3, 1),
                    Layer.conv(16, 2, 1, Layer.Activation.NONE, 0f),
                    Layer.maxPool(2, 2),
                    Layer.conv(8, 2)));

    static Stream<NetworkSpec> designArchitectures() {
        return Stream.of(Architectures.P17, Architectures.P33, Architectures.P65, IMPORTED_LAYERS);
    }

    @ParameterizedTest
    @MethodSource("designArchitectures")
    void denseOutputEqualsPatchOutputOnTheValidRegionIncludingItsBorders(NetworkSpec spec) {
        int rf = spec.receptiveField();
        int h = 23;
        int w = 29;
        FloatImage image = randomImage(h + rf - 1, w + rf - 1, 5);
        List<int[]> pixels = new ArrayList<>(List.of(
                new int[] {0, 0},
                new int[] {0, w - 1},
                new int[] {h - 1, 0},
                new int[] {h - 1, w - 1},
                new int[] {0, w / 2},
                new int[] {h / 2, 0},
                new int[] {h - 1, w / 3},
                new int[] {h / 3, w - 1}));
        SplittableRandom rnd = new SplittableRandom(9);
        for (int i = 0; i < 8; i++) {
            pixels.add(new int[] {rnd.nextInt(h), rnd.nextInt(w)});
        }
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            PatchNetwork dense = PatchNetwork.create(spec, NetworkForm.DENSE);
            dense.setParameters(manager, WeightInit.heUniform(spec, 3), "");
            PatchNetwork patch = dense.withForm(NetworkForm.PATCH);
            ParameterStore ps = new ParameterStore(manager, false);

            NDArray denseOut = dense.predict(ps, Tensors.batch(manager, List.of(image)));
            assertEquals(new Shape(1, spec.descriptorDim(), h, w), denseOut.getShape());
            FloatImage denseMap = Tensors.image(denseOut, 0);

            List<FloatImage> patches =
                    pixels.stream().map(p -> image.crop(p[0], p[1], rf, rf)).toList();
            NDArray patchOut = patch.predict(ps, Tensors.batch(manager, patches));
            assertEquals(new Shape(pixels.size(), spec.descriptorDim(), 1, 1), patchOut.getShape());
            for (int i = 0; i < pixels.size(); i++) {
                float[] expected = Tensors.image(patchOut, i).data();
                float[] actual = new float[expected.length];
                for (int c = 0; c < actual.length; c++) {
                    actual[c] = denseMap.get(c, pixels.get(i)[0], pixels.get(i)[1]);
                }
                assertRelativelyClose(
                        expected,
                        actual,
                        1e-4,
                        spec.name() + " pixel (" + pixels.get(i)[0] + ", " + pixels.get(i)[1] + ")");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("designArchitectures")
    void patchFormOnALargerInputGivesEveryStrideThDenseDescriptor(NetworkSpec spec) {
        int s = spec.totalStride();
        int n = spec.receptiveField() + 3 * s;
        FloatImage image = randomImage(n, n, 8);
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            PatchNetwork dense = PatchNetwork.create(spec, NetworkForm.DENSE);
            dense.setParameters(manager, WeightInit.heUniform(spec, 4), "");
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray input = Tensors.batch(manager, List.of(image));
            FloatImage d = Tensors.image(dense.predict(ps, input), 0);
            NDArray patchOut = dense.withForm(NetworkForm.PATCH).predict(ps, input);
            assertEquals(new Shape(1, spec.descriptorDim(), 4, 4), patchOut.getShape());
            assertArrayEquals(
                    new Shape[] {patchOut.getShape()},
                    dense.withForm(NetworkForm.PATCH).getOutputShapes(new Shape[] {input.getShape()}));
            FloatImage p = Tensors.image(patchOut, 0);
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    float[] expected = new float[spec.descriptorDim()];
                    float[] actual = new float[spec.descriptorDim()];
                    for (int c = 0; c < expected.length; c++) {
                        expected[c] = p.get(c, y, x);
                        actual[c] = d.get(c, y * s, x * s);
                    }
                    assertRelativelyClose(expected, actual, 1e-4, spec.name() + " output (" + y + ", " + x + ")");
                }
            }
        }
    }

    private static FloatImage randomImage(int h, int w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] d = new float[3 * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return new FloatImage(3, h, w, d);
    }

    /** Max absolute difference relative to the largest magnitude of the expected descriptor. */
    static void assertRelativelyClose(float[] expected, float[] actual, double tolerance, String what) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(scale > 0, what + ": descriptor is all zeros, the comparison would prove nothing");
        assertTrue(
                diff <= tolerance * scale,
                what + ": max difference " + diff + " exceeds " + tolerance + " of the descriptor's scale " + scale);
    }
}
