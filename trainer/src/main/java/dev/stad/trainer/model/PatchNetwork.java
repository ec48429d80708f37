package dev.stad.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.spec.NetworkForm;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A teacher or student network as a DJL block, in patch or dense form. Both forms of one network
 * share the same {@link Parameter} objects ({@link #withForm}), so a student trained densely is
 * the very network evaluated patch by patch.
 *
 * <p>Dense form: each layer runs at stride 1 and is dilated by the product of the strides before
 * it. A dilated pool is written as the element-wise max (or mean) of shifted slices (TensorRT
 * cannot run pools with dilations, and it keeps this block, the exporter and the runtime on one
 * formulation). An input of {@code H x W} yields {@code (H - rf + 1) x (W - rf + 1)} descriptors:
 * only patches wholly inside it.
 */
public final class PatchNetwork extends AbstractBlock {
    private static final byte VERSION = 1;

    private final NetworkSpec spec;
    private final NetworkForm form;
    private final Map<Integer, Parameter> weights;
    private final Map<Integer, Parameter> biases;

    private PatchNetwork(
            NetworkSpec spec, NetworkForm form, Map<Integer, Parameter> weights, Map<Integer, Parameter> biases) {
        super(VERSION);
        this.spec = spec;
        this.form = form;
        this.weights = weights;
        this.biases = biases;
        for (int i : spec.convIndices()) {
            addParameter(weights.get(i));
            addParameter(biases.get(i));
        }
    }

    /** A network with fresh, uninitialised parameters. */
    public static PatchNetwork create(NetworkSpec spec, NetworkForm form) {
        Objects.requireNonNull(spec, "spec must not be null");
        Objects.requireNonNull(form, "form must not be null");
        Map<Integer, Parameter> w = new LinkedHashMap<>();
        Map<Integer, Parameter> b = new LinkedHashMap<>();
        for (int i : spec.convIndices()) {
            w.put(
                    i,
                    Parameter.builder()
                            .setName(NetworkSpec.weightName(i))
                            .setType(Parameter.Type.WEIGHT)
                            .build());
            b.put(
                    i,
                    Parameter.builder()
                            .setName(NetworkSpec.biasName(i))
                            .setType(Parameter.Type.BIAS)
                            .build());
        }
        return new PatchNetwork(spec, form, w, b);
    }

    /** The same network (shared parameters) in another form. */
    public PatchNetwork withForm(NetworkForm other) {
        return other == form ? this : new PatchNetwork(spec, other, weights, biases);
    }

    public NetworkSpec spec() {
        return spec;
    }

    public NetworkForm form() {
        return form;
    }

    /**
     * Sets every parameter from named tensors (names as in {@link NetworkSpec#weightName}), on
     * {@code manager}, which must outlive this network's use. Shapes are checked.
     */
    public void setParameters(NDManager manager, Map<String, FloatTensor> tensors, String prefix) {
        for (int i : spec.convIndices()) {
            set(manager, weights.get(i), tensors, prefix, spec.weightShape(i));
            set(manager, biases.get(i), tensors, prefix, new long[] {
                spec.layers().get(i).out()
            });
        }
    }

    private void set(NDManager manager, Parameter p, Map<String, FloatTensor> tensors, String prefix, long[] shape) {
        String key = prefix + p.getName();
        FloatTensor t = tensors.get(key);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + key + "' for network " + spec.name());
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("tensor '" + key + "' has shape " + Arrays.toString(t.shape())
                    + ", network " + spec.name() + " expects " + Arrays.toString(shape));
        }
        if (p.isInitialized()) {
            throw new IllegalStateException(
                    "parameter " + key + " is already set; create a new network to load weights");
        }
        p.setArray(manager.create(t.data(), new Shape(shape)));
    }

    /** Copies every parameter out as named tensors (prefix + weight name). */
    public Map<String, FloatTensor> parameterTensors(String prefix) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (int i : spec.convIndices()) {
            for (Parameter p : List.of(weights.get(i), biases.get(i))) {
                NDArray a = p.getArray();
                out.put(prefix + p.getName(), new FloatTensor(a.getShape().getShape(), a.toFloatArray()));
            }
        }
        return out;
    }

    /** The parameters in a fixed order (weights and biases of each conv). */
    public List<Parameter> parameterList() {
        return getParameters().values();
    }

    /** Marks every parameter as trainable (gradients collected) or frozen. */
    public void setTrainable(boolean trainable) {
        for (Parameter p : parameterList()) {
            p.getArray().setRequiresGradient(trainable);
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(run(ps, inputs.singletonOrThrow(), training, null));
    }

    /**
     * For each conv followed by an activation, by its layer index in layer order, the share of
     * its outputs (over every position, channel and image of {@code input}) that are positive
     * before the activation. A conv whose share is zero has died: behind a ReLU its output is
     * zero, behind this project's LeakyReLU (slope 0.005) nearly so, and what follows it sees a
     * constant.
     */
    public Map<Integer, Double> positiveShares(ParameterStore ps, NDArray input) {
        Map<Integer, Double> shares = new LinkedHashMap<>();
        run(ps, input, false, shares);
        return shares;
    }

    private NDArray run(ParameterStore ps, NDArray input, boolean training, Map<Integer, Double> shares) {
        NDArray x = input;
        List<Layer> layers = spec.layers();
        int last = layers.size() - 1;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            boolean dense = form == NetworkForm.DENSE;
            int dil = dense ? spec.denseDilation(i) : 1;
            int stride = dense ? 1 : l.stride();
            if (l.isConv()) {
                NDArray w = ps.getValue(weights.get(i), x.getDevice(), training);
                NDArray b = ps.getValue(biases.get(i), x.getDevice(), training);
                x = Conv2d.conv2d(x, w, b, new Shape(stride, stride), new Shape(0, 0), new Shape(dil, dil), 1)
                        .singletonOrThrow();
                if (shares != null && spec.activation(i) != Layer.Activation.NONE) {
                    shares.put(i, (double)
                            x.gt(0f).toType(DataType.FLOAT32, false).mean().getFloat());
                }
                x = switch (spec.activation(i)) {
                    case LEAKY -> Activation.leakyRelu(x, spec.leakySlope(i));
                    case RELU -> Activation.relu(x);
                    case LOG -> x.log();
                    case NONE -> x;
                };
            } else if (l.type() == Layer.Type.MAXPOOL) {
                x = dense
                        ? dilatedMaxPool(x, l.kernel(), dil)
                        : Pool.maxPool2d(
                                x,
                                new Shape(l.kernel(), l.kernel()),
                                new Shape(l.stride(), l.stride()),
                                new Shape(0, 0),
                                false);
            } else {
                // An undilated dense pool is a plain pool of stride 1 (the energy teacher's reads 17x17).
                x = dense && dil > 1
                        ? dilatedAvgPool(x, l.kernel(), dil)
                        : Pool.avgPool2d(
                                x,
                                new Shape(l.kernel(), l.kernel()),
                                new Shape(stride, stride),
                                new Shape(0, 0),
                                false,
                                true);
            }
        }
        return x;
    }

    /** Stride-1 max pool with dilation {@code d}: the max of kernel^2 shifted slices. */
    static NDArray dilatedMaxPool(NDArray x, int kernel, int d) {
        NDArray out = null;
        for (NDArray slice : shiftedSlices(x, kernel, d)) {
            out = out == null ? slice : out.maximum(slice);
        }
        return out;
    }

    /** Stride-1 average pool with dilation {@code d}: the mean of kernel^2 shifted slices. */
    static NDArray dilatedAvgPool(NDArray x, int kernel, int d) {
        NDArray sum = null;
        for (NDArray slice : shiftedSlices(x, kernel, d)) {
            sum = sum == null ? slice : sum.add(slice);
        }
        return sum.div((float) kernel * kernel);
    }

    private static List<NDArray> shiftedSlices(NDArray x, int kernel, int d) {
        Shape s = x.getShape();
        long outH = s.get(2) - (long) (kernel - 1) * d;
        long outW = s.get(3) - (long) (kernel - 1) * d;
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException(
                    "input " + s + " too small for a dilated pool of kernel " + kernel + " and dilation " + d);
        }
        List<NDArray> slices = new ArrayList<>();
        for (int a = 0; a < kernel; a++) {
            for (int b = 0; b < kernel; b++) {
                slices.add(x.get(
                        new NDIndex(":, :, {}:{}, {}:{}", (long) a * d, a * d + outH, (long) b * d, b * d + outW)));
            }
        }
        return slices;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        long h = in.get(2);
        long w = in.get(3);
        if (form == NetworkForm.DENSE) {
            int shrink = spec.receptiveField() - 1;
            return new Shape[] {new Shape(in.get(0), spec.descriptorDim(), h - shrink, w - shrink)};
        }
        for (Layer l : spec.layers()) {
            h = (h - l.kernel()) / l.stride() + 1;
            w = (w - l.kernel()) / l.stride() + 1;
        }
        return new Shape[] {new Shape(in.get(0), spec.descriptorDim(), h, w)};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        // Parameters are set from tensors (WeightInit or a checkpoint), never by DJL initializers.
    }

    /** Runs the block outside training (no gradient, inference behaviour). */
    public NDArray predict(ParameterStore ps, NDArray input) {
        return forward(ps, new NDList(input), false).singletonOrThrow();
    }

    /** Runs the block for training. */
    public NDArray forwardTraining(ParameterStore ps, NDArray input) {
        return forward(ps, new NDList(input), true).singletonOrThrow();
    }

    @Override
    public String toString() {
        return "PatchNetwork(" + spec + ", " + form + ")";
    }
}
