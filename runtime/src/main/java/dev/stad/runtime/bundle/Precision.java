package dev.stad.runtime.bundle;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * The number format a detector's networks run in, the one type for it from the command line to
 * the manifest and the TensorRT plan cache. The scoring tail (e, v, the map) is always fp32.
 *
 * <p>A bundle holds detector graphs of two of them, {@link #FP32} and {@link #INT8}; {@link #FP16}
 * is how TensorRT runs the fp32 graph, so a manifest never names it ({@link #graph()}).
 */
public enum Precision {
    /** 32-bit float everywhere: the reference. */
    FP32,
    /**
     * The fp32 detector graph with TensorRT building its networks in half precision (the scoring
     * layers pinned to fp32); TensorRT only.
     */
    FP16,
    /**
     * int8 convolutions (weights per output channel, activations per tensor, symmetric), as
     * QuantizeLinear / DequantizeLinear pairs that ONNX Runtime fuses into integer kernels.
     */
    INT8;

    /** The name in manifests and on the command line. */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The precision of the bundle's detector graph that runs in this one: fp16 runs the fp32 graph. */
    public Precision graph() {
        return this == FP16 ? FP32 : this;
    }

    /** Whether a bundle can hold a detector graph of this precision. */
    public boolean isGraphPrecision() {
        return graph() == this;
    }

    /** The precision named {@code id} (case-insensitive). */
    @JsonCreator
    public static Precision parse(String id) {
        return Arrays.stream(values())
                .filter(p -> p.id().equalsIgnoreCase(id == null ? "" : id.trim()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown precision '" + id + "' (known: "
                        + Arrays.stream(values()).map(Precision::id).toList() + ")"));
    }
}
