package dev.stad.bench.pretrained;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.exporter.onnx.OnnxGraph;
import dev.stad.runtime.bundle.OnnxOperator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TensorFlow.js Layers model (a {@code model.json} holding the Keras topology and a weights
 * manifest, next to its binary weight shards), read as a chain of layers from the image input to
 * a chosen layer and written as an ONNX graph that the trainer's {@code teacher.source "onnx"}
 * and {@code "distill"} read.
 *
 * <p>Why: pretrained image networks reach this project's machines as such files (npm packages
 * ship them), while nothing can be downloaded at run time. What converts: {@code InputLayer},
 * {@code Conv2D} (one group, no dilation, {@code valid} or stride-1 {@code same} padding, a
 * linear or ReLU activation), {@code BatchNormalization} (inference form), {@code Activation}
 * and {@code ReLU} (ReLU only), {@code MaxPooling2D} and {@code AveragePooling2D} ({@code valid}),
 * {@code ZeroPadding2D}, {@code Dropout}. Keras's NHWC kernels become ONNX's NCHW ones; weights
 * stored quantized (uint8, uint16 with a {@code min} and {@code scale}, or float16) are
 * dequantized as TensorFlow.js does. Anything else on the way to the cut (a concatenation, a
 * depthwise convolution) is refused naming the layer.
 */
public final class TfjsLayers {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A model.json that cannot be converted, with the file and the problem in the message. */
    public static final class ConversionException extends Exception {
        public ConversionException(String message) {
            super(message);
        }
    }

    /** The converted chain: the ONNX bytes, what was converted, and the receptive field up to the cut. */
    public record Converted(byte[] onnx, List<String> layers, int receptiveField, int stride, int channels) {}

    private final Path file;
    private final List<JsonNode> layers;
    private final Map<String, float[]> weights;

    private TfjsLayers(Path file, List<JsonNode> layers, Map<String, float[]> weights) {
        this.file = file;
        this.layers = layers;
        this.weights = weights;
    }

    /** Reads {@code modelJson} and the weight shards its manifest names (resolved next to it). */
    public static TfjsLayers read(Path modelJson) throws IOException, ConversionException {
        JsonNode root;
        try {
            root = JSON.readTree(modelJson.toFile());
        } catch (IOException e) {
            throw new ConversionException(modelJson + ": not a readable model.json (" + e.getMessage() + ")");
        }
        JsonNode topology = root.path("modelTopology");
        JsonNode config = topology.has("model_config") ? topology.get("model_config") : topology;
        JsonNode layerList = config.path("config").isArray()
                ? config.path("config")
                : config.path("config").path("layers");
        if (!layerList.isArray() || layerList.isEmpty()) {
            throw new ConversionException(
                    modelJson + ": no modelTopology with layers (a TensorFlow.js Layers model is needed; a graph"
                            + " model's modelTopology is a TensorFlow GraphDef, which does not convert)");
        }
        List<JsonNode> layers = new ArrayList<>();
        layerList.forEach(layers::add);
        JsonNode manifest = root.path("weightsManifest");
        if (!manifest.isArray()) {
            throw new ConversionException(modelJson + ": no weightsManifest");
        }
        Map<String, float[]> weights = new HashMap<>();
        Path dir = modelJson.toAbsolutePath().getParent();
        for (JsonNode group : manifest) {
            ByteBuffer bytes = shards(modelJson, dir, group.path("paths"));
            for (JsonNode w : group.path("weights")) {
                String name = w.path("name").asText();
                long n = 1;
                for (JsonNode d : w.path("shape")) {
                    n *= d.asLong();
                }
                float[] values = new float[Math.toIntExact(n)];
                JsonNode q = w.path("quantization");
                String dtype = q.isMissingNode()
                        ? w.path("dtype").asText("float32")
                        : q.path("dtype").asText();
                int width = switch (dtype) {
                    case "float32" -> 4;
                    case "uint16", "float16" -> 2;
                    case "uint8" -> 1;
                    default ->
                        throw new ConversionException(modelJson + ": weight " + name + " is stored as " + dtype
                                + ", which does not" + " convert (float32, float16, uint8 and uint16 do)");
                };
                if (bytes.remaining() < n * width) {
                    throw new ConversionException(modelJson + ": the weight shards end inside weight " + name
                            + " (truncated or not the shards of this manifest)");
                }
                double min = q.path("min").asDouble(0);
                double scale = q.path("scale").asDouble(1);
                for (int i = 0; i < values.length; i++) {
                    values[i] = switch (dtype) {
                        case "float32" -> bytes.getFloat();
                        case "float16" -> halfToFloat(bytes.getShort());
                        case "uint16" -> (float) (min + scale * (bytes.getShort() & 0xffff));
                        default -> (float) (min + scale * (bytes.get() & 0xff));
                    };
                }
                weights.put(name, values);
            }
            if (bytes.hasRemaining()) {
                throw new ConversionException(modelJson + ": " + bytes.remaining() + " bytes of the weight shards"
                        + " are not in the manifest (not the shards of this manifest)");
            }
        }
        return new TfjsLayers(modelJson, layers, weights);
    }

