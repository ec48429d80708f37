package dev.stad.runtime.detect;

import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.engine.EngineKind;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.image.Resampler;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A model bundle on an engine, ready to score images: open it once, then call {@code score} from
 * as many threads as you like. Every image goes through the bundle's own preprocessing (resize to
 * the input size, or for a native-resolution bundle none beyond its fixed scale; then
 * normalisation), the detector graph (in exact tiles where the memory budget asks), and back to
 * the image's resolution. A native bundle's tile is planned for an image of any size, so every
 * image a camera sends is computed within the same budget.
 *
 * <pre>{@code
 * try (Detector detector = Detector.open(Path.of("models/default"))) {
 *     Detection d = detector.score(Path.of("part.png"));
 *     System.out.println(d.score() + (d.anomalous() ? " anomalous" : " good"));
 * }
 * }</pre>
 */
public final class Detector implements AutoCloseable {
    private final ModelBundle bundle;
    private final BundleManifest manifest;
    private final GraphSession session;
    private final double threshold;
    private final double topFraction;
    private final int tile;
    private final Tiles.Geometry geometry;
    private final BundleManifest.DetectorGraph graph;
    private final Precision precision;

    private Detector(
            ModelBundle bundle,
            BundleManifest.DetectorGraph graph,
            GraphSession session,
            DetectorOptions options,
            int tile) {
        this.bundle = bundle;
        this.manifest = bundle.manifest();
        this.graph = graph;
        this.precision = options.precision() == Precision.FP16 ? Precision.FP16 : graph.precisionOrDefault();
        this.session = session;
        this.threshold = options.threshold() != null
                ? options.threshold()
                : graph.threshold() != null
                        ? graph.threshold().value()
                        : manifest.threshold().value();
        this.topFraction = options.topFraction();
        this.tile = tile;
        this.geometry = Tiles.Geometry.of(manifest, graph);
    }

    /** Opens {@code bundle} on ONNX Runtime (CPU) with the bundle's threshold. */
    public static Detector open(Path bundle) throws BundleException, EngineException {
        return open(bundle, DetectorOptions.defaults());
    }

    /**
     * Opens and verifies the bundle (a folder or .zip), picks the detector graph of the asked
     * precision (by default {@link DetectorOptions#DEFAULT_PRECISION}), the tile size from the memory budget,
     * compiles the graph for the engine and runs it once on a blank image, so the first real
     * image is not the slow one.
     *
     * @throws BundleException also when the bundle has no detector of the precision asked for
     */
    public static Detector open(Path bundlePath, DetectorOptions options) throws BundleException, EngineException {
        Objects.requireNonNull(options, "options must not be null");
        ModelBundle bundle = ModelBundle.open(bundlePath, options.trust());
        BundleManifest m = bundle.manifest();
        BundleManifest.DetectorGraph d = graph(m, options.precision(), bundlePath.toString());
        int tile = Tiles.tileFor(m, d.precisionOrDefault(), options.tile(), options.memoryBudgetMb());
        byte[] onnx = bundle.read(d.file());
        EngineOptions engine = options.engine();
        if (options.precision() == Precision.FP16) {
            // Named TensorRT, so that auto cannot fall back to an engine that would run fp32 instead.
            engine = engine.withKind(EngineKind.TRT).withTrt(engine.trt().withPrecision(Precision.FP16));
        }
        GraphSession session = Engines.open(
                onnx,
                bundlePath + ": " + d.file(),
                d.input(),
                List.of(d.output()),
                Tiles.inputProfile(m, tile),
                engine);
        try {
            session.run(Tiles.warmUpInput(m, tile));
        } catch (EngineException | RuntimeException e) {
            session.close();
            throw e;
        }
        return new Detector(bundle, d, session, options, tile);
    }

    /** The precision the detector runs in: its graph's, or fp16 where TensorRT runs the fp32 graph so. */
    public Precision precision() {
        return precision;
    }

    /** Largest side computed at once; 0: the whole input. */
    public int tile() {
        return tile;
    }

    public BundleManifest manifest() {
        return manifest;
    }

    /** Where the bundle was opened from. */
    public Path bundle() {
        return bundle.source();
    }

