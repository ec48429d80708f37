package dev.stad.exporter.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a pretrained image network from an ONNX file as a patch network: the chain of layers from
 * its image input to a chosen output (a VGG's features cut at {@code conv3_4}, a ResNet stem),
 * with the pretrained weights kept and every padding dropped, so each descriptor comes from one
 * whole patch, the receptive field. What it accepts: {@code Conv} (any stride, no dilation, one
 * group), {@code BatchNormalization} folded into the conv before it, {@code Relu} and
 * {@code LeakyRelu} after a conv, {@code MaxPool} and {@code AveragePool} (no dilation, no ceil
 * mode), {@code Pad} (dropped), {@code Identity} and {@code Dropout} (skipped), and
 * {@code Flatten} or {@code Reshape} after the last layer (ignored: the descriptor is the last
 * conv's channels). The descriptor must be a conv's output: its normalisation is folded into
 * that conv, which an activation after it would break.
 *
 * <p>Every refusal is an {@link ImportException} whose message is one line naming the file and
 * the problem (and the node, where there is one). Nothing is trained or written before it.
 */
public final class TeacherImport {
    /** The largest file read unless a config says otherwise: 1024 MB (VGG19's features are 80 MB). */
    public static final long DEFAULT_MAX_BYTES = 1024L * 1_000_000L;

    private static final List<String> IMPORTED = List.of(
            "Conv",
            "BatchNormalization",
            "Relu",
            "LeakyRelu",
            "MaxPool",
            "AveragePool",
            "Pad",
            "Identity",
            "Dropout",
            "Flatten",
            "Reshape");

    private TeacherImport() {}

    /** A refused file: the message names the file and the problem in one line. */
    public static final class ImportException extends Exception {
        public ImportException(String message) {
            super(message);
        }
    }

    /**
     * An imported network.
     *
     * @param spec the patch network (layers as imported, named as asked)
     * @param weights its conv weights and biases, batch norms folded in, named as {@link NetworkSpec#weightName}
     * @param input the source graph's image input
     * @param output the tensor the network was cut at
     * @param compareAt the tensor of the source that holds the descriptor map: the last conv's
     *     output (after its batch norm), which {@code output} may flatten
     * @param inputHeight the source input's fixed height, or 0 where it is symbolic
     * @param inputWidth the source input's fixed width, or 0 where it is symbolic
     * @param offsetY where the source's output row 0 starts in the image, before the dropped
     *     padding: its rows start at {@code i * totalStride - offsetY}
     * @param offsetX the same for columns
     * @param dropped how many paddings (conv and pool pads, Pad nodes) were dropped
     */
    public record Imported(
            NetworkSpec spec,
            Map<String, FloatTensor> weights,
            String input,
            String output,
            String compareAt,
            int inputHeight,
            int inputWidth,
            int offsetY,
            int offsetX,
            int dropped) {

        /** One line for logs: what was imported. */
        public String summary() {
            return String.format(
                    Locale.ROOT,
                    "%d layers up to '%s', receptive field %d, stride %d, %d-channel descriptor%s",
                    spec.layers().size(),
                    output,
                    spec.receptiveField(),
                    spec.totalStride(),
                    spec.descriptorDim(),
                    dropped == 0 ? "" : ", " + dropped + " padding(s) dropped");
        }

        /**
         * This network reading inputs normalised with {@code mean} and {@code std} (the run's)
         * where it was trained on inputs normalised with {@code netMean} and {@code netStd}: with
         * {@code x_net = x a + b} per channel, {@code a = std / netStd} and {@code b = (mean -
         * netMean) / netStd}, the first convolution's weights are scaled by {@code a} and its bias
         * gains the weights' sum times {@code b}. Exact, because an imported convolution has no
         * padding: every output reads whole windows of the input.
         */
        public Imported readingInputsNormalisedAs(float[] mean, float[] std, float[] netMean, float[] netStd) {
            if (!spec.layers().get(0).isConv()) {
                throw new IllegalArgumentException(
                        "the network's own input normalisation is folded into its first layer, which must be a conv");
            }
            FloatTensor w = weights.get(NetworkSpec.weightName(0));
            FloatTensor b = weights.get(NetworkSpec.biasName(0));
            long[] shape = w.shape();
            int out = (int) shape[0];
            int in = (int) shape[1];
            if (in != mean.length || in != std.length || in != netMean.length || in != netStd.length) {
                throw new IllegalArgumentException("the network reads " + in + " channels, the normalisations have "
                        + mean.length + " and " + netMean.length);
            }
            int window = (int) (shape[2] * shape[3]);
            float[] wd = w.data().clone();
            float[] bd = b.data().clone();
            for (int o = 0; o < out; o++) {
                double shift = 0;
                for (int c = 0; c < in; c++) {
                    double scale = (double) std[c] / netStd[c];
                    double offset = ((double) mean[c] - netMean[c]) / netStd[c];
                    for (int k = 0; k < window; k++) {
                        int i = (o * in + c) * window + k;
                        shift += wd[i] * offset;
                        wd[i] = (float) (wd[i] * scale);
                    }
                }
                bd[o] = (float) (bd[o] + shift);
            }
            Map<String, FloatTensor> folded = new LinkedHashMap<>(weights);
            folded.put(NetworkSpec.weightName(0), new FloatTensor(shape, wd));
            folded.put(NetworkSpec.biasName(0), new FloatTensor(b.shape(), bd));
            return new Imported(
                    spec,
                    java.util.Collections.unmodifiableMap(folded),
                    input,
                    output,
                    compareAt,
                    inputHeight,
                    inputWidth,
                    offsetY,
                    offsetX,
                    dropped);
        }
    }

    /**
     * Reads {@code file} and imports it, cut at {@code output}: {@code open(file, output,
     * maxBytes).importAs(name)}.
     */
    public static Imported read(Path file, String name, String output, long maxBytes)
            throws ImportException, IOException {
        return open(file, output, maxBytes).importAs(name);
    }

    /**
     * Reads {@code file} as the source of a teacher: an ONNX model with one float 3-channel image
     * input, cut at {@code output}. What the import, its check against the source and a
     * distillation from the network all start from.
     *
     * @param output the tensor or node to cut at; null to take the graph's only output
     * @param maxBytes files larger than this are refused before they are read
     */
    public static Source open(Path file, String output, long maxBytes) throws ImportException, IOException {
        if (!Files.isRegularFile(file)) {
            throw new ImportException(file + ": no such file");
        }
        long size = Files.size(file);
        if (size > maxBytes) {
            throw new ImportException(String.format(
                    Locale.ROOT,
                    "%s: %.1f MB is over the limit of %.1f MB for a teacher graph (teacher.maxMegabytes)",
                    file,
                    size / 1e6,
                    maxBytes / 1e6));
        }
        OnnxMl.ModelProto model;
        try {
            model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (InvalidProtocolBufferException e) {
            throw new ImportException(file + ": not an ONNX model, or a truncated one (" + e.getMessage() + ")");
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0 || model.getIrVersion() <= 0) {
            throw new ImportException(file + ": not an ONNX model (no graph or no IR version)");
        }
        Reader reader = new Reader(file, model.getGraph());
        return new Source(model, reader, reader.imageInput(), reader.cutTensor(output));
    }

    /** An ONNX model read as a teacher's source: its image input and the tensor it is cut at. */
    public static final class Source {
        private final OnnxMl.ModelProto model;
        private final Reader reader;
        private final OnnxMl.ValueInfoProto input;
        private final String cut;

        private Source(OnnxMl.ModelProto model, Reader reader, OnnxMl.ValueInfoProto input, String cut) {
            this.model = model;
            this.reader = reader;
            this.input = input;
            this.cut = cut;
        }

        public Path file() {
            return reader.file;
        }

        /** The image input's name. */
        public String input() {
            return input.getName();
        }

        /** The image input's dimensions, N x 3 x H x W, each fixed or symbolic. */
        public List<OnnxMl.TensorShapeProto.Dimension> inputDims() {
            return input.getType().getTensorType().getShape().getDimList();
        }

        /** The tensor the model is cut at. */
        public String cut() {
            return cut;
        }

        /** The chain of layers up to the cut as a patch network named {@code name}. */
        public Imported importAs(String name) throws ImportException {
            return reader.build(name, input, cut, reader.chain(input.getName(), cut));
        }

        /** The model with {@code tensor} as its only output, for ONNX Runtime to run up to there. */
        public byte[] cutAt(String tensor) {
            OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder().clearOutput();
            graph.addOutput(OnnxMl.ValueInfoProto.newBuilder()
                    .setName(tensor)
                    .setType(OnnxMl.TypeProto.newBuilder()
                            .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                    .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))));
            return model.toBuilder().setGraph(graph).build().toByteArray();
        }
    }

    /** The walk over one graph. */
    private static final class Reader {
        private final Path file;
        private final OnnxMl.GraphProto graph;
        private final Map<String, OnnxMl.TensorProto> constants = new HashMap<>();
        private final Map<String, OnnxMl.NodeProto> producers = new HashMap<>();

        Reader(Path file, OnnxMl.GraphProto graph) throws ImportException {
            this.file = file;
            this.graph = graph;
            for (OnnxMl.TensorProto t : graph.getInitializerList()) {
                if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                    throw new ImportException(file + ": tensor '" + t.getName() + "' is kept in an external data file;"
                            + " save the model with every tensor inside the .onnx file");
                }
                constants.put(t.getName(), t);
            }
            for (OnnxMl.NodeProto n : graph.getNodeList()) {
                for (String o : n.getOutputList()) {
                    producers.put(o, n);
                }
                if (n.getOpType().equals("Constant") && n.getDomain().isEmpty()) {
                    for (OnnxMl.AttributeProto a : n.getAttributeList()) {
                        if (a.getName().equals("value")) {
                            constants.put(n.getOutput(0), a.getT());
                        }
                    }
                }
            }
        }

        private OnnxMl.ValueInfoProto imageInput() throws ImportException {
            List<OnnxMl.ValueInfoProto> inputs = graph.getInputList().stream()
                    .filter(v -> !constants.containsKey(v.getName()))
                    .toList();
            if (inputs.size() != 1) {
                throw new ImportException(file + ": has " + inputs.size() + " inputs ("
                        + String.join(
                                ", ",
                                inputs.stream()
                                        .map(OnnxMl.ValueInfoProto::getName)
                                        .toList())
                        + "); a teacher reads one image");
            }
            OnnxMl.ValueInfoProto in = inputs.get(0);
            OnnxMl.TypeProto.Tensor t = in.getType().getTensorType();
            List<OnnxMl.TensorShapeProto.Dimension> dims = t.getShape().getDimList();
            boolean threeChannels =
                    dims.size() == 4 && dims.get(1).hasDimValue() && dims.get(1).getDimValue() == 3;
            if (t.getElemType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber() || !threeChannels) {
                throw new ImportException(file + ": input '" + in.getName() + "' is " + describe(t)
                        + "; a teacher reads a float 3-channel image, N x 3 x H x W");
            }
            return in;
        }

        private String cutTensor(String output) throws ImportException {
            if (output == null || output.isBlank()) {
                if (graph.getOutputCount() != 1) {
                    throw new ImportException(file + ": has " + graph.getOutputCount() + " outputs ("
                            + String.join(
                                    ", ",
                                    graph.getOutputList().stream()
                                            .map(OnnxMl.ValueInfoProto::getName)
                                            .toList())
                            + "); name the one to use with teacher.output");
                }
                return graph.getOutput(0).getName();
            }
            if (producers.containsKey(output)) {
                return output;
            }
            for (OnnxMl.NodeProto n : graph.getNodeList()) {
                if (n.getName().equals(output)) {
                    return n.getOutput(0);
                }
            }
            throw new ImportException(file + ": no node or tensor is named '" + output + "' (teacher.output)");
        }

        /** The nodes from the input to {@code cut}, in order; each must have one data input. */
        private List<OnnxMl.NodeProto> chain(String input, String cut) throws ImportException {
            List<OnnxMl.NodeProto> reversed = new ArrayList<>();
            String t = cut;
            while (!t.equals(input)) {
                OnnxMl.NodeProto n = producers.get(t);
                if (n == null) {
                    throw new ImportException(
                            file + ": tensor '" + t + "' is neither produced by a node nor the input");
                }
                if (!n.getDomain().isEmpty() || !IMPORTED.contains(n.getOpType())) {
                    throw new ImportException(file + ": unsupported operator " + n.getOpType() + " at node "
                            + nodeName(n) + " (a teacher imports " + String.join(", ", IMPORTED) + ")");
                }
                List<String> data = n.getOpType().equals("Reshape")
                        ? List.of(n.getInput(0))
                        : n.getInputList().stream()
                                .filter(i -> !i.isEmpty() && !constants.containsKey(i))
                                .toList();
                if (data.size() != 1) {
                    throw new ImportException(file + ": node " + nodeName(n) + " (" + n.getOpType() + ") reads "
                            + data.size() + " tensors that are not constants; a teacher is one chain of layers");
                }
                if (!n.getOutput(0).equals(t)) {
                    throw new ImportException(file + ": tensor '" + t + "' is output "
                            + n.getOutputList().indexOf(t)
                            + " of node " + nodeName(n) + " (" + n.getOpType() + "); only a node's first output"
                            + " continues a chain of layers");
                }
                reversed.add(n);
                t = data.get(0);
            }
            List<OnnxMl.NodeProto> chain = new ArrayList<>();
            for (int i = reversed.size() - 1; i >= 0; i--) {
                chain.add(reversed.get(i));
            }
            return chain;
        }

        private Imported build(String name, OnnxMl.ValueInfoProto input, String cut, List<OnnxMl.NodeProto> chain)
                throws ImportException {
            List<Layer> layers = new ArrayList<>();
            List<float[]> w = new ArrayList<>();
            List<float[]> b = new ArrayList<>();
            List<long[]> wShape = new ArrayList<>();
            int channels = 3;
            int jump = 1;
            int offsetY = 0;
            int offsetX = 0;
            int dropped = 0;
            boolean flattened = false;
            String compareAt = null;
            try {
                for (OnnxMl.NodeProto n : chain) {
                    String op = n.getOpType();
                    if (flattened && !op.equals("Flatten") && !op.equals("Reshape") && !op.equals("Identity")) {
                        throw new ImportException(file + ": node " + nodeName(n) + " (" + op + ") follows a "
                                + "Flatten or Reshape; those may only end the network");
                    }
                    Layer last = layers.isEmpty() ? null : layers.get(layers.size() - 1);
                    switch (op) {
                        case "Conv" -> {
                            OnnxMl.TensorProto weight = constant(n, 1, "weight");
                            long[] shape = dims(weight);
                            if (shape.length != 4 || shape[2] != shape[3]) {
                                throw refuse(
                                        n,
                                        "has a " + java.util.Arrays.toString(shape)
                                                + " weight; only square 2-D kernels import");
                            }
                            requireOnes(n, "dilations");
                            if (attrInt(n, "group", 1) != 1) {
                                throw refuse(
                                        n,
                                        "is a grouped convolution (group " + attrInt(n, "group", 1)
                                                + "); only group 1 imports");
                            }
                            if (shape[1] != channels) {
                                throw refuse(
                                        n, "reads " + shape[1] + " channels where the layer before gives " + channels);
                            }
                            int stride = squareStride(n);
                            int[] before = padsBefore(n);
                            dropped += before[2];
                            offsetY += before[0] * jump;
                            offsetX += before[1] * jump;
                            float[] bias =
                                    n.getInputCount() > 2 && !n.getInput(2).isEmpty()
                                            ? floats(constant(n, 2, "bias"))
                                            : new float[(int) shape[0]];
                            layers.add(Layer.conv((int) shape[0], (int) shape[2], stride, Layer.Activation.NONE, 0f));
                            compareAt = n.getOutput(0);
                            w.add(floats(weight));
                            b.add(bias);
                            wShape.add(shape);
                            channels = (int) shape[0];
                            jump *= stride;
                        }
                        case "BatchNormalization" -> {
                            if (last == null || !last.isConv() || last.activation() != Layer.Activation.NONE) {
                                throw refuse(
                                        n,
                                        "does not directly follow a convolution; only a batch norm"
                                                + " right after a conv imports (it is folded into the conv)");
                            }
                            if (attrInt(n, "training_mode", 0) != 0 || attrInt(n, "spatial", 1) != 1) {
                                throw refuse(n, "is in training mode (or not spatial); export the model in eval mode");
                            }
                            float eps = attrFloat(n, "epsilon", 1e-5f);
                            float[] scale = floats(constant(n, 1, "scale"));
                            float[] shift = floats(constant(n, 2, "bias"));
                            float[] mean = floats(constant(n, 3, "mean"));
                            float[] var = floats(constant(n, 4, "variance"));
                            int k = layers.size() - 1;
                            float[] cw = w.get(k);
                            float[] cb = b.get(k);
                            for (float[] p : List.of(scale, shift, mean, var)) {
                                if (p.length != cb.length) {
                                    throw refuse(
                                            n,
                                            "has " + p.length + " values per parameter for the conv's " + cb.length
                                                    + " channels");
                                }
                            }
                            compareAt = n.getOutput(0);
                            int per = cw.length / cb.length;
                            for (int o = 0; o < cb.length; o++) {
                                float f = (float) (scale[o] / Math.sqrt(var[o] + eps));
                                for (int j = 0; j < per; j++) {
                                    cw[o * per + j] *= f;
                                }
                                cb[o] = (cb[o] - mean[o]) * f + shift[o];
                            }
                        }
                        case "Relu", "LeakyRelu" -> {
                            if (last == null || !last.isConv() || last.activation() != Layer.Activation.NONE) {
                                throw refuse(
                                        n,
                                        "does not follow a convolution (or its batch norm); an activation"
                                                + " imports only right after a conv");
                            }
                            // A leaky slope of 0 is a ReLU (and a stored slope of 0 would mean the default one).
                            float alpha = op.equals("Relu") ? 0f : attrFloat(n, "alpha", 0.01f);
                            layers.set(
                                    layers.size() - 1,
                                    alpha == 0f
                                            ? Layer.conv(
                                                    last.out(), last.kernel(), last.stride(), Layer.Activation.RELU, 0f)
                                            : Layer.conv(
                                                    last.out(),
                                                    last.kernel(),
                                                    last.stride(),
                                                    Layer.Activation.LEAKY,
                                                    alpha));
                        }
                        case "MaxPool", "AveragePool" -> {
                            long[] kernel = attrInts(n, "kernel_shape");
                            if (kernel.length != 2 || kernel[0] != kernel[1]) {
                                throw refuse(
                                        n,
                                        "has kernel " + java.util.Arrays.toString(kernel)
                                                + "; only square 2-D pools import");
                            }
                            requireOnes(n, "dilations");
                            if (attrInt(n, "ceil_mode", 0) != 0) {
                                throw refuse(n, "rounds its output size up (ceil_mode 1); only floor mode imports");
                            }
                            if (attrInt(n, "storage_order", 0) != 0) {
                                throw refuse(n, "has storage_order 1; only row-major pools import");
                            }
                            int stride = squareStride(n);
                            int[] before = padsBefore(n);
                            dropped += before[2];
                            offsetY += before[0] * jump;
                            offsetX += before[1] * jump;
                            layers.add(
                                    op.equals("MaxPool")
                                            ? Layer.maxPool((int) kernel[0], stride)
                                            : Layer.avgPool((int) kernel[0], stride));
                            w.add(null);
                            b.add(null);
                            wShape.add(null);
                            jump *= stride;
                        }
                        case "Pad" -> {
                            long[] pads = n.getInputCount() > 1 ? longs(constant(n, 1, "pads")) : attrInts(n, "pads");
                            if (pads.length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0) {
                                throw refuse(
                                        n,
                                        "pads " + java.util.Arrays.toString(pads)
                                                + "; only padding of the two spatial axes of an N x C x H x W tensor imports");
                            }
                            offsetY += (int) pads[2] * jump;
                            offsetX += (int) pads[3] * jump;
                            dropped++;
                        }
                        case "Flatten", "Reshape" -> flattened = true;
                        case "Dropout" -> {
                            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                                OnnxMl.TensorProto mode = constants.get(n.getInput(2));
                                if (mode == null
                                        || mode.getRawData().isEmpty() && mode.getInt32DataCount() == 0
                                        || !mode.getRawData().isEmpty()
                                                && mode.getRawData().byteAt(0) != 0
                                        || mode.getInt32DataCount() > 0 && mode.getInt32Data(0) != 0) {
                                    throw refuse(n, "may run in training mode; export the model in eval mode");
                                }
                            }
                        }
                        default -> {
                            // Identity: nothing to do.
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new ImportException(file + ": " + e.getMessage());
            }
            if (layers.isEmpty() || !layers.get(layers.size() - 1).isConv()) {
                throw new ImportException(file + ": the cut at '" + cut + "' does not end in a convolution; the"
                        + " descriptor must be a conv's output (set teacher.output to the last conv's)");
            }
            if (layers.get(layers.size() - 1).activation() != Layer.Activation.NONE) {
                throw new ImportException(file + ": the cut at '" + cut + "' ends in an activation; the descriptor"
                        + " must be a conv's output before it (set teacher.output to the conv's output)");
            }
            NetworkSpec spec;
            try {
                spec = new NetworkSpec(name, 3, layers);
            } catch (IllegalArgumentException e) {
                throw new ImportException(file + ": " + e.getMessage());
            }
            Map<String, FloatTensor> weights = new LinkedHashMap<>();
            for (int i : spec.convIndices()) {
                weights.put(NetworkSpec.weightName(i), new FloatTensor(wShape.get(i), w.get(i)));
                weights.put(NetworkSpec.biasName(i), new FloatTensor(new long[] {b.get(i).length}, b.get(i)));
            }
            List<OnnxMl.TensorShapeProto.Dimension> dims =
                    input.getType().getTensorType().getShape().getDimList();
            int h = dims.get(2).hasDimValue() ? (int) dims.get(2).getDimValue() : 0;
            int wd = dims.get(3).hasDimValue() ? (int) dims.get(3).getDimValue() : 0;
            int rf = spec.receptiveField();
            if (h > 0 && wd > 0 && (rf > h || rf > wd)) {
                throw new ImportException(file + ": the receptive field up to '" + cut + "' is " + rf
                        + " pixels, larger than the " + h + "x" + wd + " input; cut at an earlier layer");
            }
            return new Imported(spec, weights, input.getName(), cut, compareAt, h, wd, offsetY, offsetX, dropped);
        }

        /**
         * The top and left padding a conv or pool adds before its input (dropped on import), and
         * 1 if it pads at all, else 0; SAME auto-padding, which depends on the input size, is refused.
         */
        private int[] padsBefore(OnnxMl.NodeProto n) throws ImportException {
            String autoPad = attrString(n, "auto_pad", "NOTSET");
            if (autoPad.startsWith("SAME")) {
                throw refuse(
                        n,
                        "pads by auto_pad " + autoPad + ", which depends on the input size;"
                                + " export the model with explicit pads");
            }
            long[] pads = attrInts(n, "pads");
            if (pads.length == 0) {
                return new int[] {0, 0, 0};
            }
            boolean any = java.util.Arrays.stream(pads).anyMatch(v -> v != 0);
            return new int[] {(int) pads[0], (int) pads[1], any ? 1 : 0};
        }

        private int squareStride(OnnxMl.NodeProto n) throws ImportException {
            long[] s = attrInts(n, "strides");
            if (s.length == 0) {
                return 1;
            }
            if (s.length != 2 || s[0] != s[1]) {
                throw refuse(n, "has strides " + java.util.Arrays.toString(s) + "; only equal strides import");
            }
            return (int) s[0];
        }

        private void requireOnes(OnnxMl.NodeProto n, String attr) throws ImportException {
            for (long v : attrInts(n, attr)) {
                if (v != 1) {
                    throw refuse(
                            n,
                            "has " + attr + " " + java.util.Arrays.toString(attrInts(n, attr))
                                    + "; only undilated layers import");
                }
            }
        }

        private OnnxMl.TensorProto constant(OnnxMl.NodeProto n, int index, String what) throws ImportException {
            if (n.getInputCount() <= index || !constants.containsKey(n.getInput(index))) {
                throw refuse(
                        n,
                        "has no constant " + what + " (input " + index + "); its shape or value is"
                                + " computed in the graph, which does not import");
            }
            return constants.get(n.getInput(index));
        }

        private ImportException refuse(OnnxMl.NodeProto n, String problem) {
            return new ImportException(file + ": node " + nodeName(n) + " (" + n.getOpType() + ") " + problem);
        }

        private float[] floats(OnnxMl.TensorProto t) throws ImportException {
            if (t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
                throw new ImportException(file + ": tensor '" + t.getName() + "' is not float32 (data type "
                        + t.getDataType() + "); export the model in float32");
            }
            long n = 1;
            for (long d : t.getDimsList()) {
                n *= d;
            }
            float[] out = new float[(int) n];
            if (!t.getRawData().isEmpty()) {
                if (t.getRawData().size() != n * Float.BYTES) {
                    throw new ImportException(file + ": tensor '" + t.getName() + "' holds "
                            + t.getRawData().size() + " bytes for " + n + " floats (truncated?)");
                }
                t.getRawData()
                        .asReadOnlyByteBuffer()
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer()
                        .get(out);
            } else {
                if (t.getFloatDataCount() != n) {
                    throw new ImportException(file + ": tensor '" + t.getName() + "' holds " + t.getFloatDataCount()
                            + " floats for its " + n + " elements (truncated?)");
                }
                for (int i = 0; i < n; i++) {
                    out[i] = t.getFloatData(i);
                }
            }
            return out;
        }

        private long[] longs(OnnxMl.TensorProto t) {
            if (!t.getRawData().isEmpty()) {
                ByteBuffer buf = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                long[] out = new long[buf.remaining() / Long.BYTES];
                buf.asLongBuffer().get(out);
                return out;
            }
            return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        }
    }

    private static long[] dims(OnnxMl.TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static String nodeName(OnnxMl.NodeProto n) {
        return "'" + (n.getName().isEmpty() ? n.getOutput(0) : n.getName()) + "'";
    }

    private static String describe(OnnxMl.TypeProto.Tensor t) {
        List<String> dims = new ArrayList<>();
        for (OnnxMl.TensorShapeProto.Dimension d : t.getShape().getDimList()) {
            dims.add(
                    d.hasDimValue()
                            ? Long.toString(d.getDimValue())
                            : d.getDimParam().isEmpty() ? "?" : d.getDimParam());
        }
        String type = OnnxMl.TensorProto.DataType.forNumber(t.getElemType()) == null
                ? "type " + t.getElemType()
                : OnnxMl.TensorProto.DataType.forNumber(t.getElemType()).name().toLowerCase(Locale.ROOT);
        return type + " [" + String.join(", ", dims) + "]";
    }

    private static OnnxMl.AttributeProto attr(OnnxMl.NodeProto n, String name) {
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static long attrInt(OnnxMl.NodeProto n, String name, long otherwise) {
        OnnxMl.AttributeProto a = attr(n, name);
        return a == null ? otherwise : a.getI();
    }

    private static float attrFloat(OnnxMl.NodeProto n, String name, float otherwise) {
        OnnxMl.AttributeProto a = attr(n, name);
        return a == null ? otherwise : a.getF();
    }

    private static long[] attrInts(OnnxMl.NodeProto n, String name) {
        OnnxMl.AttributeProto a = attr(n, name);
        return a == null
                ? new long[0]
                : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static String attrString(OnnxMl.NodeProto n, String name, String otherwise) {
        OnnxMl.AttributeProto a = attr(n, name);
        return a == null ? otherwise : a.getS().toStringUtf8();
    }
}
