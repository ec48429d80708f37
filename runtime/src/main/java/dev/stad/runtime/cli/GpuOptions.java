package dev.stad.runtime.cli;

import dev.stad.runtime.engine.trt.TrtOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --device} and the TensorRT builder's options, the same in every command that opens a
 * detector ({@code score}, {@code serve}); mixed in with {@code @Mixin}.
 */
public final class GpuOptions {
    @Option(names = "--device", paramLabel = "N", defaultValue = "0", description = "GPU index (default: 0).")
    int device;

    @Option(
            names = "--trt-cache",
            paramLabel = "DIR",
            description = "Where TensorRT engines are cached (default: $STAD_CACHE_DIR/tensorrt, else"
                    + " $XDG_CACHE_HOME/stad/tensorrt, else ~/.cache/stad/tensorrt).")
    Path trtCache;

    @Option(
            names = "--trt-workspace",
            paramLabel = "MB",
            defaultValue = "" + TrtOptions.DEFAULT_WORKSPACE_MB,
            description = "TensorRT builder workspace limit (default: ${DEFAULT-VALUE}).")
    long trtWorkspaceMb;

    @Option(
            names = "--trt-level",
            paramLabel = "0-5",
            defaultValue = "" + TrtOptions.DEFAULT_OPTIMIZATION_LEVEL,
            description = "TensorRT builder optimisation level: higher builds slower, may run faster (default:"
                    + " ${DEFAULT-VALUE}).")
    int trtLevel;

    /** The GPU index. */
    public int device() {
        return device;
    }

    /** TensorRT's options from the command line, with {@code contexts} execution contexts. */
    public TrtOptions trt(int contexts) {
        return TrtOptions.defaults()
                .withCacheDir(trtCache)
                .withWorkspaceMb(trtWorkspaceMb)
                .withOptimizationLevel(trtLevel)
                .withContexts(Math.max(TrtOptions.DEFAULT_CONTEXTS, contexts));
    }
}
