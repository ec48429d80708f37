package dev.stad.runtime.detect;

import dev.stad.runtime.engine.EngineKind;
import dev.stad.runtime.engine.EngineOptions;
import java.util.Objects;

/**
 * How a {@link Detector} runs.
 *
 * @param engine the engine and its threads
 * @param threshold image threshold to use instead of the bundle's default; null for the default
 * @param topFraction share of the map's pixels that {@link Detection#topMean} averages, in (0, 1]
 */
public record DetectorOptions(EngineOptions engine, Double threshold, double topFraction) {
    /** Default share of pixels for {@link Detection#topMean}: the top 1%. */
    public static final double DEFAULT_TOP_FRACTION = 0.01;

    public DetectorOptions {
        Objects.requireNonNull(engine, "engine must not be null");
        if (threshold != null && !Double.isFinite(threshold)) {
            throw new IllegalArgumentException("threshold must be finite, found " + threshold);
        }
        if (!(topFraction > 0 && topFraction <= 1)) {
            throw new IllegalArgumentException("topFraction must be in (0, 1], found " + topFraction);
        }
    }

    /** ONNX Runtime on the CPU, the bundle's threshold, top 1%. */
    public static DetectorOptions defaults() {
        return new DetectorOptions(EngineOptions.cpu(), null, DEFAULT_TOP_FRACTION);
    }

    public DetectorOptions withEngine(EngineKind kind) {
        return new DetectorOptions(engine.withKind(kind), threshold, topFraction);
    }

    public DetectorOptions withThreads(int threads) {
        return new DetectorOptions(engine.withThreads(threads), threshold, topFraction);
    }

    public DetectorOptions withThreshold(Double t) {
        return new DetectorOptions(engine, t, topFraction);
    }

    public DetectorOptions withTopFraction(double f) {
        return new DetectorOptions(engine, threshold, f);
    }
}