    /** The bundle's identity, {@link ModelBundle#sha256()}. */
    public String bundleSha256() {
        return bundle.sha256();
    }

    /** The threshold decisions use: the option's, or the detector graph's default. */
    public double threshold() {
        return threshold;
    }

    /** The engine in words. */
    public String engine() {
        return session.description();
    }

    /** Decodes {@code file} (see {@link ImageDecoder}) and scores it; errors name the file. */
    public Detection score(Path file) throws IOException, EngineException {
        return score(ImageDecoder.read(file));
    }

    /** Scores a decoded image; its pixels are read from the raster as {@link ImageDecoder} does. */
    public Detection score(BufferedImage image) throws EngineException {
        return score(ImageDecoder.toFloat(image));
    }

    /**
     * Scores an image given as a float tensor: 1 (grey) or 3 (RGB) channels, channels first,
     * values in [0, 1], any size.
     */
    public Detection score(FloatImage image) throws EngineException {
        long t0 = System.nanoTime();
        Preprocessing pre = manifest.preprocessing();
        if (pre.isNative()) {
            int[] size = pre.inputSize(image.height(), image.width());
            int min = geometry.minimumSide();
            if (size[0] < min || size[1] < min) {
                throw new ImageTooSmallException("the image is " + image.width() + "x" + image.height()
                        + (size[0] == image.height() && size[1] == image.width()
                                ? ""
                                : " (" + size[1] + "x" + size[0] + " at the bundle's scale " + pre.scale() + ")")
                        + ", smaller than the model's largest receptive field, " + min + "x" + min + " pixels");
            }
            if (tile <= 0 && Math.max(size[0], size[1]) > Tiles.NATIVE_UNTILED_MAX_SIDE) {
                // Without tiles the whole image is one input; beyond this no engine profile (and
                // no station's memory) is planned for it.
                throw new IllegalArgumentException("the image is " + size[1] + "x" + size[0] + " pixels at the"
                        + " bundle's scale, above the " + Tiles.NATIVE_UNTILED_MAX_SIDE + " px side computed without"
                        + " tiles; set a memory budget (or a tile) to score it in tiles");
            }
        }
        FloatImage input = pre.apply(image);
        FloatImage small = Tiles.run(session, graph.output(), input, tile, geometry);
        if (small == null
                || small.channels() != 1
                || small.height() != input.height()
                || small.width() != input.width()) {
            throw new EngineException(bundle.source() + ": detector returned " + small + " for a " + input.height()
                    + "x" + input.width() + " input, expected a 1-channel map of that size");
        }
        float[] values = small.data().clone();
        Arrays.sort(values);
        double score = values[values.length - 1];
        if (!Double.isFinite(score) || Float.isNaN(values[0])) {
            throw new EngineException(bundle.source() + ": the detector produced a non-finite anomaly map");
        }
        int k = Math.max(1, (int) Math.round(topFraction * values.length));
        double sum = 0;
        for (int i = values.length - k; i < values.length; i++) {
            sum += values[i];
        }
        FloatImage map = Resampler.resize(small, image.height(), image.width());
        List<Region> regions = Regions.find(map, threshold);
        double millis = (System.nanoTime() - t0) / 1e6;
        FloatImage inputMap = map.height() == small.height() && map.width() == small.width() ? map : small;
        return new Detection(map, score, sum / k, threshold, score > threshold, regions, millis, inputMap);
    }

    /**
     * The detector graph of {@code m} that runs in {@code precision}; null: the default
     * ({@link DetectorOptions#DEFAULT_PRECISION} where the bundle has it).
     *
     * @param where the bundle, for the message
     * @throws BundleException if the bundle has no detector of that precision
     */
    public static BundleManifest.DetectorGraph graph(BundleManifest m, Precision precision, String where)
            throws BundleException {
        if (precision == null) {
            return m.detector(DetectorOptions.DEFAULT_PRECISION).orElse(m.detector());
        }
        return m.detector(precision)
                .orElseThrow(() -> new BundleException(where + ": the bundle has no " + precision.id()
                        + " detector (export it again with this version's exporter, or use --precision fp32)"));
    }

    @Override
    public void close() {
        session.close();
    }
}
