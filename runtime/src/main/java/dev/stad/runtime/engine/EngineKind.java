package dev.stad.runtime.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Which backend runs the graphs; {@link #id()} is the name the command line uses. */
public enum EngineKind {
    /** ONNX Runtime on the CPU. */
    ORT("ort"),
    /** ONNX Runtime with its CUDA execution provider (needs the {@code cuda} build profile). */
    ORT_CUDA("ort-cuda"),
    /** TensorRT through the JavaCPP presets. */
    TRT("trt"),
    /** The fastest one this machine and this build can run: ort-cuda when available, else ort. */
    AUTO("auto");

    private final String id;

    EngineKind(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Parses a command-line name ({@code ort}, {@code ort-cuda}, {@code trt}, {@code auto}). */
    public static EngineKind parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (EngineKind k : values()) {
            if (k.id.equals(n)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + name + "' (expected one of "
                + Arrays.stream(values()).map(EngineKind::id).collect(Collectors.joining(", ")) + ")");
    }
}
