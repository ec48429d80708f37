package dev.stad.exporter.onnx;

import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.runtime.bundle.OnnxOperator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link NetworkEmitter} does at each point of a network where an int8 detector quantizes
 * (the image, every conv's output, every activation's output):
 *
 * <ul>
 *   <li>{@link #none()}: nothing, the fp32 graph;
 *   <li>{@link #probe()}: nothing either, but it records which tensor each point is, so that a
 *       calibration run can read the tensors' ranges;
 *   <li>{@link #int8(Map)}: a QuantizeLinear / DequantizeLinear pair with the calibrated scale,
 *       and every conv's weights as int8 (one scale per output channel) with an int32 bias.
 * </ul>
 *
 * All quantization is symmetric (zero point 0), the only form TensorRT's int8 mode reads; ONNX
 * Runtime turns each DequantizeLinear, Conv, QuantizeLinear group into one integer convolution.
 */
public final class Quantizer {
    /** The largest int8 magnitude used: symmetric ranges leave -128 out. */
    public static final int LEVELS = 127;

    private enum Mode {
        FP32,
        PROBE,
        INT8
    }

    private final Mode mode;
    private final Map<String, Float> ranges;
    private final Map<String, String> probes = new LinkedHashMap<>();

    private Quantizer(Mode mode, Map<String, Float> ranges) {
        this.mode = mode;
        this.ranges = ranges;
    }

    /** The fp32 graph, unchanged. */
    public static Quantizer none() {
        return new Quantizer(Mode.FP32, Map.of());
    }

    /** The fp32 graph, recording the tensor of every quantization point ({@link #probes()}). */
    public static Quantizer probe() {
        return new Quantizer(Mode.PROBE, Map.of());
    }

    /**
     * The int8 graph.
     *
     * @param ranges each point's symmetric range: values beyond it saturate at ±127 levels
     */
    public static Quantizer int8(Map<String, Float> ranges) {
        return new Quantizer(Mode.INT8, Map.copyOf(ranges));
    }

    public boolean quantizes() {
        return mode == Mode.INT8;
    }

    /** For a probe: each quantization point and the tensor it names in the graph. */
    public Map<String, String> probes() {
        return Map.copyOf(probes);
    }

    /** {@code x} as seen at {@code point}: itself, or quantized and dequantized again. */
    String activation(OnnxGraph g, String point, String x) {
        switch (mode) {
            case FP32 -> {
                return x;
            }
            case PROBE -> {
                // A point seen again (after a max pool) keeps the tensor it was first seen at.
                probes.putIfAbsent(point, x);
                return x;
            }
            default -> {
                String scale = g.scalar("q_scale", scale(point));
                String zero = g.int8s("q_zero", new long[0], new byte[] {0});
                String q = g.node(OnnxOperator.QUANTIZE_LINEAR, x, scale, zero);
                return g.node(OnnxOperator.DEQUANTIZE_LINEAR, q, scale, zero);
            }
        }
    }

    /**
     * A conv's weight and bias inputs: float initializers, or int8 weights (per output channel)
     * and an int32 bias on the scale {@code inputScale * weightScale}, each behind a DequantizeLinear.
     *
     * @param inputPoint the quantization point of the conv's input; null where the input is not
     *     quantized (the image), which keeps the conv float
     */
    List<String> convParameters(OnnxGraph g, String hint, FloatTensor w, FloatTensor b, String inputPoint) {
        if (mode != Mode.INT8 || inputPoint == null) {
            return List.of(g.floats("w" + hint, w.shape(), w.data()), g.floats("b" + hint, b.shape(), b.data()));
        }
        int out = (int) w.shape()[0];
        int per = w.data().length / out;
        float inputScale = scale(inputPoint);
        float[] wScale = new float[out];
        float[] bScale = new float[out];
        byte[] wq = new byte[w.data().length];
        int[] bq = new int[out];
        for (int o = 0; o < out; o++) {
            float max = 0;
            for (int k = 0; k < per; k++) {
                max = Math.max(max, Math.abs(w.data()[o * per + k]));
            }
            wScale[o] = max > 0 ? max / LEVELS : 1f;
            for (int k = 0; k < per; k++) {
                wq[o * per + k] = (byte) clamp(Math.round(w.data()[o * per + k] / wScale[o]), LEVELS);
            }
            bScale[o] = inputScale * wScale[o];
            bq[o] = (int) clamp(Math.round((double) b.data()[o] / bScale[o]), Integer.MAX_VALUE);
        }
        String weight = g.node(
                OnnxOperator.DEQUANTIZE_LINEAR,
                List.of(
                        g.int8s("wq" + hint, w.shape(), wq),
                        g.floats("w_scale" + hint, new long[] {out}, wScale),
                        g.int8s("w_zero" + hint, new long[] {out}, new byte[out])),
                Map.of("axis", 0L));
        String bias = g.node(
                OnnxOperator.DEQUANTIZE_LINEAR,
                List.of(
                        g.int32s("bq" + hint, new long[] {out}, bq),
                        g.floats("b_scale" + hint, new long[] {out}, bScale),
                        g.int32s("b_zero" + hint, new long[] {out}, new int[out])),
                Map.of("axis", 0L));
        return List.of(weight, bias);
    }

    /** The step of one int8 level at {@code point}. */
    float scale(String point) {
        Float m = Objects.requireNonNull(ranges.get(point), () -> "no calibrated range for " + point);
        return m > 0 ? m / LEVELS : 1e-8f;
    }

    private static long clamp(long v, long limit) {
        return Math.max(-limit, Math.min(limit, v));
    }
}
