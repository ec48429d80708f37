package dev.stad.exporter.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.stad.exporter.ExportCheck;
import dev.stad.exporter.ImportCheck;
import dev.stad.runtime.bundle.OnnxOperator;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.Layer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pretrained-looking networks, written as ONNX files with the project's own writer (padded and
 * strided convs, batch norms, ReLU and leaky ReLU, pools, a Pad node, a Flatten head), imported
 * as patch networks: the import must compute what the source computes wherever no padding
 * reaches, its dense form must equal its patch form, and every file it cannot take is refused in
 * one line naming the file and the problem.
 */
class TeacherImportTest {
    @TempDir
    Path dir;

    /** Names of the tensors a test cuts at. */
    private record Stem(byte[] onnx, String lastConv, String lastRelu) {}

    /**
     * conv3 pad1 + BN + ReLU, conv3 stride 2 pad1 + BN + LeakyReLU(0.2), MaxPool2, Pad 1,
     * conv3 + ReLU, AveragePool2, conv3 pad1 (the descriptor) + ReLU, Flatten: two outputs (the
     * ReLU's and the Flatten's).
     */
    private static Stem stem(long inputSide, int channels) {
        SplittableRandom rnd = new SplittableRandom(5);
        OnnxGraph g = new OnnxGraph("stem");
        String x = inputSide > 0
                ? g.input("pixels", 1L, (long) channels, inputSide, inputSide)
                : g.input("pixels", 1L, (long) channels, "h", "w");
        x = conv(g, x, channels, 8, 3, 1, 1, rnd);
        x = batchNorm(g, x, 8, rnd);
        x = g.node(OnnxOperator.RELU, x);
        x = conv(g, x, 8, 12, 3, 2, 1, rnd);
        x = batchNorm(g, x, 12, rnd);
        x = g.node(OnnxOperator.LEAKY_RELU, List.of(x), Map.of("alpha", 0.2f));
        x = g.node(
                OnnxOperator.MAX_POOL, List.of(x), Map.of("kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2
                }));
        x = g.nodeOutsideBundles("Pad", List.of(x, g.ints("pads", 0, 0, 1, 1, 0, 0, 1, 1)), Map.of("mode", "constant"));
        x = conv(g, x, 12, 12, 3, 1, 0, rnd);
        x = g.node(OnnxOperator.RELU, x);
        x = g.node(
                OnnxOperator.AVERAGE_POOL,
                List.of(x),
                Map.of("kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2}));
        String last = conv(g, x, 12, 16, 3, 1, 1, rnd);
        String relu = g.node(OnnxOperator.RELU, last);
        String flat = g.nodeOutsideBundles("Flatten", List.of(relu), Map.of("axis", 1L));
        g.output(relu, 1L, 16L, "oh", "ow");
        g.output(flat, 1L, "features");
        return new Stem(g.model("test", Map.of()).toByteArray(), last, relu);
    }

    private static String conv(
            OnnxGraph g, String x, int in, int out, int k, int stride, int pad, SplittableRandom rnd) {
        float[] w = new float[out * in * k * k];
        float bound = (float) Math.sqrt(6.0 / (in * k * k));
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextDouble(-1, 1) * bound);
        }
        float[] b = new float[out];
        for (int i = 0; i < out; i++) {
            b[i] = (float) rnd.nextDouble(-0.1, 0.1);
        }
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("kernel_shape", new long[] {k, k});
        attrs.put("strides", new long[] {stride, stride});
        attrs.put("pads", new long[] {pad, pad, pad, pad});
        return g.node(
                OnnxOperator.CONV,
                List.of(x, g.floats("w", new long[] {out, in, k, k}, w), g.floats("b", new long[] {out}, b)),
                attrs);
    }

    private static String batchNorm(OnnxGraph g, String x, int c, SplittableRandom rnd) {
        float[][] p = new float[4][c];
        for (int i = 0; i < c; i++) {
            p[0][i] = (float) rnd.nextDouble(0.5, 1.5);
            p[1][i] = (float) rnd.nextDouble(-0.2, 0.2);
            p[2][i] = (float) rnd.nextDouble(-0.3, 0.3);
            p[3][i] = (float) rnd.nextDouble(0.5, 2);
        }
        List<String> inputs = new ArrayList<>(List.of(x));
        for (int i = 0; i < 4; i++) {
            inputs.add(g.floats("bn", new long[] {c}, p[i]));
        }
        return g.nodeOutsideBundles("BatchNormalization", inputs, Map.of("epsilon", 1e-3f));
    }

    private Path write(String name, byte[] bytes) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    @Test
    void importedStemComputesWhatItsSourceComputesWhereverNoPaddingReaches() throws Exception {
        Stem s = stem(0, 3);
        Path file = write("stem.onnx", s.onnx());
        TeacherImport.Source source = TeacherImport.open(file, s.lastConv(), TeacherImport.DEFAULT_MAX_BYTES);
        TeacherImport.Imported imp = source.importAs("stem");

        List<Layer> layers = imp.spec().layers();
        assertEquals(6, layers.size(), layers.toString());
        assertEquals(Layer.conv(12, 3, 2, Layer.Activation.LEAKY, 0.2f), layers.get(1));
        assertEquals(Layer.Activation.RELU, imp.spec().activation(0));
        assertEquals(Layer.Type.AVGPOOL, layers.get(4).type());
        assertEquals(Layer.Activation.NONE, imp.spec().activation(5));
        // rf: 3, +2 (s2 conv) -> 5, jump 2; +1*2 (pool) -> 7, jump 4; +2*4 -> 15; +1*4 -> 19, jump 8; +2*8 -> 35
        assertEquals(35, imp.spec().receptiveField());
        assertEquals(8, imp.spec().totalStride());
        assertEquals(16, imp.spec().descriptorDim());
        assertEquals(4, imp.dropped(), imp.summary());
        // Offsets: pad 1 (jump 1) + pad 1 (jump 1) + Pad 1 (jump 4) + pad 1 (jump 8).
        assertEquals(1 + 1 + 4 + 8, imp.offsetY());

        ImportCheck.Report r = ImportCheck.compare(source, imp, 3);
        assertTrue(r.positions() >= 9, "only " + r.positions() + " positions compared");
        assertTrue(r.relativeDifference() <= 1e-4, "import vs source: " + r.relativeDifference());
    }

    @Test
    void importedDenseFormEqualsItsPatchFormAtTheBordersAndInside() throws Exception {
        Stem s = stem(0, 3);
        TeacherImport.Imported imp =
                TeacherImport.read(write("stem.onnx", s.onnx()), "stem", s.lastConv(), TeacherImport.DEFAULT_MAX_BYTES);
        int rf = imp.spec().receptiveField();
        int h = 9;
        int w = 12;
        FloatImage image = random(h + rf - 1, w + rf - 1, 7);
        FloatImage dense;
        try (GraphSession g = ExportCheck.session(
                Graphs.dense(imp.spec(), imp.weights(), "t", Map.of()).toByteArray(),
                "dense",
                Graphs.IMAGE_INPUT,
                Graphs.DESCRIPTORS)) {
            dense = g.run(image).get(Graphs.DESCRIPTORS);
        }
        assertEquals(h, dense.height());
        assertEquals(w, dense.width());
        List<int[]> pixels = List.of(
                new int[] {0, 0}, new int[] {0, w - 1}, new int[] {h - 1, 0}, new int[] {h - 1, w - 1}, new int[] {4, 5
                });
        try (GraphSession g = ExportCheck.session(
                Graphs.patch(imp.spec(), imp.weights(), "t", Map.of()).toByteArray(),
                "patch",
                Graphs.PATCH_INPUT,
                Graphs.DESCRIPTORS)) {
            for (int[] p : pixels) {
                float[] expected = g.run(image.crop(p[0], p[1], rf, rf))
                        .get(Graphs.DESCRIPTORS)
                        .data();
                float[] actual = new float[expected.length];
                for (int c = 0; c < actual.length; c++) {
                    actual[c] = dense.get(c, p[0], p[1]);
                }
                double d = ExportCheck.relativeDifference(expected, actual);
                assertTrue(d <= 1e-4, "pixel " + Arrays.toString(p) + ": " + d);
            }
        }
    }

    @Test
    void aNetworksOwnInputNormalisationFoldedIntoItsFirstConvGivesItsDescriptorsOnTheRunsInputs() throws Exception {
        Stem s = stem(0, 3);
        TeacherImport.Imported imp =
                TeacherImport.read(write("stem.onnx", s.onnx()), "stem", s.lastConv(), TeacherImport.DEFAULT_MAX_BYTES);
        float[] netMean = {0.5f, 0.5f, 0.5f};
        float[] netStd = {0.5f, 0.5f, 0.5f};
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        TeacherImport.Imported folded = imp.readingInputsNormalisedAs(mean, std, netMean, netStd);
        int rf = imp.spec().receptiveField();
        // Pixels in [0, 1], normalised each way.
        SplittableRandom rnd = new SplittableRandom(12);
        float[] asNet = new float[3 * rf * rf];
        float[] asRun = new float[asNet.length];
        for (int i = 0; i < asNet.length; i++) {
            int c = i / (rf * rf);
            float pixel = (float) rnd.nextDouble();
            asNet[i] = (pixel - netMean[c]) / netStd[c];
            asRun[i] = (pixel - mean[c]) / std[c];
        }
        float[] expected = patch(imp, new FloatImage(3, rf, rf, asNet));
        float[] actual = patch(folded, new FloatImage(3, rf, rf, asRun));
        assertTrue(
                ExportCheck.relativeDifference(expected, actual) <= 1e-4,
                "folded vs source normalisation: " + ExportCheck.relativeDifference(expected, actual));
        // Without the fold the run's inputs give other descriptors: the test can fail.
        assertTrue(ExportCheck.relativeDifference(expected, patch(imp, new FloatImage(3, rf, rf, asRun))) > 1e-2);
        assertEquals(imp.weights().keySet(), folded.weights().keySet());
    }

    private static float[] patch(TeacherImport.Imported imp, FloatImage image) throws Exception {
        try (GraphSession g = ExportCheck.session(
                Graphs.patch(imp.spec(), imp.weights(), "t", Map.of()).toByteArray(),
                "patch",
                Graphs.PATCH_INPUT,
                Graphs.DESCRIPTORS)) {
            return g.run(image).get(Graphs.DESCRIPTORS).data();
        }
    }

    @Test
    void aNetworkEndingInFlattenIsComparedWithItsSourceAtItsLastConv() throws Exception {
        SplittableRandom rnd = new SplittableRandom(8);
        OnnxGraph g = new OnnxGraph("flat");
        String x = g.input("pixels", 1L, 3L, "h", "w");
        x = conv(g, x, 3, 8, 3, 1, 1, rnd);
        x = g.node(OnnxOperator.LEAKY_RELU, List.of(x), Map.of("alpha", 0f));
        x = conv(g, x, 8, 8, 3, 2, 1, rnd);
        x = batchNorm(g, x, 8, rnd);
        g.output(g.nodeOutsideBundles("Flatten", List.of(x), Map.of("axis", 1L)), 1L, "features");
        Path file = write("flat.onnx", g.model("t", Map.of()).toByteArray());
        TeacherImport.Source source = TeacherImport.open(file, null, TeacherImport.DEFAULT_MAX_BYTES);
        TeacherImport.Imported imp = source.importAs("flat");
        // LeakyRelu with alpha 0 is a ReLU, not the project's default slope.
        assertEquals(Layer.Activation.RELU, imp.spec().activation(0));
        assertEquals(x, imp.compareAt());
        ImportCheck.Report r = ImportCheck.compare(source, imp, 5);
        assertTrue(r.positions() > 0 && r.relativeDifference() <= 1e-4, r.toString());
    }

    @Test
    void aNetworkCutAtANodeNameImportsAsAtItsOutput() throws Exception {
        Stem s = stem(0, 3);
        Path file = write("stem.onnx", s.onnx());
        OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(s.onnx());
        String nodeName = m.getGraph().getNodeList().stream()
                .filter(n -> n.getOutput(0).equals(s.lastConv()))
                .findFirst()
                .orElseThrow()
                .getName();
        TeacherImport.Imported byNode = TeacherImport.read(file, "stem", nodeName, TeacherImport.DEFAULT_MAX_BYTES);
        assertEquals(s.lastConv(), byNode.output());
    }

    @Test
    void everyFileItCannotTakeIsRefusedInOneLineNamingTheFileAndTheProblem() throws Exception {
        Stem s = stem(0, 3);
        Path good = write("stem.onnx", s.onnx());
        assertRefused(good, s.lastRelu(), "ends in an activation");
        assertRefused(good, null, "has 2 outputs");
        assertRefused(good, "no_such_layer", "no node or tensor is named 'no_such_layer'");
        assertRefused(write("text.onnx", "this is not a model\n".repeat(10).getBytes()), null, "not an ONNX model");
        assertRefused(write("truncated.onnx", Arrays.copyOf(s.onnx(), s.onnx().length / 2)), s.lastConv(), "truncated");
        assertRefused(write("grey.onnx", stem(0, 1).onnx()), s.lastConv(), "a float 3-channel image");
        assertRefused(write("small.onnx", stem(24, 3).onnx()), s.lastConv(), "larger than the 24x24 input");

        TeacherImport.ImportException e = assertThrows(
                TeacherImport.ImportException.class, () -> TeacherImport.read(good, "t", s.lastConv(), 1000));
        assertOneLine(good, e, "over the limit");

        // A residual join: Add reads two tensors that are not constants.
        OnnxGraph g = new OnnxGraph("res");
        String x = g.input("pixels", 1L, 3L, "h", "w");
        String a = conv(g, x, 3, 3, 3, 1, 1, new SplittableRandom(1));
        String sum = g.node(OnnxOperator.ADD, a, x);
        String out = conv(g, sum, 3, 4, 3, 1, 0, new SplittableRandom(2));
        g.output(out, 1L, 4L, "oh", "ow");
        Path res = write("residual.onnx", g.model("t", Map.of()).toByteArray());
        assertRefused(res, null, "unsupported operator Add at node 'add");

        // Padding that depends on the input size, and a batch norm in training mode.
        OnnxGraph same = new OnnxGraph("same");
        String in = same.input("pixels", 1L, 3L, "h", "w");
        String c = same.node(
                OnnxOperator.CONV,
                List.of(in, same.floats("w", new long[] {4, 3, 3, 3}, new float[4 * 27])),
                Map.of("kernel_shape", new long[] {3, 3}, "auto_pad", "SAME_UPPER"));
        same.output(c, 1L, 4L, "oh", "ow");
        assertRefused(write("same.onnx", same.model("t", Map.of()).toByteArray()), null, "auto_pad SAME_UPPER");
        OnnxGraph train = new OnnxGraph("train");
        String t = conv(train, train.input("pixels", 1L, 3L, "h", "w"), 3, 4, 3, 1, 0, new SplittableRandom(3));
        List<String> bn = new ArrayList<>(List.of(t));
        for (int i = 0; i < 4; i++) {
            bn.add(train.floats("bn", new long[] {4}, new float[] {1, 1, 1, 1}));
        }
        train.output(train.nodeOutsideBundles("BatchNormalization", bn, Map.of("training_mode", 1L)), 1L, 4L, "h", "w");
        assertRefused(write("train.onnx", train.model("t", Map.of()).toByteArray()), null, "training mode");

        // Weights kept outside the file.
        OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(s.onnx());
        OnnxMl.GraphProto.Builder gb = m.getGraph().toBuilder();
        gb.setInitializer(
                0,
                gb.getInitializer(0).toBuilder()
                        .clearRawData()
                        .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(OnnxMl.StringStringEntryProto.newBuilder()
                                .setKey("location")
                                .setValue("weights.bin")));
        Path external =
                write("external.onnx", m.toBuilder().setGraph(gb).build().toByteArray());
        assertRefused(external, s.lastConv(), "external data file");
    }

    private static void assertRefused(Path file, String output, String problem) {
        TeacherImport.ImportException e = assertThrows(
                TeacherImport.ImportException.class,
                () -> TeacherImport.read(file, "t", output, TeacherImport.DEFAULT_MAX_BYTES),
                file.toString());
        assertOneLine(file, e, problem);
    }

    private static void assertOneLine(Path file, Exception e, String problem) {
        String m = e.getMessage();
        assertTrue(m.startsWith(file + ": "), m);
        assertTrue(m.contains(problem), "expected '" + problem + "' in: " + m);
        assertFalse(m.contains("\n"), m);
    }

    private static FloatImage random(int h, int w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] d = new float[3 * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return new FloatImage(3, h, w, d);
    }
}