    private static ByteBuffer shards(Path modelJson, Path dir, JsonNode paths) throws IOException, ConversionException {
        List<byte[]> parts = new ArrayList<>();
        int total = 0;
        for (JsonNode p : paths) {
            Path shard = dir.resolve(p.asText());
            if (!Files.isRegularFile(shard)) {
                throw new ConversionException(modelJson + ": weight shard " + shard + " is missing");
            }
            byte[] b = Files.readAllBytes(shard);
            parts.add(b);
            total = Math.addExact(total, b.length);
        }
        ByteBuffer all = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        parts.forEach(all::put);
        return all.flip();
    }

    /**
     * The chain from the input to {@code cut} (a layer name) as an ONNX graph with input
     * {@code image} ({@code N x 3 x H x W}, free height and width) and one output named after the
     * cut.
     */
    public Converted convert(String cut) throws ConversionException {
        List<JsonNode> chain = chain(cut);
        OnnxGraph g = new OnnxGraph(cut);
        String x = g.input("image", "n", 3L, "h", "w");
        int channels = 3;
        int rf = 1;
        int jump = 1;
        List<String> done = new ArrayList<>();
        for (JsonNode layer : chain) {
            String name = name(layer);
            String kind = layer.path("class_name").asText();
            JsonNode c = layer.path("config");
            switch (kind) {
                case "InputLayer" -> {
                    JsonNode shape = c.has("batch_input_shape") ? c.get("batch_input_shape") : c.path("batch_shape");
                    if (shape.isArray() && shape.size() == 4 && shape.get(3).asInt(3) != 3) {
                        throw refuse(
                                layer, "reads " + shape.get(3).asInt() + " channels; an RGB image input is needed");
                    }
                    continue;
                }
                case "Dropout" -> {
                    continue;
                }
                case "Conv2D" -> {
                    requireChannelsLast(layer);
                    int[] k = pair(layer, "kernel_size");
                    int[] s = pair(layer, "strides");
                    int[] d = c.has("dilation_rate") ? pair(layer, "dilation_rate") : new int[] {1, 1};
                    if (k[0] != k[1]
                            || s[0] != s[1]
                            || d[0] != 1
                            || d[1] != 1
                            || c.path("groups").asInt(1) != 1) {
                        throw refuse(layer, "is not a square, undilated, ungrouped convolution");
                    }
                    int out = c.path("filters").asInt();
                    float[] kernel = weight(name, "kernel", (long) k[0] * k[1] * channels * out);
                    float[] w = new float[kernel.length];
                    // Keras: [kh][kw][in][out]; ONNX: [out][in][kh][kw].
                    for (int i = 0; i < k[0]; i++) {
                        for (int j = 0; j < k[1]; j++) {
                            for (int ci = 0; ci < channels; ci++) {
                                for (int co = 0; co < out; co++) {
                                    w[((co * channels + ci) * k[0] + i) * k[1] + j] =
                                            kernel[((i * k[1] + j) * channels + ci) * out + co];
                                }
                            }
                        }
                    }
                    int pad = padding(layer, k[0], s[0]);
                    List<String> inputs = new ArrayList<>(List.of(
                            x, g.floats(name + "_w", new long[] {out, channels, k[0], k[1]}, w)));
                    if (c.path("use_bias").asBoolean(true)) {
                        inputs.add(g.floats(name + "_b", new long[] {out}, weight(name, "bias", out)));
                    }
                    Map<String, Object> attrs = new LinkedHashMap<>();
                    attrs.put("kernel_shape", new long[] {k[0], k[1]});
                    attrs.put("strides", new long[] {s[0], s[1]});
                    attrs.put("pads", new long[] {pad, pad, pad, pad});
                    x = g.node(OnnxOperator.CONV, inputs, attrs);
                    x = activation(g, layer, x, c.path("activation").asText("linear"));
                    rf += (k[0] - 1) * jump;
                    jump *= s[0];
                    channels = out;
                }
                case "BatchNormalization" -> {
                    int axis = c.path("axis").isArray()
                            ? c.path("axis").get(0).asInt(-1)
                            : c.path("axis").asInt(-1);
                    if (axis != -1 && axis != 3) {
                        throw refuse(layer, "normalises axis " + axis + ", not the channels");
                    }
                    float[] gamma =
                            c.path("scale").asBoolean(true) ? weight(name, "gamma", channels) : fill(channels, 1);
                    float[] beta =
                            c.path("center").asBoolean(true) ? weight(name, "beta", channels) : fill(channels, 0);
                    float[] mean = weight(name, "moving_mean", channels);
                    float[] var = weight(name, "moving_variance", channels);
                    x = g.nodeOutsideBundles(
                            "BatchNormalization",
                            List.of(
                                    x,
                                    g.floats(name + "_scale", new long[] {channels}, gamma),
                                    g.floats(name + "_bias", new long[] {channels}, beta),
                                    g.floats(name + "_mean", new long[] {channels}, mean),
                                    g.floats(name + "_var", new long[] {channels}, var)),
                            Map.of("epsilon", (float) c.path("epsilon").asDouble(1e-3)));
                }
                case "Activation" ->
                    x = activation(g, layer, x, c.path("activation").asText());
                case "ReLU" -> {
                    if (c.hasNonNull("max_value")
                            || c.path("negative_slope").asDouble(0) != 0
                            || c.path("threshold").asDouble(0) != 0) {
                        throw refuse(layer, "is a capped, leaky or thresholded ReLU; only a plain ReLU converts");
                    }
                    x = g.node(OnnxOperator.RELU, x);
                }
                case "MaxPooling2D", "AveragePooling2D" -> {
                    requireChannelsLast(layer);
                    int[] k = pair(layer, "pool_size");
                    int[] s = c.hasNonNull("strides") ? pair(layer, "strides") : k;
                    if (k[0] != k[1] || s[0] != s[1]) {
                        throw refuse(layer, "is not a square pooling");
                    }
                    if (!"valid".equals(c.path("padding").asText("valid"))) {
                        throw refuse(
                                layer,
                                "pads its input ('" + c.path("padding").asText() + "'); only 'valid'"
                                        + " pooling converts");
                    }
                    x = g.node(
                            kind.startsWith("Max") ? OnnxOperator.MAX_POOL : OnnxOperator.AVERAGE_POOL,
                            List.of(x),
                            Map.of("kernel_shape", new long[] {k[0], k[1]}, "strides", new long[] {s[0], s[1]}));
                    rf += (k[0] - 1) * jump;
                    jump *= s[0];
                }
                case "ZeroPadding2D" -> {
                    long[] p = zeroPadding(layer);
                    x = g.node(
                            OnnxOperator.PAD,
                            List.of(x, g.ints("pads", 0, 0, p[0], p[1], 0, 0, p[2], p[3])),
                            Map.of("mode", "constant"));
                }
                default ->
                    throw refuse(
                            layer,
                            "is a " + kind + ", which does not convert (on the way to '" + cut
                                    + "' only a chain of Conv2D, BatchNormalization, ReLU, pooling, ZeroPadding2D and Dropout"
                                    + " layers does)");
            }
            done.add(name + " (" + kind + ")");
        }
        String out = g.rename(x, cut);
        g.output(out, "n", (long) channels, "oh", "ow");
        return new Converted(
                g.model("tfjs-import", Map.of("source", file.getFileName().toString()))
                        .toByteArray(),
                done,
                rf,
                jump,
                channels);
    }

