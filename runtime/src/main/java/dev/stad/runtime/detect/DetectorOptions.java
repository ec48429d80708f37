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
 * @param tile largest side of the part of the input computed at once ({@link Tiles}); 0: the
 *     whole input. Only bundles with large input sizes need it: memory grows with the input's
 *     pixels (about 14 GB for a 512 x 512 input with the default architectures).
 */
public record DetectorOptions(EngineOptions engine, Double threshold, double topFraction, int tile) {
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
        if (tile < 0) {
            throw new IllegalArgumentException("tile must be >= 0 (0: no tiling), found " + tile);
        }
    }

    /** ONNX Runtime on the CPU, the bundle's threshold, top 1%. */
    public static DetectorOptions defaults() {
        return new DetectorOptions(EngineOptions.cpu(), null, DEFAULT_TOP_FRACTION, 0);
    }

    public DetectorOptions withEngine(EngineKind kind) {
        return new DetectorOptions(engine.withKind(kind), threshold, topFraction, tile);
    }

    public DetectorOptions withThreads(int threads) {
        return new DetectorOptions(engine.withThreads(threads), threshold, topFraction, tile);
    }

    public DetectorOptions withThreshold(Double t) {
        return new DetectorOptions(engine, t, topFraction, tile);
    }

    public DetectorOptions withTopFraction(double f) {
        return new DetectorOptions(engine, threshold, f, tile);
    }

    public DetectorOptions withTile(int t) {
        return new DetectorOptions(engine, threshold, topFraction, t);
    }
}
