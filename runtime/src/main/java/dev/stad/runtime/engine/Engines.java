package dev.stad.runtime.engine;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import java.util.List;

/** Opens a graph on the engine the options ask for; {@link EngineKind#AUTO} resolves here. */
public final class Engines {
    private Engines() {}

    /**
     * Compiles a graph with one image input.
     *
     * @param what names the graph in error messages
     */
    public static GraphSession open(byte[] onnx, String what, String input, List<String> outputs, EngineOptions options)
            throws EngineException {
        EngineKind kind = resolve(options.kind());
        if (options.kind() == EngineKind.AUTO && kind == EngineKind.ORT_CUDA) {
            try {
                return OrtGraphSession.open(onnx, what, input, outputs, options.withKind(kind));
            } catch (EngineException e) {
                // The provider is compiled in but CUDA or cuDNN is missing on this machine: auto means CPU then.
                return OrtGraphSession.open(onnx, what, input, outputs, options.withKind(EngineKind.ORT));
            }
        }
        return switch (kind) {
            case ORT, ORT_CUDA -> OrtGraphSession.open(onnx, what, input, outputs, options.withKind(kind));
            case TRT ->
                throw new EngineException("engine trt: TensorRT is not part of this build of the runtime yet;"
                        + " use --engine ort (CPU) or ort-cuda (GPU through ONNX Runtime)");
            case AUTO -> throw new AssertionError("auto was resolved above");
        };
    }

    /** What {@code kind} means on this machine: AUTO becomes ORT_CUDA where CUDA is available, else ORT. */
    public static EngineKind resolve(EngineKind kind) {
        if (kind != EngineKind.AUTO) {
            return kind;
        }
        try {
            return OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)
                    ? EngineKind.ORT_CUDA
                    : EngineKind.ORT;
        } catch (LinkageError e) {
            return EngineKind.ORT; // opening will report the missing native library
        }
    }
}
