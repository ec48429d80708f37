package dev.stad.exporter;

import ai.onnx.proto.OnnxMl;
import dev.stad.checkpoint.score.ErrorAndUncertainty;
import dev.stad.exporter.onnx.Graphs;
import dev.stad.exporter.onnx.Quantizer;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.detect.Tiles;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.score.ImageThreshold;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.score.ScoreStatistics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The int8 detector: the fp32 detector's graph with QuantizeLinear / DequantizeLinear pairs
 * around its convolutions ({@link Quantizer}), activation ranges calibrated on good images. Each
 * network has ranges of its own (the separate layout, {@link #LAYOUT}), and each range is the one with the least squared
 * quantization error over the values the point takes on the calibration images
 * ({@link RangeHistogram}): the activations' tails are long, and the largest magnitude as the
 * range rounds the common values too coarsely. Values past a range are clipped to it, good
 * parts' rare largest ones included; the documented accuracy is measured with these ranges.
 * Quantization adds an error of its own to e and v, so the detector is then
 * normalised as a model of its own: each scale's e / v statistics and the bands' calibration are
 * measured again on the int8 networks' outputs for the validation images, as the trainer
 * measures the fp32 ones, and its threshold is set on its own scores.
 */
public final class Int8Detector {
    /**
     * The int8 detector's layout: every network a stack of its own, so that each has ranges of
     * its own (see {@link dev.stad.exporter.onnx.NetworkEmitter#emitSeparately}).
     */
    public static final DetectorLayout LAYOUT = DetectorLayout.SEPARATE;

    private Int8Detector() {}

    /**
     * The detector graph, the ranges it was built with, its own score statistics and band
     * calibration (measured on its own outputs for the validation images), and its threshold.
     *
     * @param threshold the run's threshold rule applied to the int8 detector's own maps of the
     *     validation images (its scores among them)
     */
    public record Built(
            OnnxMl.ModelProto graph,
            Map<String, Float> ranges,
            Map<String, ScoreStatistics> statistics,
            ScaleCombination combination,
            int calibrationImages,
            ImageThreshold.Estimate threshold) {}

    /**
     * Largest side of the part of a calibration image the ranges are read on: all its content
     * matters, not its size, and the probe graph keeps every quantization point's tensor at once.
     */
    static final int CALIBRATION_SIDE = 192;

    /** The centre {@link #CALIBRATION_SIDE} square of {@code image} (at least {@code minimumSide}), or all of it. */
    static FloatImage centre(FloatImage image, int minimumSide) {
        return image.centreCrop(Math.max(CALIBRATION_SIDE, minimumSide));
    }

    /**
     * Largest side of the part of a validation image the int8 networks' e / v / c statistics are
     * measured on for a native model: its camera image is cut to its centre, which bounds the
     * untiled graph's memory (about 7 KB per pixel). Resize models' inputs are taken whole.
     */
    static final int STATISTICS_SIDE = 512;

    /** The centre {@link #STATISTICS_SIDE} square of {@code image}, or all of it. */
    static FloatImage statisticsPart(FloatImage image) {
        return image.centreCrop(STATISTICS_SIDE);
    }

    /** The largest magnitude in {@code x}: the range that lets no good part saturate. */
    static float range(float[] x) {
        float m = 0;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /**
     * Runs the fp32 networks over the calibration images with every quantization point as an
     * output, twice (each point's largest magnitude, then its histogram and least-error range),
     * writes the int8 graph with those ranges, measures its own score statistics and band
     * calibration on the validation images and sets its threshold there by the run's rule.
     */
    public static Built build(
            List<Graphs.ScaleNetworks> scales,
            ScaleCombination combination,
            CalibrationImages images,
            String version,
            Map<String, String> metadata,
            Progress progress)
            throws EngineException {
        List<FloatImage> calibration = images.calibration();
        Tiles.Geometry geometry = Tiles.Geometry.of(combination);
        int minimumSide = geometry.minimumSide();
        Quantizer probe = Quantizer.probe();
        byte[] probeGraph = Graphs.detector(scales, combination, LAYOUT, probe, version, Map.of())
                .toByteArray();
        List<String> points = new ArrayList<>(probe.probes().keySet());
        Map<String, Float> maxAbs = new LinkedHashMap<>();
        for (String p : points) {
            maxAbs.put(p, 0f);
        }
        Map<String, Float> ranges;
        try (GraphSession session = Engines.open(
                        probeGraph, "int8 calibration graph", Graphs.IMAGE_INPUT, points, EngineOptions.cpu());
                Progress.Stage stage = progress.stage("int8 calibration", 2L * calibration.size(), 0)) {
            for (FloatImage image : calibration) {
                Map<String, FloatImage> out = session.run(centre(image, minimumSide));
                for (String p : points) {
                    maxAbs.put(p, Math.max(maxAbs.get(p), range(out.get(p).data())));
                }
                stage.step("");
            }
            // A second pass places every value in its point's histogram over [0, largest magnitude];
            // a point that is always 0 keeps range 0.
            ranges = new LinkedHashMap<>(maxAbs);
            Map<String, RangeHistogram> histograms = new LinkedHashMap<>();
            for (String p : points) {
                if (maxAbs.get(p) > 0) {
                    histograms.put(p, new RangeHistogram(maxAbs.get(p)));
                }
            }
            for (FloatImage image : calibration) {
                Map<String, FloatImage> out = session.run(centre(image, minimumSide));
                histograms.forEach((p, h) -> h.add(out.get(p).data()));
                stage.step("");
            }
            histograms.forEach((p, h) -> ranges.put(p, (float) h.mseRange(Quantizer.LEVELS)));
        }
        Quantizer quantizer = Quantizer.int8(ranges);
        // The int8 networks are not the fp32 ones: quantization adds its own error to e and v, more
        // in some scales and bands than others, so the detector is normalised on its own outputs.
        Map<String, ScoreStatistics> statistics = new LinkedHashMap<>();
        List<Map<String, FloatImage>> validationMaps = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        for (Graphs.ScaleNetworks s : scales) {
            outputs.add(Graphs.errorOutput(s.spec().name()));
            outputs.add(Graphs.uncertaintyOutput(s.spec().name()));
            if (s.gaussian() != null) {
                outputs.add(Graphs.calmOutput(s.spec().name()));
                outputs.add(Graphs.distanceOutput(s.spec().name()));
            }
        }
        Map<String, List<ErrorAndUncertainty>> maps = new LinkedHashMap<>();
        try (GraphSession session = Engines.open(
                        Graphs.errorAndUncertainty(scales, LAYOUT, quantizer, version)
                                .toByteArray(),
                        "int8 networks",
                        Graphs.IMAGE_INPUT,
                        outputs,
                        EngineOptions.cpu());
                Progress.Stage stage =
                        progress.stage("int8 statistics", images.validation().size(), 0)) {
            for (FloatImage image : images.validation()) {
                // The e / v graph runs a whole input at once: a native model's full-size image
                // gives its statistics through its centre (the threshold below sees all of it).
                Map<String, FloatImage> out = session.run(images.nativeSize() ? statisticsPart(image) : image);
                for (Graphs.ScaleNetworks s : scales) {
                    String name = s.spec().name();
                    FloatImage e = out.get(Graphs.errorOutput(name));
                    FloatImage v = out.get(Graphs.uncertaintyOutput(name));
                    FloatImage c = s.gaussian() == null ? null : out.get(Graphs.calmOutput(name));
                    FloatImage d = s.gaussian() == null ? null : out.get(Graphs.distanceOutput(name));
                    maps.computeIfAbsent(name, k -> new ArrayList<>())
                            .add(new ErrorAndUncertainty(
                                    e.height(),
                                    e.width(),
                                    e.data(),
                                    v.data(),
                                    c == null ? null : c.data(),
                                    d == null ? null : d.data()));
                }
                stage.step("");
            }
        }
        List<Graphs.ScaleNetworks> own = new ArrayList<>();
        for (Graphs.ScaleNetworks s : scales) {
            ScoreStatistics st = ErrorAndUncertainty.statistics(
                            maps.get(s.spec().name()))
                    .withWeights(
                            s.statistics().vWeight(),
                            s.statistics().cWeight(),
                            s.statistics().dWeight());
            statistics.put(s.spec().name(), st);
            own.add(s.withStatistics(st));
        }
        for (int i = 0; i < images.validation().size(); i++) {
            Map<String, FloatImage> scores = new LinkedHashMap<>();
            for (Graphs.ScaleNetworks s : own) {
                scores.put(s.spec().name(), maps.get(s.spec().name()).get(i).scores(s.statistics()));
            }
            validationMaps.add(scores);
        }
        // Each validation image at its own size (a native-resolution model's differ).
        ScaleCombination ownCombination = ScaleCombination.calibrate(
                own.stream().map(Graphs.ScaleNetworks::spec).toList(), validationMaps, combination.smoothingSigma());
        OnnxMl.ModelProto graph = Graphs.detector(own, ownCombination, LAYOUT, quantizer, version, metadata);
        int block = ImageThreshold.blockSide(ownCombination);
        // Tiles of the int8 graph fill the band with its own rings.
        Tiles.Geometry ownGeometry = Tiles.Geometry.of(ownCombination);
        List<double[]> blockMaxima = new ArrayList<>();
        try (GraphSession session = Engines.open(
                        graph.toByteArray(),
                        "int8 detector",
                        Graphs.IMAGE_INPUT,
                        List.of(Graphs.ANOMALY_MAP),
                        EngineOptions.cpu());
                Progress.Stage stage =
                        progress.stage("int8 threshold", images.validation().size(), 0)) {
            long perPixel = Tiles.workingBytesPerPixel(
                    scales.stream()
                            .flatMap(s -> java.util.stream.Stream.of(s.spec(), s.studentSpec()))
                            .toList(),
                    scales.get(0).students().size(),
                    Precision.INT8,
                    LAYOUT);
            for (FloatImage v0 : images.validation()) {
                int tile = Tiles.tileFor(
                        perPixel, ownGeometry, v0.height(), v0.width(), DetectorOptions.DEFAULT_MEMORY_BUDGET_MB << 20);
                blockMaxima.add(ImageThreshold.blockMaxima(
                        Tiles.run(session, Graphs.ANOMALY_MAP, v0, tile, ownGeometry), block));
                stage.step("");
            }
        }
        return new Built(
                graph,
                ranges,
                statistics,
                ownCombination,
                calibration.size(),
                ImageThreshold.fromBlockMaxima(blockMaxima, block, images.thresholdQuantile()));
    }
}
