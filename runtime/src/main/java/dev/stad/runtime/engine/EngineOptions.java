package dev.stad.runtime.engine;

import dev.stad.runtime.engine.trt.TrtOptions;
import java.util.Objects;

/**
 * How to run graphs.
 *
 * @param kind the backend
 * @param threads intra-op threads of one graph run; 0: one per physical core ({@link CpuCores#physical()})
 * @param device GPU index for GPU engines
 * @param trt what only TensorRT reads: engine cache, builder settings, fp16
 */
public record EngineOptions(EngineKind kind, int threads, int device, TrtOptions trt) {
    public EngineOptions {
        Objects.requireNonNull(kind, "kind must not be null");
        Objects.requireNonNull(trt, "trt must not be null");
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0: engine default), found " + threads);
        }
        if (device < 0) {
            throw new IllegalArgumentException("device must be >= 0, found " + device);
        }
    }

    public EngineOptions(EngineKind kind, int threads, int device) {
        this(kind, threads, device, TrtOptions.defaults());
    }

    /**
     * The intra-op threads a run gets: {@link #threads()}, or for 0 one per physical core. Counted
     * here, never left to ONNX Runtime, whose own default ran at one thread's speed on a 2-core VM.
     */
    public int effectiveThreads() {
        return threads > 0 ? threads : CpuCores.physical();
    }

    /** ONNX Runtime on the CPU, one thread per physical core. */
    public static EngineOptions cpu() {
        return new EngineOptions(EngineKind.ORT, 0, 0);
    }

    public EngineOptions withKind(EngineKind k) {
        return new EngineOptions(k, threads, device, trt);
    }

    public EngineOptions withThreads(int t) {
        return new EngineOptions(kind, t, device, trt);
    }

    public EngineOptions withDevice(int d) {
        return new EngineOptions(kind, threads, d, trt);
    }

    public EngineOptions withTrt(TrtOptions t) {
        return new EngineOptions(kind, threads, device, t);
    }
}
