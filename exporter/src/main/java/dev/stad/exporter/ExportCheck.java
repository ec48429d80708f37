package dev.stad.exporter;

import dev.stad.checkpoint.score.ErrorAndUncertainty;
import dev.stad.exporter.onnx.Graphs;
import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.detect.Tiles;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Proves an exported bundle on ONNX Runtime against independent computations:
 *
 * <ul>
 *   <li>the detector's anomaly map against the map computed in plain Java (double precision)
 *       from the per-network dense graphs, the manifest's statistics and its
 *       {@link dev.stad.runtime.score.ScaleCombination};
 *   <li>each dense graph against its patch graph at sampled positions of the valid region,
 *       its corners and edges included.
 * </ul>
 *
 * Differences are relative: the largest absolute difference over the largest magnitude.
 */
public final class ExportCheck {
    /** Rows and columns the check image has beyond the largest receptive field. */
    public static final int MIN_BAND = 8;
    /** Largest relative difference the check accepts between a graph and its reference. */
    public static final double TOLERANCE = 1e-4;
    /** Side of the random check image unless the receptive fields need more. */
    public static final int DEFAULT_SIZE = 40;

    private ExportCheck() {}

    /**
     * @param detectorVsJava largest relative difference of the detector's map from the Java map
     * @param denseVsPatch largest relative difference of a dense descriptor from its patch descriptor
     * @param size side of the random test image
     */
    public record Report(double detectorVsJava, double denseVsPatch, int size) {
        public boolean within(double tolerance) {
            return detectorVsJava <= tolerance && denseVsPatch <= tolerance;
        }
    }

    /**
     * Checks the bundle on a random image of {@code size x size} pixels, or, if the largest
     * receptive field needs more, {@link #MIN_BAND} pixels more than it, so every band of the
     * combination and the border fill are in the picture.
     */
    public static Report verify(ModelBundle bundle, int size, long seed) throws EngineException, BundleException {
        return verify(bundle.manifest(), bundle::read, size, seed);
    }

    /** The files of a bundle by their path in it: a bundle on disk, or one still in memory. */
    @FunctionalInterface
    public interface BundleFiles {
        byte[] read(String file) throws BundleException;
    }

    /** {@link #verify(ModelBundle, int, long)} on a manifest and its files wherever they are. */
    public static Report verify(BundleManifest m, BundleFiles bundle, int size, long seed)
            throws EngineException, BundleException {
        if (!m.hasNetworkGraphs()) {
            throw new IllegalArgumentException("a station bundle holds no per-network graphs to check the detector"
                    + " against; check the full bundle (export checks it before leaving them out)");
        }
        size = Math.max(size, Tiles.minimumSide(m) + MIN_BAND);
        FloatImage image = randomImage(size, size, seed);
        Map<String, FloatImage> scores = new LinkedHashMap<>();
        double denseVsPatch = 0;
        for (BundleManifest.Scale s : m.scales()) {
            FloatImage teacher = dense(bundle, s.teacher().dense(), image);
            List<FloatImage> students = new ArrayList<>();
            for (BundleManifest.NetworkFiles g : s.studentGraphs()) {
                students.add(dense(bundle, g.dense(), image));
            }
            ErrorAndUncertainty ev = ErrorAndUncertainty.compute(teacher, students, s.gaussian());
            scores.put(s.name(), ev.scores(s.statistics()));
            denseVsPatch = Math.max(denseVsPatch, denseVsPatch(bundle, s, s.teacher(), image, teacher, seed));
            if (!students.isEmpty()) {
                denseVsPatch = Math.max(
                        denseVsPatch,
                        denseVsPatch(bundle, s, s.studentGraphs().get(0), image, students.get(0), seed + 1));
            }
        }
        float[] expected =
                m.combination().combine(m.specs(), scores, size, size).data();
        float[] actual;
        try (GraphSession detector = session(
                bundle.read(m.detector().file()),
                m.detector().file(),
                m.detector().input(),
                m.detector().output())) {
            actual = detector.run(image).get(m.detector().output()).data();
        }
        return new Report(relativeDifference(expected, actual), denseVsPatch, size);
    }

    /**
     * Opens one graph the way the check runs it: the station's engine on the CPU with its
     * session options (full graph optimisation).
     */
    public static GraphSession session(byte[] onnx, String what, String input, String output) throws EngineException {
        return Engines.open(onnx, what, input, List.of(output), EngineOptions.cpu());
    }

    private static FloatImage dense(BundleFiles bundle, String file, FloatImage image)
            throws EngineException, BundleException {
        try (GraphSession g = session(bundle.read(file), file, Graphs.IMAGE_INPUT, Graphs.DESCRIPTORS)) {
            return g.run(image).get(Graphs.DESCRIPTORS);
        }
    }

