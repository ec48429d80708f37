package dev.stad.runtime.engine;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import dev.stad.runtime.engine.trt.TrtAvailability;
import dev.stad.runtime.engine.trt.TrtGraphSession;
import java.util.List;

/**
 * Opens a graph on the engine the options ask for. {@link EngineKind#AUTO} resolves here, in
 * this order: TensorRT where a driver, a CUDA device and the TensorRT libraries load; else ONNX
 * Runtime's CUDA provider where this build has it and it starts; else ONNX Runtime on the CPU.
 */
public final class Engines {
    private Engines() {}

    /**
     * The engine {@code kind} means on this machine, and why.
     *
     * @param reason for {@code auto}, why this engine and not a faster one; for an engine asked
     *     by name, what it is
     */
    public record Choice(EngineKind kind, String reason) {
        @Override
        public String toString() {
            return kind.id() + " (" + reason + ")";
        }
    }

    /**
     * What {@code asked} resolves to, checked without opening a graph: fast (well under a
     * second), so a command can fail before it reads a bundle.
     *
     * @throws EngineUnavailableException when an engine asked for by name cannot run here
     */
    public static Choice choose(EngineKind asked) throws EngineUnavailableException {
        return switch (asked) {
            case ORT -> new Choice(EngineKind.ORT, "ONNX Runtime on the CPU");
            case ORT_CUDA -> {
                String missing = ortCudaProblem();
                if (missing != null) {
                    throw new EngineUnavailableException("engine ort-cuda: " + missing);
                }
                yield new Choice(EngineKind.ORT_CUDA, "ONNX Runtime with its CUDA provider");
            }
            case TRT -> {
                TrtAvailability.Status s = TrtAvailability.status();
                if (!s.available()) {
                    throw new EngineUnavailableException("engine trt: " + s.problem());
                }
                yield new Choice(EngineKind.TRT, "TensorRT " + s.tensorRt() + ", CUDA " + s.cuda());
            }
            case AUTO -> auto(TrtAvailability.status(), ortCudaProblem());
        };
    }

    /** The auto rule on given facts: TensorRT, else ort-cuda, else ort, with the reasons for passing over each. */
    static Choice auto(TrtAvailability.Status trt, String ortCudaProblem) {
        if (trt.available()) {
            return new Choice(EngineKind.TRT, "auto: TensorRT " + trt.tensorRt() + ", CUDA " + trt.cuda());
        }
        if (ortCudaProblem == null) {
            return new Choice(EngineKind.ORT_CUDA, "auto: no TensorRT (" + trt.problem() + "); ONNX Runtime CUDA");
        }
        return new Choice(
                EngineKind.ORT,
                "auto: no TensorRT (" + trt.problem() + "); no ort-cuda (" + ortCudaProblem + "); ONNX Runtime CPU");
    }

    /** Why ONNX Runtime's CUDA provider is not in this build, or null where it is. */
    static String ortCudaProblem() {
        try {
            return OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)
                    ? null
                    : "this build of ONNX Runtime has no CUDA execution provider; build runtime.jar with"
                            + " `mvn -Pcuda package` and install CUDA 12 and cuDNN 9";
        } catch (LinkageError e) {
            return "ONNX Runtime's native library cannot be loaded (" + e.getMessage() + ")";
        }
    }

    /** {@link #open(byte[], String, String, List, InputProfile, EngineOptions)} for engines that need no profile. */
    public static GraphSession open(byte[] onnx, String what, String input, List<String> outputs, EngineOptions options)
            throws EngineException {
        return open(onnx, what, input, outputs, null, options);
    }

    /**
     * Compiles a graph with one image input.
     *
     * @param what names the graph in error messages
     * @param profile the input shapes it will see; TensorRT needs it, ONNX Runtime ignores it
     */
    public static GraphSession open(
            byte[] onnx, String what, String input, List<String> outputs, InputProfile profile, EngineOptions options)
            throws EngineException {
        return open(onnx, what, input, outputs, profile, options, choose(options.kind()), TrtGraphSession::open);
    }

    /** How a TensorRT session is opened: the real engine, or a stand-in where no GPU is. */
    @FunctionalInterface
    interface TrtOpener {
        GraphSession open(
                byte[] onnx,
                String what,
                String input,
                List<String> outputs,
                InputProfile profile,
                EngineOptions options)
                throws EngineException;
    }

    /**
     * {@link #open(byte[], String, String, List, InputProfile, EngineOptions)} with the engine
     * already chosen ({@code choice}) and TensorRT opened by {@code trt}.
     */
    static GraphSession open(
            byte[] onnx,
            String what,
            String input,
            List<String> outputs,
            InputProfile profile,
            EngineOptions options,
            Choice choice,
            TrtOpener trt)
            throws EngineException {
        if (options.kind() == EngineKind.AUTO) {
            // Each step down is taken when the engine above cannot start on this machine, or, for
            // TensorRT, cannot build or load this graph's engine (it has not yet run on a GPU):
            // one line says why. A named engine that fails is an error, never a fallback.
            EngineException trtFailure = null;
            if (choice.kind() == EngineKind.TRT) {
                try {
                    return trt.open(onnx, what, input, outputs, profile, options.withKind(EngineKind.TRT));
                } catch (EngineUnavailableException e) {
                    choice = auto(new TrtAvailability.Status(e.getMessage(), null, null), ortCudaProblem());
                } catch (EngineException e) {
                    trtFailure = e;
                    String why = OrtGraphSession.firstLine(e.getMessage());
                    choice = auto(
                            new TrtAvailability.Status("it failed on " + what + ": " + why, null, null),
                            ortCudaProblem());
                    options.trt()
                            .progress()
                            .line("engine auto: TensorRT failed on " + what + " (" + why + "); using "
                                    + choice.kind().id() + " instead");
                }
            }
            try {
                if (choice.kind() == EngineKind.ORT_CUDA) {
                    try {
                        return OrtGraphSession.open(onnx, what, input, outputs, options.withKind(EngineKind.ORT_CUDA));
                    } catch (EngineUnavailableException e) {
                        return OrtGraphSession.open(onnx, what, input, outputs, options.withKind(EngineKind.ORT));
                    }
                }
                return OrtGraphSession.open(onnx, what, input, outputs, options.withKind(EngineKind.ORT));
            } catch (EngineException e) {
                if (trtFailure != null) {
                    e.addSuppressed(trtFailure);
                }
                throw e;
            }
        }
        return switch (choice.kind()) {
            case ORT, ORT_CUDA -> OrtGraphSession.open(onnx, what, input, outputs, options.withKind(choice.kind()));
            case TRT -> trt.open(onnx, what, input, outputs, profile, options);
            case AUTO -> throw new AssertionError("auto was resolved above");
        };
    }

    /** What {@code kind} means on this machine: AUTO becomes the engine {@link #choose} picks. */
    public static EngineKind resolve(EngineKind kind) {
        try {
            return choose(kind).kind();
        } catch (EngineUnavailableException e) {
            return kind; // opening will report it
        }
    }
}
