package dev.stad.bench.pretrained;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stad.bench.BenchCommand;
import dev.stad.exporter.onnx.TeacherImport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfjsLayersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SIDE = 21;

    @TempDir
    Path dir;

    /** The weights as the test stores them and as TensorFlow.js reads them back. */
    private final Map<String, float[]> stored = new java.util.LinkedHashMap<>();

    private final ByteArrayOutputStream shard = new ByteArrayOutputStream();
    private ArrayNode weightSpecs;

    /**
     * A Keras functional model, NHWC: conv 3x3 'same' + bias (float32 weights), batch norm without
     * scale (uint8-quantized), relu, max pool 2, zero padding ((1, 2), (0, 1)), conv 1x1 + bias +
     * relu, conv 3x3 stride 2 'valid' without bias (float16), batch norm with scale
     * (uint16-quantized).
     */
    private Path model(String extraLayerClass) throws Exception {
        SplittableRandom rnd = new SplittableRandom(3);
        ObjectNode root = JSON.createObjectNode();
        ArrayNode layers = root.putObject("modelTopology")
                .putObject("model_config")
                .put("class_name", "Model")
                .putObject("config")
                .putArray("layers");
        ObjectNode in = layer(layers, "input_1", "InputLayer", null);
        in.with("config")
                .putArray("batch_input_shape")
                .addNull()
                .add(SIDE)
                .add(SIDE)
                .add(3);
        ObjectNode c1 = layer(layers, "conv_a", "Conv2D", "input_1");
        conv(c1, 8, 3, 1, "same", true, "linear");
        ObjectNode b1 = layer(layers, "bn_a", "BatchNormalization", "conv_a");
        b1.with("config").put("scale", false).put("center", true).put("epsilon", 1e-3);
        layer(layers, "act_a", "Activation", "bn_a").with("config").put("activation", "relu");
        layer(layers, "pool_a", "MaxPooling2D", "act_a")
                .with("config")
                .putArray("pool_size")
                .add(2)
                .add(2);
        ObjectNode pad = layer(layers, "pad_a", "ZeroPadding2D", "pool_a");
        ArrayNode p = pad.with("config").putArray("padding");
        p.addArray().add(1).add(2);
        p.addArray().add(0).add(1);
        conv(layer(layers, "conv_m", "Conv2D", "pad_a"), 8, 1, 1, "valid", true, "relu");
        ObjectNode c2 = layer(layers, "conv_b", "Conv2D", "conv_m");
        conv(c2, 16, 3, 2, "valid", false, "linear");
        ObjectNode b2 = layer(layers, "bn_b", "BatchNormalization", "conv_b");
        b2.with("config").put("scale", true).put("center", true).put("epsilon", 1e-3);
        if (extraLayerClass != null) {
            layer(layers, "extra", extraLayerClass, "bn_b");
        }
        weightSpecs = JSON.createArrayNode();
        put("model_1/conv_a/kernel", new int[] {3, 3, 3, 8}, "float32", rnd, 0.4);
        put("model_1/conv_a/bias", new int[] {8}, "float32", rnd, 0.1);
        put("bn_a/beta", new int[] {8}, "uint8", rnd, 0.3);
        put("bn_a/moving_mean", new int[] {8}, "uint8", rnd, 0.2);
        put("bn_a/moving_variance", new int[] {8}, "uint8", rnd, -1);
        put("conv_m/kernel", new int[] {1, 1, 8, 8}, "float32", rnd, 0.5);
        put("conv_m/bias", new int[] {8}, "float32", rnd, 0.1);
        put("conv_b/kernel", new int[] {3, 3, 8, 16}, "float16", rnd, 0.3);
        put("bn_b/gamma", new int[] {16}, "uint16", rnd, -1);
        put("bn_b/beta", new int[] {16}, "uint16", rnd, 0.2);
        put("bn_b/moving_mean", new int[] {16}, "uint16", rnd, 0.2);
        put("bn_b/moving_variance", new int[] {16}, "uint16", rnd, -1);
        ObjectNode group = root.putArray("weightsManifest").addObject();
        group.putArray("paths").add("group1-shard1of1");
        group.set("weights", weightSpecs);
        Files.write(dir.resolve("group1-shard1of1"), shard.toByteArray());
        Path file = dir.resolve("model.json");
        JSON.writeValue(file.toFile(), root);
        return file;
    }

    private static ObjectNode layer(ArrayNode layers, String name, String kind, String from) {
        ObjectNode l = layers.addObject().put("name", name).put("class_name", kind);
        l.putObject("config").put("name", name);
        ArrayNode inbound = l.putArray("inbound_nodes");
        if (from != null) {
            inbound.addArray().addArray().add(from).add(0).add(0).addObject();
        }
        return l;
    }

    private static void conv(ObjectNode l, int filters, int k, int s, String padding, boolean bias, String act) {
        ObjectNode c = l.with("config");
        c.put("filters", filters).put("padding", padding).put("use_bias", bias).put("activation", act);
        c.putArray("kernel_size").add(k).add(k);
        c.putArray("strides").add(s).add(s);
        c.putArray("dilation_rate").add(1).add(1);
    }

    /** Stores random values (in [0.2, 1.2] where amplitude < 0: variances and scales) as {@code dtype}. */
    private void put(String name, int[] shape, String dtype, SplittableRandom rnd, double amplitude) {
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (amplitude < 0 ? rnd.nextDouble(0.2, 1.2) : rnd.nextDouble(-amplitude, amplitude));
        }
        ObjectNode spec = weightSpecs.addObject().put("name", name).put("dtype", "float32");
        ArrayNode s = spec.putArray("shape");
        Arrays.stream(shape).forEach(s::add);
        ByteBuffer b;
        float[] read = new float[n];
        switch (dtype) {
            case "float32" -> {
                b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) {
                    b.putFloat(f);
                }
                read = v;
            }
            case "float16" -> {
                spec.putObject("quantization").put("dtype", "float16");
                b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) {
                    // Values exactly representable in binary16: a multiple of 2^-10 below 1.
                    int q = (int) Math.round(v[i] * 1024);
                    read[i] = q / 1024f;
                    b.putShort(toHalf(read[i]));
                }
            }
            default -> {
                int levels = dtype.equals("uint8") ? 255 : 65535;
                float min = (float) Arrays.stream(box(v))
                        .mapToDouble(Float::doubleValue)
                        .min()
                        .orElseThrow();
                float max = (float) Arrays.stream(box(v))
                        .mapToDouble(Float::doubleValue)
                        .max()
                        .orElseThrow();
                double scale = (max - min) / levels;
                spec.putObject("quantization")
                        .put("dtype", dtype)
                        .put("min", min)
                        .put("scale", scale);
                b = ByteBuffer.allocate((levels == 255 ? 1 : 2) * n).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) {
                    int q = (int) Math.round((v[i] - min) / scale);
                    read[i] = (float) (min + scale * q);
                    if (levels == 255) {
                        b.put((byte) q);
                    } else {
                        b.putShort((short) q);
                    }
                }
            }
        }
        shard.writeBytes(b.array());
        stored.put(name.startsWith("model_1/") ? name.substring("model_1/".length()) : name, read);
    }

    private static Float[] box(float[] v) {
        Float[] b = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = v[i];
        }
        return b;
    }

    /** binary16 of a normal value whose mantissa fits 10 bits (the test only stores such values). */
    private static short toHalf(float f) {
        if (f == 0) {
            return 0;
        }
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = ((bits >>> 23) & 0xff) - 127 + 15;
        int mantissa = (bits >>> 13) & 0x3ff;
        return (short) (sign | (exponent << 10) | mantissa);
    }

    @Test
    void convertedChainComputesWhatTheKerasLayersComputeIndependently() throws Exception {
        TfjsLayers.Converted c = TfjsLayers.read(model(null)).convert("bn_b");
        assertEquals(8, c.layers().size(), c.layers().toString());
        // 3x3 conv, 2x2 pool (then jump 2), 1x1 and 3x3 convs: 1 + 2 + 1 + 0 + 2 * 2.
        assertEquals(8, c.receptiveField());
        assertEquals(4, c.stride());
        assertEquals(16, c.channels());

        SplittableRandom rnd = new SplittableRandom(9);
        float[][][] image = new float[SIDE][SIDE][3];
        float[] nchw = new float[3 * SIDE * SIDE];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    image[y][x][ch] = (float) rnd.nextDouble(-1, 1);
                    nchw[(ch * SIDE + y) * SIDE + x] = image[y][x][ch];
                }
            }
        }
        float[][][] expected = keras(image);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(c.onnx(), new OrtSession.SessionOptions());
                OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(nchw), new long[] {1, 3, SIDE, SIDE});
                OrtSession.Result r = s.run(Map.of("image", in))) {
            OnnxTensor out = (OnnxTensor) r.get("bn_b").orElseThrow();
            long[] shape = out.getInfo().getShape();
            assertArrayEquals(new long[] {1, 16, expected.length, expected[0].length}, shape);
            float[] got = out.getFloatBuffer().array();
            double worst = 0;
            for (int y = 0; y < expected.length; y++) {
                for (int x = 0; x < expected[0].length; x++) {
                    for (int ch = 0; ch < 16; ch++) {
                        float g = got[(ch * expected.length + y) * expected[0].length + x];
                        worst = Math.max(worst, Math.abs(g - expected[y][x][ch]));
                    }
                }
            }
            assertTrue(worst < 1e-4, "largest difference " + worst);
        }
    }

    @Test
    void aSequentialModelConvertsAsItsFunctionalForm() throws Exception {
        Path file = model(null);
        byte[] functional = TfjsLayers.read(file).convert("bn_b").onnx();
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        ObjectNode config = (ObjectNode) root.path("modelTopology").path("model_config");
        ArrayNode sequential = JSON.createArrayNode();
        for (var layer : config.path("config").path("layers")) {
            if (!layer.path("class_name").asText().equals("InputLayer")) {
                // Keras's Sequential entries carry their name in the config only, and no inbound nodes.
                sequential
                        .addObject()
                        .put("class_name", layer.path("class_name").asText())
                        .set("config", layer.path("config"));
            }
        }
        config.put("class_name", "Sequential");
        ((ObjectNode) config.path("config")).set("layers", sequential);
        JSON.writeValue(file.toFile(), root);
        assertArrayEquals(functional, TfjsLayers.read(file).convert("bn_b").onnx());
    }

    @Test
    void theTrainersImporterReadsTheConvertedFile() throws Exception {
        Path onnx = dir.resolve("converted.onnx");
        Files.write(onnx, TfjsLayers.read(model(null)).convert("bn_b").onnx());
        TeacherImport.Imported imported = TeacherImport.read(onnx, "keras", "bn_b", TeacherImport.DEFAULT_MAX_BYTES);
        assertEquals(8, imported.spec().receptiveField());
        assertEquals(4, imported.spec().totalStride());
        assertEquals(16, imported.spec().descriptorDim());
        assertEquals(2, imported.dropped(), "the conv's same padding and the ZeroPadding2D");
    }

    @Test
    void anotherLayerOnTheWayIsRefusedByName() throws Exception {
        Path file = model("DepthwiseConv2D");
        var e = assertThrows(
                TfjsLayers.ConversionException.class,
                () -> TfjsLayers.read(file).convert("extra"));
        assertEquals(
                file + ": layer 'extra' is a DepthwiseConv2D, which does not convert (on the way to 'extra' only"
                        + " a chain of Conv2D, BatchNormalization, ReLU, pooling, ZeroPadding2D and Dropout layers does)",
                e.getMessage());
        // Cut before it, the same file converts.
        assertEquals(16, TfjsLayers.read(file).convert("bn_b").channels());
    }

    @Test
    void badFilesAreRefusedNamingTheFileAndTheProblem() throws Exception {
        Path file = model(null);
        var unknown = assertThrows(
                TfjsLayers.ConversionException.class,
                () -> TfjsLayers.read(file).convert("nope"));
        assertTrue(
                unknown.getMessage().startsWith(file + ": no layer named 'nope' (layers: input_1, conv_a"),
                unknown.getMessage());

        Path shardFile = dir.resolve("group1-shard1of1");
        byte[] whole = Files.readAllBytes(shardFile);
        Files.write(shardFile, Arrays.copyOf(whole, whole.length - 7));
        var truncated = assertThrows(TfjsLayers.ConversionException.class, () -> TfjsLayers.read(file));
        assertEquals(
                file + ": the weight shards end inside weight bn_b/moving_variance (truncated or not the shards"
                        + " of this manifest)",
                truncated.getMessage());

        Files.delete(shardFile);
        var missing = assertThrows(TfjsLayers.ConversionException.class, () -> TfjsLayers.read(file));
        assertTrue(missing.getMessage().endsWith("group1-shard1of1 is missing"), missing.getMessage());

        Files.writeString(file, "{\"modelTopology\": {\"node\": []}}");
        var graph = assertThrows(TfjsLayers.ConversionException.class, () -> TfjsLayers.read(file));
        assertTrue(graph.getMessage().startsWith(file + ": no modelTopology with layers"), graph.getMessage());
    }

    @Test
    void theCommandWritesTheGraphAndSaysWhatItConvertedOrWhyNot() throws Exception {
        Path file = model(null);
        Path out = dir.resolve("teachers/keras.onnx");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        String[] args = {"tfjs-import", "--model", file.toString(), "--cut", "bn_b", "--out", out.toString()};
        assertEquals(0, BenchCommand.commandLine(ps, ps, false).execute(args), buf.toString(StandardCharsets.UTF_8));
        assertTrue(
                buf.toString(StandardCharsets.UTF_8)
                        .startsWith("Wrote " + out
                                + ": 8 layers up to 'bn_b', receptive field 8 px, stride 4, 16 channels"),
                buf.toString(StandardCharsets.UTF_8));
        assertEquals(
                16,
                TeacherImport.read(out, "keras", "bn_b", TeacherImport.DEFAULT_MAX_BYTES)
                        .spec()
                        .descriptorDim());

        buf.reset();
        args[4] = "nope";
        assertEquals(1, BenchCommand.commandLine(ps, ps, false).execute(args));
        assertTrue(
                buf.toString(StandardCharsets.UTF_8).contains(file + ": no layer named 'nope'"),
                buf.toString(StandardCharsets.UTF_8));
    }

    /** The model computed in NHWC, straight from the Keras definitions. */
    private float[][][] keras(float[][][] image) {
        float[][][] a = conv(image, stored.get("conv_a/kernel"), stored.get("conv_a/bias"), 3, 8, 1, 1);
        a = batchNorm(
                a, null, stored.get("bn_a/beta"), stored.get("bn_a/moving_mean"), stored.get("bn_a/moving_variance"));
        relu(a);
        a = maxPool(a, 2);
        a = zeroPad(a, 1, 2, 0, 1);
        a = conv(a, stored.get("conv_m/kernel"), stored.get("conv_m/bias"), 1, 8, 1, 0);
        relu(a);
        a = conv(a, stored.get("conv_b/kernel"), null, 3, 16, 2, 0);
        return batchNorm(
                a,
                stored.get("bn_b/gamma"),
                stored.get("bn_b/beta"),
                stored.get("bn_b/moving_mean"),
                stored.get("bn_b/moving_variance"));
    }

    private static float[][][] conv(float[][][] x, float[] kernel, float[] bias, int k, int out, int stride, int pad) {
        int h = x.length, w = x[0].length, in = x[0][0].length;
        int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
        float[][][] y = new float[oh][ow][out];
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                for (int co = 0; co < out; co++) {
                    double sum = bias == null ? 0 : bias[co];
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) {
                            int yy = oy * stride + i - pad, xx = ox * stride + j - pad;
                            if (yy < 0 || xx < 0 || yy >= h || xx >= w) {
                                continue;
                            }
                            for (int ci = 0; ci < in; ci++) {
                                sum += x[yy][xx][ci] * kernel[((i * k + j) * in + ci) * out + co];
                            }
                        }
                    }
                    y[oy][ox][co] = (float) sum;
                }
            }
        }
        return y;
    }

    private static float[][][] batchNorm(float[][][] x, float[] gamma, float[] beta, float[] mean, float[] var) {
        for (float[][] row : x) {
            for (float[] px : row) {
                for (int c = 0; c < px.length; c++) {
                    double g = gamma == null ? 1 : gamma[c];
                    px[c] = (float) ((px[c] - mean[c]) / Math.sqrt(var[c] + 1e-3) * g + beta[c]);
                }
            }
        }
        return x;
    }

    private static void relu(float[][][] x) {
        for (float[][] row : x) {
            for (float[] px : row) {
                for (int c = 0; c < px.length; c++) {
                    px[c] = Math.max(0, px[c]);
                }
            }
        }
    }

    private static float[][][] maxPool(float[][][] x, int k) {
        int oh = x.length / k, ow = x[0].length / k, ch = x[0][0].length;
        float[][][] y = new float[oh][ow][ch];
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                for (int c = 0; c < ch; c++) {
                    float m = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) {
                            m = Math.max(m, x[oy * k + i][ox * k + j][c]);
                        }
                    }
                    y[oy][ox][c] = m;
                }
            }
        }
        return y;
    }

    private static float[][][] zeroPad(float[][][] x, int top, int bottom, int left, int right) {
        int h = x.length, w = x[0].length, ch = x[0][0].length;
        float[][][] y = new float[h + top + bottom][w + left + right][ch];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                y[i + top][j + left] = x[i][j].clone();
            }
        }
        return y;
    }
}