    /** Dense descriptors at the valid region's corners, edge midpoints and random positions vs the patch graph. */
    static double denseVsPatch(
            BundleFiles bundle,
            BundleManifest.Scale s,
            BundleManifest.NetworkFiles graphs,
            FloatImage image,
            FloatImage dense,
            long seed)
            throws EngineException, BundleException {
        int rf = s.receptiveField();
        int h = image.height() - rf + 1;
        int w = image.width() - rf + 1;
        List<int[]> pixels = new ArrayList<>(List.of(
                new int[] {0, 0},
                new int[] {0, w - 1},
                new int[] {h - 1, 0},
                new int[] {h - 1, w - 1},
                new int[] {h / 2, 0},
                new int[] {0, w / 2}));
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < 6; i++) {
            pixels.add(new int[] {rnd.nextInt(h), rnd.nextInt(w)});
        }
        List<FloatImage> patches =
                pixels.stream().map(p -> image.crop(p[0], p[1], rf, rf)).toList();
        List<FloatImage> out;
        try (GraphSession g =
                session(bundle.read(graphs.patch()), graphs.patch(), Graphs.PATCH_INPUT, Graphs.DESCRIPTORS)) {
            out = g.runBatch(patches).stream()
                    .map(o -> o.get(Graphs.DESCRIPTORS))
                    .toList();
        }
        double worst = 0;
        for (int i = 0; i < pixels.size(); i++) {
            float[] expected = out.get(i).data();
            float[] actual = new float[expected.length];
            for (int c = 0; c < actual.length; c++) {
                actual[c] = dense.get(c, pixels.get(i)[0], pixels.get(i)[1]);
            }
            worst = Math.max(worst, relativeDifference(expected, actual));
        }
        return worst;
    }

    /**
     * How far the int8 detector's maps are from the fp32 detector's on good images. The int8
     * detector is normalised on its own outputs, so its maps are in units of their own; each
     * detector's maps are first standardised by their own mean and standard deviation over every
     * pixel of the images, and the differences are read in those units (spreads): what is left is
     * the difference in where and how strongly each map rises, which is what quantization can
     * change.
     *
     * @param images validation images scored
     * @param maxScoreDifference largest |int8 score - fp32 score| (map maxima), in spreads
     * @param maxMapDifference largest |int8 - fp32| over every pixel of every map, in spreads
     * @param meanMapDifference mean |int8 - fp32| over every pixel, in spreads
     */
    public record Int8Report(
            int images, double maxScoreDifference, double maxMapDifference, double meanMapDifference) {}

    /** Scores {@code images} with both detectors of the bundle and compares their standardised maps. */
    public static Int8Report verifyInt8(BundleManifest m, BundleFiles bundle, List<FloatImage> images)
            throws EngineException, BundleException {
        BundleManifest.DetectorGraph fp32 = m.detector();
        BundleManifest.DetectorGraph int8 = m.int8Detector();
        List<float[]> xs = new ArrayList<>();
        List<float[]> ys = new ArrayList<>();
        try (GraphSession a = session(bundle.read(fp32.file()), fp32.file(), fp32.input(), fp32.output());
                GraphSession b = session(bundle.read(int8.file()), int8.file(), int8.input(), int8.output())) {
            Tiles.Geometry fp32Geometry = Tiles.Geometry.of(m, fp32);
            Tiles.Geometry int8Geometry = Tiles.Geometry.of(m, int8);
            long budget = DetectorOptions.DEFAULT_MEMORY_BUDGET_MB << 20;
            for (FloatImage image : images) {
                int fp32Tile = Tiles.tileFor(m, Precision.FP32, image.height(), image.width(), budget);
                int int8Tile = Tiles.tileFor(m, Precision.INT8, image.height(), image.width(), budget);
                xs.add(Tiles.run(a, fp32.output(), image, fp32Tile, fp32Geometry)
                        .data());
                ys.add(Tiles.run(b, int8.output(), image, int8Tile, int8Geometry)
                        .data());
            }
        }
        double[] fx = meanAndSpread(xs);
        double[] fy = meanAndSpread(ys);
        double maxScore = 0;
        double maxMap = 0;
        double sum = 0;
        long n = 0;
        for (int k = 0; k < xs.size(); k++) {
            float[] x = xs.get(k);
            float[] y = ys.get(k);
            double mx = Double.NEGATIVE_INFINITY;
            double my = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < x.length; i++) {
                double sx = (x[i] - fx[0]) / fx[1];
                double sy = (y[i] - fy[0]) / fy[1];
                double d = Math.abs(sx - sy);
                maxMap = Math.max(maxMap, d);
                sum += d;
                mx = Math.max(mx, sx);
                my = Math.max(my, sy);
            }
            n += x.length;
            maxScore = Math.max(maxScore, Math.abs(mx - my));
        }
        return new Int8Report(images.size(), maxScore, maxMap, sum / n);
    }

    /** Mean and standard deviation (1 where it is 0) of every value of {@code maps}. */
    private static double[] meanAndSpread(List<float[]> maps) {
        double sum = 0;
        double sq = 0;
        long n = 0;
        for (float[] x : maps) {
            for (float v : x) {
                sum += v;
                sq += (double) v * v;
            }
            n += x.length;
        }
        double mean = sum / n;
        double spread = Math.sqrt(Math.max(0, sq / n - mean * mean));
        return new double[] {mean, spread > 0 ? spread : 1};
    }

    /** max |a - b| / max |a| (a nonzero reference). */
    public static double relativeDifference(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            throw new IllegalArgumentException("lengths differ: " + expected.length + " vs " + actual.length);
        }
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs((double) expected[i] - actual[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    /** A 3-channel image of standard normal values (seeded). */
    static FloatImage randomImage(int height, int width, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] d = new float[3 * height * width];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return new FloatImage(3, height, width, d);
    }
}
