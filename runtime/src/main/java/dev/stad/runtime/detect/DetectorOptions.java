package dev.stad.runtime.detect;

import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.engine.EngineKind;
import dev.stad.runtime.engine.EngineOptions;
import java.security.PublicKey;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link Detector} runs.
 *
 * @param engine the engine and its threads
 * @param threshold image threshold to use instead of the detector's default; null for the default
 * @param topFraction share of the map's pixels that {@link Detection#topMean} averages, in (0, 1]
 * @param tile largest side of a tile computed at once, which is cut with its halo (a tile on the
 *     image's edge is longer by the halo it has no need of there; {@link Tiles#run}); 0: chosen
 *     from {@code memoryBudgetMb}
 * @param memoryBudgetMb working memory the detector graph may use at once, in MB: the input is
 *     computed in tiles when the whole of it would need more ({@link Tiles#tileFor}); 0: no limit
 * @param precision the detector graph to run and how: fp32, int8, or fp16 (the fp32 graph with
 *     TensorRT's networks in half precision, engine trt or auto only); null:
 *     {@link #DEFAULT_PRECISION} where the bundle has it, else fp32
 * @param trust public keys of which one must have signed the bundle ({@link
 *     dev.stad.runtime.bundle.BundleSignature}); empty: signatures are not checked
 */
public record DetectorOptions(
        EngineOptions engine,
        Double threshold,
        double topFraction,
        int tile,
        long memoryBudgetMb,
        Precision precision,
        List<PublicKey> trust) {
    /** Default share of pixels for {@link Detection#topMean}: the top 1%. */
    public static final double DEFAULT_TOP_FRACTION = 0.01;
    /**
     * Default working-memory budget: with the JVM and ONNX Runtime around it, a station process
     * stays within about 1.5 to 2 GB whatever the bundle's input size, and the default model at
     * its own 128x128 input (estimated 870 MB) is computed whole: 768 MB cut it into 4 tiles, 11%
     * slower than libtorch on the same networks.
     */
    public static final long DEFAULT_MEMORY_BUDGET_MB = 1024;
    /**
     * The precision used where the bundle has that detector: fp32. int8 holds fp32's accuracy
     * within 0.01 on the synthetic set only, not yet on real textures, and on an AVX2 CPU without
     * VNNI it is slower (docs/benchmarks.md).
     */
    public static final Precision DEFAULT_PRECISION = Precision.FP32;

    public DetectorOptions {
        Objects.requireNonNull(engine, "engine must not be null");
        trust = List.copyOf(Objects.requireNonNull(trust, "trust must not be null (empty: no signature check)"));
        if (threshold != null && !Double.isFinite(threshold)) {
            throw new IllegalArgumentException("threshold must be finite, found " + threshold);
        }
        if (!(topFraction > 0 && topFraction <= 1)) {
            throw new IllegalArgumentException("topFraction must be in (0, 1], found " + topFraction);
        }
        if (precision == Precision.FP16 && engine.kind() != EngineKind.TRT && engine.kind() != EngineKind.AUTO) {
            throw new IllegalArgumentException(
                    "fp16 runs on TensorRT only (engine " + engine.kind().id()
                            + " asked for); use engine trt on a machine with an NVIDIA GPU, or fp32 / int8");
        }
        if (tile < 0) {
            throw new IllegalArgumentException("tile must be >= 0 (0: from the memory budget), found " + tile);
        }
        if (memoryBudgetMb < 0) {
            throw new IllegalArgumentException("memory budget must be >= 0 MB (0: no limit), found " + memoryBudgetMb);
        }
    }

    /** ONNX Runtime on the CPU, the default precision and memory budget, the detector's threshold, top 1%. */
    public static DetectorOptions defaults() {
        return new DetectorOptions(
                EngineOptions.cpu(), null, DEFAULT_TOP_FRACTION, 0, DEFAULT_MEMORY_BUDGET_MB, null, List.of());
    }

    public DetectorOptions withEngine(EngineKind kind) {
        return new DetectorOptions(
                engine.withKind(kind), threshold, topFraction, tile, memoryBudgetMb, precision, trust);
    }

    /** All engine options at once (device, TensorRT settings). */
    public DetectorOptions withEngine(EngineOptions e) {
        return new DetectorOptions(e, threshold, topFraction, tile, memoryBudgetMb, precision, trust);
    }

    public DetectorOptions withThreads(int threads) {
        return new DetectorOptions(
                engine.withThreads(threads), threshold, topFraction, tile, memoryBudgetMb, precision, trust);
    }

    public DetectorOptions withThreshold(Double t) {
        return new DetectorOptions(engine, t, topFraction, tile, memoryBudgetMb, precision, trust);
    }

    public DetectorOptions withTopFraction(double f) {
        return new DetectorOptions(engine, threshold, f, tile, memoryBudgetMb, precision, trust);
    }

    public DetectorOptions withTile(int t) {
        return new DetectorOptions(engine, threshold, topFraction, t, memoryBudgetMb, precision, trust);
    }

    public DetectorOptions withMemoryBudgetMb(long mb) {
        return new DetectorOptions(engine, threshold, topFraction, tile, mb, precision, trust);
    }

    /** Only bundles signed by one of {@code keys} open; an empty list turns the check off. */
    public DetectorOptions withTrust(List<PublicKey> keys) {
        return new DetectorOptions(engine, threshold, topFraction, tile, memoryBudgetMb, precision, keys);
    }

    public DetectorOptions withPrecision(Precision p) {
        return new DetectorOptions(engine, threshold, topFraction, tile, memoryBudgetMb, p, trust);
    }
}
