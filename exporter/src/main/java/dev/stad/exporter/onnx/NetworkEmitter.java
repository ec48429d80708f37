package dev.stad.exporter.onnx;

import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.score.DescriptorNormalization;
import dev.stad.checkpoint.spec.NetworkForm;
import dev.stad.runtime.bundle.OnnxOperator;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes patch networks into an {@link OnnxGraph}, in the same two forms as the trainer's DJL
 * block: patch (layers as written) and dense (every layer at stride 1, later layers dilated). A
 * dense pool that is not dilated (the first) is a stride-1 pool node; a dilated one becomes the
 * element-wise Max (or Sum times 1/k^2) of shifted Slices, because TensorRT rejects pools with
 * dilations.
 *
 * <p>Several networks of one architecture that read the same input can be emitted
 * <em>fused</em>: the first conv of all of them as one conv with their output channels stacked,
 * every later conv as one grouped conv (a group per network), pools and activations once on the
 * stacked tensor. The result is split back into one descriptor tensor per network.
 */
public final class NetworkEmitter {
    private NetworkEmitter() {}

    /**
     * Weights with the teacher's normalisation folded into the last conv, so the network yields
     * {@code (T - mu) / sigma} directly: {@code W' = W / sigma[o]}, {@code b' = (b - mu[o]) / sigma[o]}.
     */
    public static Map<String, FloatTensor> foldNormalization(
            NetworkSpec spec, Map<String, FloatTensor> weights, DescriptorNormalization norm) {
        List<Integer> convs = spec.convIndices();
        int last = convs.get(convs.size() - 1);
        FloatTensor w = require(weights, NetworkSpec.weightName(last));
        FloatTensor b = require(weights, NetworkSpec.biasName(last));
        float[] mu = norm.mean();
        float[] sigma = norm.std();
        int out = (int) w.shape()[0];
        if (out != mu.length) {
            throw new IllegalArgumentException("normalisation has " + mu.length + " channels, the last conv " + out);
        }
        int per = w.data().length / out;
        float[] w2 = w.data().clone();
        float[] b2 = b.data().clone();
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < per; k++) {
                w2[o * per + k] /= sigma[o];
            }
            b2[o] = (b2[o] - mu[o]) / sigma[o];
        }
        Map<String, FloatTensor> folded = new LinkedHashMap<>(weights);
        folded.put(NetworkSpec.weightName(last), new FloatTensor(w.shape(), w2));
        folded.put(NetworkSpec.biasName(last), new FloatTensor(b.shape(), b2));
        return folded;
    }

    /**
     * Emits one network reading {@code input}; returns its output. The dense form computes the
     * valid region only: an {@code H x W} input gives {@code (H - rf + 1) x (W - rf + 1)} descriptors.
     */
    public static String emit(
            OnnxGraph g, NetworkSpec spec, Map<String, FloatTensor> weights, String input, NetworkForm form) {
        return emitFused(g, spec, List.of(weights), input, form).get(0);
    }

    /**
     * Emits {@code nets.size()} networks of one architecture on a shared input as one fused
     * stack; returns each network's descriptor tensor, in order.
     */
    public static List<String> emitFused(
            OnnxGraph g, NetworkSpec spec, List<Map<String, FloatTensor>> nets, String input, NetworkForm form) {
        return emitFused(g, spec, nets, input, form, Quantizer.none());
    }

    /**
     * As {@link #emitFused(OnnxGraph, NetworkSpec, List, String, NetworkForm)}, with {@code quantizer}
     * deciding what happens at the quantization points: {@code <scale>/conv<i>} (conv i's output)
     * and {@code <scale>/act<i>} (its activation's output, which a following max pool keeps: a max
     * of quantized values is one of them). The first conv reads the float image; the last reads
     * int8 but writes its descriptors in float: e and v are differences of descriptors, and 8-bit
     * descriptors put more noise into them than good parts vary by.
     */
    public static List<String> emitFused(
            OnnxGraph g,
            NetworkSpec spec,
            List<Map<String, FloatTensor>> nets,
            String input,
            NetworkForm form,
            Quantizer quantizer) {
        return emitStack(g, spec, nets, input, form, quantizer, spec.name());
    }

    /**
     * Each of {@code nets} as a stack of its own on the shared input, with its own quantization
     * points {@code <scale>/net<j>/conv<i>} and {@code <scale>/net<j>/act<i>}; returns each
     * network's descriptors, in order. What an int8 detector is built from: one range per tensor
     * has to cover every network fused into it, and on the default model the teacher's
     * activations reach 2-4 times the students' (p17's third conv: 38.8 against 6.1-10.3), which
     * would round the students' values 2-4 times more coarsely than their own range needs.
     * Students differ from the teacher only by what they failed to learn, so that noise goes
     * straight into e.
     */
    public static List<String> emitSeparately(
            OnnxGraph g,
            NetworkSpec spec,
            List<Map<String, FloatTensor>> nets,
            String input,
            NetworkForm form,
            Quantizer quantizer) {
        List<String> outs = new ArrayList<>();
        for (int j = 0; j < nets.size(); j++) {
            outs.addAll(emitStack(g, spec, List.of(nets.get(j)), input, form, quantizer, spec.name() + "/net" + j));
        }
        return outs;
    }

    /**
     * {@code nets} as one fused stack on {@code input}, its quantization points named under
     * {@code prefix}. Public for networks of one architecture that must not share their points'
     * names with other stacks of that name (a teacher beside students of their own architecture).
     */
    public static List<String> emitStack(
            OnnxGraph g,
            NetworkSpec spec,
            List<Map<String, FloatTensor>> nets,
            String input,
            NetworkForm form,
            Quantizer quantizer,
            String prefix) {
        int k = nets.size();
        // The first conv reads the float image: a quantized image shared by several stacks is
        // one DequantizeLinear with several consumers (ONNX Runtime merges identical ones), which
        // it does not fuse into integer convs, and the first conv (3 input channels) is about 1%
        // of a network's work anyway.
        String point = null;
        String x = input;
        boolean quantized = true;
        List<Layer> layers = spec.layers();
        boolean first = true;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            boolean dense = form == NetworkForm.DENSE;
            int dil = dense ? spec.denseDilation(i) : 1;
            int stride = dense ? 1 : l.stride();
            if (l.isConv()) {
                if (!quantized) {
                    x = quantizer.activation(g, point, x);
                }
                FloatTensor w = stack(nets, NetworkSpec.weightName(i));
                FloatTensor b = stack(nets, NetworkSpec.biasName(i));
                Map<String, Object> attrs = new LinkedHashMap<>();
                attrs.put("kernel_shape", new long[] {l.kernel(), l.kernel()});
                attrs.put("dilations", new long[] {dil, dil});
                attrs.put("strides", new long[] {stride, stride});
                attrs.put("pads", new long[] {0, 0, 0, 0});
                attrs.put("group", (long) (first ? 1 : k));
                List<String> inputs = new ArrayList<>();
                inputs.add(x);
                inputs.addAll(quantizer.convParameters(g, String.valueOf(i), w, b, point));
                x = g.node(OnnxOperator.CONV, inputs, attrs);
                first = false;
                Layer.Activation activation = spec.activation(i);
                if (i != layers.size() - 1) {
                    x = quantizer.activation(g, point(prefix, "conv" + i), x);
                    if (activation == Layer.Activation.LEAKY) {
                        x = g.node(OnnxOperator.LEAKY_RELU, List.of(x), Map.of("alpha", spec.leakySlope(i)));
                    } else if (activation == Layer.Activation.RELU) {
                        x = g.node(OnnxOperator.RELU, x);
                    } else if (activation == Layer.Activation.LOG) {
                        x = g.node(OnnxOperator.LOG, x);
                    }
                    point = point(prefix, "act" + i);
                    x = quantizer.activation(g, point, x);
                    quantized = true;
                }
            } else if (!dense || dil == 1) {
                // A patch-form pool, or the first pool of a dense network: a plain pool node, which
                // every engine has a fast kernel for (TensorRT rejects only pools with dilations).
                x = g.node(
                        l.type() == Layer.Type.MAXPOOL ? OnnxOperator.MAX_POOL : OnnxOperator.AVERAGE_POOL,
                        List.of(x),
                        Map.of(
                                "kernel_shape", new long[] {l.kernel(), l.kernel()},
                                "strides", new long[] {stride, stride}));
                quantized = false;
            } else {
                x = l.type() == Layer.Type.MAXPOOL
                        ? dilatedMaxPool(g, x, l.kernel(), dil)
                        : dilatedAvgPool(g, x, l.kernel(), dil);
                quantized = false;
            }
        }
        if (k == 1) {
            return List.of(x);
        }
        long d = spec.descriptorDim();
        long[] sizes = new long[k];
        Arrays.fill(sizes, d);
        return g.nodeN(OnnxOperator.SPLIT, List.of(x, g.ints("split", sizes)), Map.of("axis", 1L), k);
    }

    private static String point(String prefix, String where) {
        return prefix + "/" + where;
    }

    /**
     * Stride-1 max pool of {@code kernel x kernel} taps {@code d} apart, in two passes: the Max of
     * {@code kernel} slices shifted along the rows, then the Max of {@code kernel} slices of that
     * shifted along the columns. A maximum over a square is the maximum over its rows' maxima, so
     * the result is the pool's exactly; what the two passes save is memory: an engine holds the
     * slices of one Max at once, {@code kernel} instead of {@code kernel^2} copies of the input.
     * On the default p33 the dilated pool reads 256 channels, and its four shifted copies were
     * the most the whole detector held at once.
     */
    static String dilatedMaxPool(OnnxGraph g, String x, int kernel, int d) {
        String rows = g.node(OnnxOperator.MAX, shiftedSlices(g, x, kernel, d, 2), Map.of());
        return g.node(OnnxOperator.MAX, shiftedSlices(g, rows, kernel, d, 3), Map.of());
    }

    /**
     * Stride-1 average pool of {@code kernel x kernel} taps {@code d} apart: the Sum of the
     * row-shifted slices, the Sum of that one's column-shifted slices, over k^2 (two passes, as
     * {@link #dilatedMaxPool}).
     */
    static String dilatedAvgPool(OnnxGraph g, String x, int kernel, int d) {
        String rows = g.node(OnnxOperator.SUM, shiftedSlices(g, x, kernel, d, 2), Map.of());
        String sum = g.node(OnnxOperator.SUM, shiftedSlices(g, rows, kernel, d, 3), Map.of());
        return g.node(OnnxOperator.MUL, sum, g.scalar("pool_mean", 1f / (kernel * kernel)));
    }

    /**
     * The {@code kernel} slices of {@code x} shifted by multiples of d along {@code axis} (2: rows,
     * 3: columns); negative slice ends keep any input size valid.
     */
    private static List<String> shiftedSlices(OnnxGraph g, String x, int kernel, int d, int axis) {
        List<String> slices = new ArrayList<>();
        for (int a = 0; a < kernel; a++) {
            long end = a == kernel - 1 ? Long.MAX_VALUE : -(long) (kernel - 1 - a) * d;
            slices.add(g.node(
                    OnnxOperator.SLICE,
                    List.of(x, g.ints("starts", (long) a * d), g.ints("ends", end), g.ints("axes", axis)),
                    Map.of()));
        }
        return slices;
    }

    /** The named tensor of every network, stacked along the first (output channel) axis. */
    private static FloatTensor stack(List<Map<String, FloatTensor>> nets, String name) {
        List<FloatTensor> parts = new ArrayList<>();
        for (Map<String, FloatTensor> n : nets) {
            parts.add(require(n, name));
        }
        long[] shape = parts.get(0).shape();
        int per = parts.get(0).data().length;
        float[] data = new float[per * parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            if (!Arrays.equals(parts.get(i).shape(), shape)) {
                throw new IllegalArgumentException("networks differ in the shape of " + name);
            }
            System.arraycopy(parts.get(i).data(), 0, data, i * per, per);
        }
        long[] stacked = shape.clone();
        stacked[0] *= parts.size();
        return new FloatTensor(stacked, data);
    }

    private static FloatTensor require(Map<String, FloatTensor> weights, String name) {
        FloatTensor t = weights.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' among " + weights.keySet());
        }
        return t;
    }
}