    /** The layers from the input to {@code cut}, each the only input of the next. */
    private List<JsonNode> chain(String cut) throws ConversionException {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        for (JsonNode l : layers) {
            byName.put(name(l), l);
        }
        if (!byName.containsKey(cut)) {
            throw new ConversionException(file + ": no layer named '" + cut + "' (layers: "
                    + String.join(", ", byName.keySet().stream().limit(12).toList())
                    + (byName.size() > 12 ? ", ..." : "") + ")");
        }
        boolean sequential = layers.stream().noneMatch(l -> l.has("inbound_nodes"));
        List<JsonNode> chain = new ArrayList<>();
        if (sequential) {
            for (JsonNode l : layers) {
                chain.add(l);
                if (l == byName.get(cut)) {
                    break;
                }
            }
            return chain;
        }
        JsonNode l = byName.get(cut);
        while (true) {
            chain.add(0, l);
            JsonNode inbound = l.path("inbound_nodes");
            if (inbound.isEmpty()) {
                return chain;
            }
            if (!inbound.get(0).isArray() || !inbound.get(0).path(0).isArray()) {
                throw refuse(
                        l,
                        "lists its inputs in a form this converter does not read (Keras 2's"
                                + " [[[layer, node, tensor, {}]]] is read)");
            }
            if (inbound.size() != 1 || inbound.get(0).size() != 1) {
                throw refuse(l, "reads more than one tensor (or is called more than once); only a chain converts");
            }
            String from = inbound.get(0).get(0).get(0).asText();
            l = byName.get(from);
            if (l == null) {
                throw new ConversionException(file + ": layer '" + from + "' is read but not defined");
            }
        }
    }

