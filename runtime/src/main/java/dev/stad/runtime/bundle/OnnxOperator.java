package dev.stad.runtime.bundle;

import java.util.Arrays;
import java.util.Optional;

/**
 * The ONNX operators a bundle's graphs may use: the exporter can only write these, and
 * {@link OnnxInspector} refuses a graph with any other. Each is in ONNX Runtime's CPU and CUDA
 * providers and in TensorRT's ONNX parser; pools never have dilations, which TensorRT rejects (a
 * dense graph's dilated pools are the Max, or the Sum times 1/k^2, of shifted Slices).
 */
public enum OnnxOperator {
    ADD("Add"),
    /** Average pools of imported teachers (patch form, and the dense form's first pool). */
    AVERAGE_POOL("AveragePool"),
    CONCAT("Concat"),
    CONV("Conv"),
    /** Back from int8 to float: the QDQ pairs of int8 detectors (weights, biases, activations). */
    DEQUANTIZE_LINEAR("DequantizeLinear"),
    IDENTITY("Identity"),
    LEAKY_RELU("LeakyRelu"),
    /** The calm term's logarithm of a squared distance. */
    LOG("Log"),
    MAX("Max"),
    MAX_POOL("MaxPool"),
    MUL("Mul"),
    PAD("Pad"),
    /** Float to int8 with a calibrated scale: the QDQ pairs of int8 detectors. */
    QUANTIZE_LINEAR("QuantizeLinear"),
    REDUCE_SUM("ReduceSum"),
    /** The activation of imported teachers' convolutions. */
    RELU("Relu"),
    /**
     * A tensor's shape as int64: the detector's {@link dev.stad.runtime.engine.InteriorSides}
     * input and the cut's size, from which the slices of a scale's halo are computed.
     */
    SHAPE("Shape"),
    SLICE("Slice"),
    /** Splits a fused stack of networks back into one descriptor tensor per network. */
    SPLIT("Split"),
    SUB("Sub"),
    SUM("Sum");

    private final String opType;

    OnnxOperator(String opType) {
        this.opType = opType;
    }

    /** The operator's name in ONNX ({@code NodeProto.op_type}). */
    public String opType() {
        return opType;
    }

    /** The operator named {@code opType} in the default ONNX domain, if it is one of ours. */
    public static Optional<OnnxOperator> of(String opType) {
        return Arrays.stream(values()).filter(o -> o.opType.equals(opType)).findFirst();
    }
}
