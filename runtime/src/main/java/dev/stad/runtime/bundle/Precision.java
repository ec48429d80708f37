package dev.stad.runtime.bundle;

import java.util.Arrays;
import java.util.Locale;

/** The number format of a detector's networks. The scoring tail (e, v, the map) is always fp32. */
public enum Precision {
    /** 32-bit float everywhere: the reference. */
    FP32,
    /**
     * int8 convolutions (weights per output channel, activations per tensor, symmetric), as
     * QuantizeLinear / DequantizeLinear pairs that ONNX Runtime fuses into integer kernels.
     */
    INT8;

    /** The name in manifests and on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Precision parse(String id) {
        return Arrays.stream(values())
                .filter(p -> p.id().equalsIgnoreCase(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown precision '" + id + "' (known: "
                        + Arrays.stream(values()).map(Precision::id).toList() + ")"));
    }
}
