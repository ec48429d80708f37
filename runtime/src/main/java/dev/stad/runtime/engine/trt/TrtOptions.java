package dev.stad.runtime.engine.trt;

import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.progress.Progress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What only the TensorRT engine reads.
 *
 * @param cacheDir where built engines and timing caches are kept; null: {@link PlanCache#defaultDirectory()}
 * @param workspaceMb the builder's workspace limit (scratch memory a layer's kernels may use)
 * @param optimizationLevel the builder optimisation level, 0 (fast builds) to 5 (TensorRT's slowest
 *     and most thorough search); TensorRT's default is 3
 * @param precision what TensorRT builds the graph's float layers in: {@link Precision#FP32}, or
 *     {@link Precision#FP16} for the networks in half precision with the scoring tail pinned to fp32;
 *     int8 is never asked for here, it comes from the graph's own quantize / dequantize pairs
 * @param contexts execution contexts, each with its own CUDA stream and buffers: how many threads
 *     run the graph at once (the others wait for a free one)
 * @param progress where the stages of loading or building an engine are reported
 */
public record TrtOptions(
        Path cacheDir, long workspaceMb, int optimizationLevel, Precision precision, int contexts, Progress progress) {
    public static final long DEFAULT_WORKSPACE_MB = 4096;
    public static final int DEFAULT_OPTIMIZATION_LEVEL = 3;
    public static final int DEFAULT_CONTEXTS = 2;

    public TrtOptions {
        Objects.requireNonNull(progress, "progress must not be null");
        Objects.requireNonNull(precision, "precision must not be null");
        if (precision == Precision.INT8) {
            throw new IllegalArgumentException("TensorRT options take fp32 or fp16: int8 comes from the graph's"
                    + " quantize / dequantize pairs (the bundle's int8 detector)");
        }
        if (workspaceMb < 1) {
            throw new IllegalArgumentException("TensorRT workspace must be >= 1 MB, found " + workspaceMb);
        }
        if (optimizationLevel < 0 || optimizationLevel > 5) {
            throw new IllegalArgumentException(
                    "TensorRT builder optimisation level must be 0 to 5, found " + optimizationLevel);
        }
        if (contexts < 1) {
            throw new IllegalArgumentException("TensorRT execution contexts must be >= 1, found " + contexts);
        }
    }

    /** The default cache folder, 4 GB workspace, level 3, fp32, two contexts, no progress lines. */
    public static TrtOptions defaults() {
        return new TrtOptions(
                null,
                DEFAULT_WORKSPACE_MB,
                DEFAULT_OPTIMIZATION_LEVEL,
                Precision.FP32,
                DEFAULT_CONTEXTS,
                Progress.silent());
    }

    /** {@link #cacheDir} or the default. */
    public Path cacheDirOrDefault() {
        return cacheDir != null ? cacheDir : PlanCache.defaultDirectory();
    }

    public TrtOptions withCacheDir(Path dir) {
        return new TrtOptions(dir, workspaceMb, optimizationLevel, precision, contexts, progress);
    }

    public TrtOptions withWorkspaceMb(long mb) {
        return new TrtOptions(cacheDir, mb, optimizationLevel, precision, contexts, progress);
    }

    public TrtOptions withOptimizationLevel(int level) {
        return new TrtOptions(cacheDir, workspaceMb, level, precision, contexts, progress);
    }

    public TrtOptions withPrecision(Precision p) {
        return new TrtOptions(cacheDir, workspaceMb, optimizationLevel, p, contexts, progress);
    }

    public TrtOptions withContexts(int n) {
        return new TrtOptions(cacheDir, workspaceMb, optimizationLevel, precision, n, progress);
    }

    public TrtOptions withProgress(Progress p) {
        return new TrtOptions(cacheDir, workspaceMb, optimizationLevel, precision, contexts, p);
    }
}