    private String activation(OnnxGraph g, JsonNode layer, String x, String activation) throws ConversionException {
        return switch (activation) {
            case "linear" -> x;
            case "relu" -> g.node(OnnxOperator.RELU, x);
            default -> throw refuse(layer, "has activation '" + activation + "'; only linear and relu convert");
        };
    }

    private float[] weight(String layer, String kind, long expected) throws ConversionException {
        String suffix = layer + "/" + kind;
        float[] found = null;
        for (Map.Entry<String, float[]> e : weights.entrySet()) {
            String n = e.getKey();
            if (n.equals(suffix)
                    || n.endsWith("/" + suffix)
                    || n.equals(suffix + ":0")
                    || n.endsWith("/" + suffix + ":0")) {
                if (found != null) {
                    throw new ConversionException(file + ": more than one weight ends in " + suffix);
                }
                found = e.getValue();
            }
        }
        if (found == null) {
            throw new ConversionException(file + ": layer '" + layer + "' has no weight " + kind + " in the manifest");
        }
        if (found.length != expected) {
            throw new ConversionException(file + ": weight " + suffix + " holds " + found.length + " values, the layer"
                    + " needs " + expected);
        }
        return found;
    }

    private void requireChannelsLast(JsonNode layer) throws ConversionException {
        String f = layer.path("config").path("data_format").asText("channels_last");
        if (!"channels_last".equals(f)) {
            throw refuse(layer, "is " + f + "; Keras models are channels_last");
        }
    }

    private int padding(JsonNode layer, int k, int stride) throws ConversionException {
        String p = layer.path("config").path("padding").asText("valid");
        return switch (p) {
            case "valid" -> 0;
            case "same" -> {
                if (stride != 1 || k % 2 == 0) {
                    // TensorFlow's 'same' then pads by an amount that depends on the input size.
                    throw refuse(
                            layer,
                            "pads 'same' with stride " + stride + " and kernel " + k + "; only stride 1 and"
                                    + " odd kernels convert");
                }
                yield (k - 1) / 2;
            }
            default -> throw refuse(layer, "has padding '" + p + "'");
        };
    }

    private int[] pair(JsonNode layer, String key) throws ConversionException {
        JsonNode v = layer.path("config").path(key);
        if (v.isInt()) {
            return new int[] {v.asInt(), v.asInt()};
        }
        if (!v.isArray() || v.size() != 2) {
            throw refuse(layer, "has no two-value " + key);
        }
        return new int[] {v.get(0).asInt(), v.get(1).asInt()};
    }

    /** Top, left, bottom, right. */
    private long[] zeroPadding(JsonNode layer) throws ConversionException {
        JsonNode p = layer.path("config").path("padding");
        if (p.isInt()) {
            return new long[] {p.asInt(), p.asInt(), p.asInt(), p.asInt()};
        }
        if (p.isArray() && p.size() == 2 && p.get(0).isInt()) {
            return new long[] {
                p.get(0).asInt(), p.get(1).asInt(), p.get(0).asInt(), p.get(1).asInt()
            };
        }
        if (p.isArray() && p.size() == 2 && p.get(0).isArray()) {
            return new long[] {
                p.get(0).get(0).asInt(),
                p.get(1).get(0).asInt(),
                p.get(0).get(1).asInt(),
                p.get(1).get(1).asInt()
            };
        }
        throw refuse(layer, "has a padding this converter does not read");
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float subnormal = mantissa * 0x1p-24f;
            return sign == 0 ? subnormal : -subnormal;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static float[] fill(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private ConversionException refuse(JsonNode layer, String problem) {
        return new ConversionException(file + ": layer '" + name(layer) + "' " + problem);
    }

    /** A layer's name: at the top of a functional model's entry, in its config in a Sequential one. */
    private static String name(JsonNode layer) {
        return layer.path("name").asText(layer.path("config").path("name").asText());
    }
}
