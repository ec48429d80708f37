package dev.stad.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.score.ErrorAndUncertainty;
import dev.stad.checkpoint.spec.Architectures;
import dev.stad.exporter.onnx.Graphs;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.OnnxInspector;
import dev.stad.runtime.bundle.OnnxOperator;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.detect.Tiles;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.engine.InteriorSides;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.score.DescriptorGaussian;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.score.ScoreStatistics;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bundles of the three preset architectures (random weights) on real ONNX Runtime sessions: dense
 * equals patch, the detector equals the plain-Java map, folding the normalisation is exact, and
 * every graph sticks to the documented operators.
 */
class ExportedGraphsTest {
    @TempDir
    static Path dir;

    static ModelBundle fused;
    static ModelBundle separate;

    @BeforeAll
    static void export() throws Exception {
        Path run = RandomRun.write(
                dir.resolve("run"), List.of(Architectures.P17, Architectures.P33, Architectures.P65), 3, 5);
        TrainedModel model = TrainedModel.load(run);
        BundleWriter.write(BundleWriter.build(model, DetectorLayout.FUSED), dir.resolve("fused"));
        BundleWriter.write(BundleWriter.build(model, DetectorLayout.SEPARATE), dir.resolve("separate.zip"));
        fused = ModelBundle.open(dir.resolve("fused"));
        separate = ModelBundle.open(dir.resolve("separate.zip"));
    }

    private static ModelBundle bundle(DetectorLayout layout) {
        return layout == DetectorLayout.FUSED ? fused : separate;
    }

    private static OnnxMl.GraphProto detectorGraph(ModelBundle bundle) throws Exception {
        return OnnxMl.ModelProto.parseFrom(
                        bundle.read(bundle.manifest().detector().file()))
                .getGraph();
    }

    private static Map<String, OnnxMl.TensorProto> initializers(OnnxMl.GraphProto graph) {
        Map<String, OnnxMl.TensorProto> byName = new java.util.HashMap<>();
        graph.getInitializerList().forEach(t -> byName.put(t.getName(), t));
        return byName;
    }

    @ParameterizedTest
    @EnumSource(DetectorLayout.class)
    void detectorMapEqualsThePlainJavaMapAndDenseEqualsPatch(DetectorLayout layout) throws Exception {
        ModelBundle bundle = bundle(layout);
        assertEquals(layout, bundle.manifest().detector().layoutOrDefault());
        ExportCheck.Report r = ExportCheck.verify(bundle, 37, 3);
        assertTrue(r.detectorVsJava() <= 1e-4, "detector vs Java: " + r.detectorVsJava());
        assertTrue(r.denseVsPatch() <= 1e-4, "dense vs patch: " + r.denseVsPatch());
    }

    /**
     * The layers only imported teachers use (strided convs, ReLU, a slope of their own, average
     * pools, a conv without activation) go through export and its checks like the design ones.
     */
    @Test
    void importedLayersExportWithDenseEqualToPatch(@TempDir Path tmp) throws Exception {
        NetworkSpec stem = new NetworkSpec(
                "stem",
                List.of(
                        Layer.conv(16, 3, 2, Layer.Activation.RELU, 0f),
                        Layer.avgPool(2, 2),
                        Layer.conv(16, 3, 1, Layer.Activation.LEAKY, 0.1f),
                        Layer.avgPool(3, 1),
                        Layer.conv(16, 2, 1, Layer.Activation.NONE, 0f),
                        Layer.maxPool(2, 2),
                        Layer.conv(8, 2)));
        Path run = RandomRun.write(tmp.resolve("run"), List.of(stem), 2, 6);
        BundleWriter.write(BundleWriter.build(TrainedModel.load(run), DetectorLayout.FUSED), tmp.resolve("bundle"));
        ExportCheck.Report r = ExportCheck.verify(ModelBundle.open(tmp.resolve("bundle")), 61, 4);
        assertTrue(r.detectorVsJava() <= 1e-4, "detector vs Java: " + r.detectorVsJava());
        assertTrue(r.denseVsPatch() <= 1e-4, "dense vs patch: " + r.denseVsPatch());
    }

    @Test
    void theMemoryEstimateFollowsTheLayoutTheManifestRecords() {
        long f = Tiles.workingBytesPerPixel(fused.manifest(), Precision.FP32);
        long s = Tiles.workingBytesPerPixel(separate.manifest(), Precision.FP32);
        var specs = fused.manifest().specs();
        assertEquals(Tiles.workingBytesPerPixel(specs, 3, Precision.FP32, DetectorLayout.FUSED), f);
        assertEquals(Tiles.workingBytesPerPixel(specs, 3, Precision.FP32, DetectorLayout.SEPARATE), s);
        assertTrue(s < f / 3, "separate " + s + " B/px, fused " + f);
    }

    @Test
    void fusedAndSeparateDetectorsAgree() throws Exception {
        FloatImage image = random(3, 69, 75, 8);
        float[] a;
        float[] b;
        try (GraphSession g =
                ExportCheck.session(fused.read("detector.onnx"), "test", Graphs.IMAGE_INPUT, Graphs.ANOMALY_MAP)) {
            a = g.run(image).get(Graphs.ANOMALY_MAP).data();
        }
        try (GraphSession g =
                ExportCheck.session(separate.read("detector.onnx"), "test", Graphs.IMAGE_INPUT, Graphs.ANOMALY_MAP)) {
            b = g.run(image).get(Graphs.ANOMALY_MAP).data();
        }
        assertEquals(69 * 75, a.length);
        assertTrue(
                ExportCheck.relativeDifference(a, b) <= 1e-5,
                "fused vs separate " + ExportCheck.relativeDifference(a, b));
    }

    /**
     * The detector's uncertainty term alone (statistics that give e no weight, identity bands,
     * no smoothing) against {@code ErrorAndUncertainty} in double precision, at 1e-4 relative.
     */
    @Test
    void detectorUncertaintyEqualsThePlainJavaVariance() throws Exception {
        TrainedModel model = TrainedModel.load(dir.resolve("run"));
        TrainedModel.ScaleWeights s = model.scales().get(0);
        ScoreStatistics vOnly = new ScoreStatistics(0, 1e30, 0, 1);
        Graphs.ScaleNetworks scale = new Graphs.ScaleNetworks(s.spec(), s.foldedTeacher(), s.students(), vOnly, null);
        FloatImage image = random(3, 40, 44, 11);
        FloatImage map = detectorMap(scale, image);
        FloatImage teacher = dense(s.spec(), s.foldedTeacher(), image);
        List<FloatImage> students = new java.util.ArrayList<>();
        for (var w : s.students()) {
            students.add(dense(s.spec(), w, image));
        }
        ErrorAndUncertainty ev = ErrorAndUncertainty.compute(teacher, students);
        NetworkSpec.Margin m = s.spec().margin();
        float[] inner = new float[ev.v().length];
        for (int y = 0; y < ev.height(); y++) {
            for (int x = 0; x < ev.width(); x++) {
                inner[y * ev.width() + x] = map.get(0, y + m.before(), x + m.before());
            }
        }
        double diff = ExportCheck.relativeDifference(ev.v(), inner);
        assertTrue(diff <= 1e-4, "v: graph vs Java " + diff);
        assertTrue(ev.v()[0] > 0, "the students do not disagree: the comparison would prove nothing");
    }

    /**
     * The detector's calm term alone (statistics that weigh only c, identity bands, no
     * smoothing), with a Gaussian fitted on one image's teacher descriptors, against
     * {@code DescriptorGaussian.calm} in double precision on another image.
     */
    @Test
    void detectorCalmTermEqualsThePlainJavaCalmTerm() throws Exception {
        TrainedModel model = TrainedModel.load(dir.resolve("run"));
        TrainedModel.ScaleWeights s = model.scales().get(0);
        DescriptorGaussian.Accumulator acc =
                new DescriptorGaussian.Accumulator(s.spec().descriptorDim(), 1);
        acc.add(dense(s.spec(), s.foldedTeacher(), random(3, 48, 48, 21)));
        DescriptorGaussian gaussian = acc.fit();
        ScoreStatistics cOnly =
                new ScoreStatistics(0, 1e30, 0, 1).withVWeight(0).withCalm(0, 1, 1);
        Graphs.ScaleNetworks scale =
                new Graphs.ScaleNetworks(s.spec(), s.foldedTeacher(), s.students(), cOnly, gaussian);
        FloatImage image = random(3, 40, 44, 12);
        FloatImage map = detectorMap(scale, image);
        FloatImage teacher = dense(s.spec(), s.foldedTeacher(), image);
        float[] calm = gaussian.calm(teacher);
        NetworkSpec.Margin m = s.spec().margin();
        float[] inner = new float[calm.length];
        int calmPixels = 0;
        for (int y = 0; y < teacher.height(); y++) {
            for (int x = 0; x < teacher.width(); x++) {
                inner[y * teacher.width() + x] = map.get(0, y + m.before(), x + m.before());
                calmPixels += calm[y * teacher.width() + x] > 0 ? 1 : 0;
            }
        }
        double diff = ExportCheck.relativeDifference(calm, inner);
        assertTrue(diff <= 1e-4, "c: graph vs Java " + diff);
        assertTrue(
                calmPixels > 0 && calmPixels < calm.length,
                calmPixels + " of " + calm.length
                        + " pixels calm: the comparison would not cover both sides of the max");
    }

    /** The map of a one-scale fused detector with uncalibrated bands and no smoothing: the scale's score alone. */
    private static FloatImage detectorMap(Graphs.ScaleNetworks scale, FloatImage image) throws Exception {
        byte[] onnx = Graphs.detector(
                        List.of(scale),
                        ScaleCombination.uncalibrated(List.of(scale.spec()), 0),
                        DetectorLayout.FUSED,
                        "test",
                        java.util.Map.of())
                .toByteArray();
        try (GraphSession g = ExportCheck.session(onnx, "test", Graphs.IMAGE_INPUT, Graphs.ANOMALY_MAP)) {
            return g.run(image).get(Graphs.ANOMALY_MAP);
        }
    }

    private static FloatImage dense(NetworkSpec spec, java.util.Map<String, FloatTensor> weights, FloatImage image)
            throws Exception {
        try (GraphSession g = ExportCheck.session(
                Graphs.dense(spec, weights, "test", java.util.Map.of()).toByteArray(),
                "test",
                Graphs.IMAGE_INPUT,
                Graphs.DESCRIPTORS)) {
            return g.run(image).get(Graphs.DESCRIPTORS);
        }
    }

    @Test
    void exportedTeacherYieldsNormalisedDescriptors() throws Exception {
        TrainedModel model = TrainedModel.load(dir.resolve("run"));
        TrainedModel.ScaleWeights s = model.scales().get(1);
        FloatImage image = random(3, 41, 43, 4);
        FloatImage raw = dense(s.spec(), s.teacher(), image);
        FloatImage folded;
        try (GraphSession g = ExportCheck.session(
                fused.read(fused.manifest().scales().get(1).teacher().dense()),
                "test",
                Graphs.IMAGE_INPUT,
                Graphs.DESCRIPTORS)) {
            folded = g.run(image).get(Graphs.DESCRIPTORS);
        }
        float[] expected = s.normalization().normalize(raw).data();
        assertTrue(ExportCheck.relativeDifference(expected, folded.data()) <= 1e-4);
    }

    @ParameterizedTest
    @EnumSource(DetectorLayout.class)
    void theScoringTailAndNothingElseCarriesTheNameTensorRtKeepsInFp32(DetectorLayout layout) throws Exception {
        ModelBundle bundle = bundle(layout);
        BundleManifest m = bundle.manifest();
        OnnxMl.GraphProto graph = detectorGraph(bundle);
        String prefix = BundleManifest.DetectorGraph.FP32_NODE_PREFIX;
        Map<String, OnnxMl.TensorProto> weights = initializers(graph);
        Map<String, Boolean> producedInTail = new java.util.HashMap<>();
        List<String> tailConvs = new ArrayList<>();
        int networkConvs = 0;
        // Integer arithmetic on shapes (the interior sides' slices), not on scores.
        java.util.Set<String> shapeValues = new java.util.HashSet<>();
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            boolean tail = n.getName().startsWith(prefix);
            boolean onShapes = n.getOpType().equals("Shape")
                    || (n.getInputList().stream().anyMatch(shapeValues::contains)
                            && n.getInputList().stream()
                                    .allMatch(i -> shapeValues.contains(i)
                                            || (weights.containsKey(i)
                                                    && weights.get(i).getDataType()
                                                            == OnnxMl.TensorProto.DataType.INT64_VALUE)));
            if (onShapes) {
                shapeValues.addAll(n.getOutputList());
            }
            for (String in : n.getInputList()) {
                // The tail is a suffix of the graph: nothing of the networks reads what it computes.
                assertTrue(tail || !producedInTail.getOrDefault(in, false), n.getName() + " reads the tail's " + in);
            }
            n.getOutputList().forEach(o -> producedInTail.put(o, tail));
            if (n.getInputList().contains(Graphs.IMAGE_INPUT)) {
                assertFalse(tail, n.getName() + " reads the image, so it belongs to a network");
            }
            if (List.of("ReduceSum", "Log", "Div", "Sub").contains(n.getOpType()) && !onShapes) {
                assertTrue(tail, n.getName() + " is scoring arithmetic outside the tail");
            }
            if (n.getOpType().equals("Conv")) {
                if (!tail) {
                    networkConvs++;
                    continue;
                }
                // A whitening (D x D x 1 x 1) or a 1-D smoothing pass (1 x 1 x k x 1 or 1 x 1 x 1 x k).
                List<Long> dims = weights.get(n.getInput(1)).getDimsList();
                boolean whitening =
                        dims.get(2) == 1 && dims.get(3) == 1 && dims.get(0).equals(dims.get(1));
                boolean smoothing = dims.get(0) == 1 && dims.get(1) == 1 && (dims.get(2) == 1) != (dims.get(3) == 1);
                assertTrue(whitening || smoothing, n.getName() + " has weights " + dims);
                tailConvs.add(whitening ? "whitening" : "smoothing");
            }
        }
        assertTrue(producedInTail.get(Graphs.ANOMALY_MAP), "the map is written by the tail");
        // Each scale's whitening of the teacher's descriptors and the map's two smoothing passes.
        assertEquals(m.scales().size(), java.util.Collections.frequency(tailConvs, "whitening"), tailConvs.toString());
        assertEquals(2, java.util.Collections.frequency(tailConvs, "smoothing"), tailConvs.toString());
        assertTrue(networkConvs >= m.scales().size() * 4, networkConvs + " network convolutions");
    }

    /**
     * A dilated pool is a Max of slices shifted along one axis, then another along the other: an
     * engine holds two shifted copies of the pool's input at once (the pools here are 2x2), not
     * four. That the values are the pool's is what the plain-Java comparison above shows.
     */
    @ParameterizedTest
    @EnumSource(DetectorLayout.class)
    void dilatedPoolsShiftOneAxisAtATime(DetectorLayout layout) throws Exception {
        OnnxMl.GraphProto graph = detectorGraph(bundle(layout));
        Map<String, OnnxMl.TensorProto> initializers = initializers(graph);
        Map<String, OnnxMl.NodeProto> producers = new java.util.HashMap<>();
        graph.getNodeList().forEach(n -> n.getOutputList().forEach(o -> producers.put(o, n)));
        Map<String, Long> passAxis = new java.util.HashMap<>();
        int rowPasses = 0;
        int pools = 0;
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            if (!n.getOpType().equals("Max") || n.getName().startsWith(BundleManifest.DetectorGraph.FP32_NODE_PREFIX)) {
                continue;
            }
            assertEquals(2, n.getInputCount(), n.getName() + " takes the max of " + n.getInputList());
            java.util.Set<Long> axes = new java.util.HashSet<>();
            for (String in : n.getInputList()) {
                OnnxMl.NodeProto slice = producers.get(in);
                assertEquals("Slice", slice.getOpType(), n.getName() + " reads " + in);
                OnnxMl.TensorProto sliced = initializers.get(slice.getInput(3));
                assertEquals(List.of(1L), sliced.getDimsList(), slice.getName() + " slices several axes");
                axes.add(java.nio.ByteBuffer.wrap(sliced.getRawData().toByteArray())
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .getLong());
            }
            assertEquals(1, axes.size(), n.getName() + " shifts along " + axes);
            long axis = axes.iterator().next();
            passAxis.put(n.getOutput(0), axis);
            if (axis == 2) {
                rowPasses++;
            } else {
                // A column pass reads the row pass of the same pool.
                assertEquals(3L, axis, n.getName());
                String read = producers.get(n.getInput(0)).getInput(0);
                assertEquals(2L, passAxis.get(read), n.getName() + " reads " + read + ", not a row pass");
            }
            pools++;
        }
        // p33's second pool and p65's second and third, each a row and a column pass, per stack
        // of networks: one fused stack per scale, or the teacher and three students each alone.
        int stacks = layout == DetectorLayout.FUSED ? 1 : 4;
        assertEquals(3 * 2 * stacks, pools);
        assertEquals(3 * stacks, rowPasses);
    }

    /**
     * A cut whose four sides lie inside the image: p17 and p33 compute only what the tile needs
     * (their score maps padded back with zeros where they were spared), so the ring within p65's
     * margin of the cut's edges changes, and every pixel a tile keeps (the reach in from the
     * edges) is the same as when the whole cut is computed.
     */
    @ParameterizedTest
    @EnumSource(DetectorLayout.class)
    void interiorSidesSpareTheSmallerScalesTheHaloAndKeepTheTile(DetectorLayout layout) throws Exception {
        ModelBundle bundle = bundle(layout);
        BundleManifest m = bundle.manifest();
        int reach = m.combination().reach().before();
        int reachAfter = m.combination().reach().after();
        FloatImage image = random(3, 112, 100, 12);
        try (GraphSession s = ExportCheck.session(
                bundle.read(m.detector().file()), m.detector().file(), Graphs.IMAGE_INPUT, Graphs.ANOMALY_MAP)) {
            float[] all = s.run(image).get(Graphs.ANOMALY_MAP).data();
            float[] spared = s.run(image, new InteriorSides(true, true, true, true))
                    .get(Graphs.ANOMALY_MAP)
                    .data();
            int changed = 0;
            double worst = 0;
            for (int y = 0; y < 112; y++) {
                for (int x = 0; x < 100; x++) {
                    int i = y * 100 + x;
                    boolean kept = y >= reach && y < 112 - reachAfter && x >= reach && x < 100 - reachAfter;
                    if (kept) {
                        worst = Math.max(worst, Math.abs(all[i] - spared[i]) / (1e-6 + Math.abs(all[i])));
                    } else if (all[i] != spared[i]) {
                        changed++;
                    }
                }
            }
            assertTrue(worst < 1e-5, layout + ": the tile differs by " + worst);
            assertTrue(changed > 0, layout + ": nothing of the halo changed, so nothing was spared");
            // One side inside: the three others still reach the cut's edges as the whole image's
            // do (the left and right bands near the top take maxima from the spared rows; a
            // station fills the band again from the whole map).
            float[] top = s.run(image, new InteriorSides(true, false, false, false))
                    .get(Graphs.ANOMALY_MAP)
                    .data();
            NetworkSpec.Margin band = m.combination().levels().get(0).margin();
            for (int y = reach; y < 112; y++) {
                for (int x = band.before(); x < 100 - band.after(); x++) {
                    int i = y * 100 + x;
                    assertEquals(all[i], top[i], 1e-5 * (1 + Math.abs(all[i])), "pixel " + y + "," + x);
                }
            }
        }
    }

    /**
     * Tiles of a detector with three scales, smoothing and a band standardised ring by ring give
     * the whole image's map: the station fills the band once the tiles are put together.
     */
    @ParameterizedTest
    @EnumSource(DetectorLayout.class)
    void tilesGiveTheWholeMapWithEveryScaleSmoothingAndBandRings(DetectorLayout layout) throws Exception {
        ModelBundle bundle = bundle(layout);
        BundleManifest m = bundle.manifest();
        Tiles.Geometry geometry = Tiles.Geometry.of(m, m.detector());
        assertTrue(geometry.fillsBandAfterTiles());
        assertTrue(m.combination().smoothingRadius() > 0 && m.scales().size() == 3);
        FloatImage image = random(3, 112, 100, 11);
        try (GraphSession s = ExportCheck.session(
                bundle.read(m.detector().file()), m.detector().file(), Graphs.IMAGE_INPUT, Graphs.ANOMALY_MAP)) {
            float[] whole = Tiles.run(s, Graphs.ANOMALY_MAP, image, 0, geometry).data();
            // 3 x 3 tiles of 38 x 34, whose seams cross the 8-pixel band and p65's 64-pixel reach.
            float[] tiled =
                    Tiles.run(s, Graphs.ANOMALY_MAP, image, 40, geometry).data();
            double d = ExportCheck.relativeDifference(whole, tiled);
            assertTrue(d < 1e-5, layout + ": " + d);
        }
    }

    @Test
    void everyGraphLoadsWithFullOptimisationAndUsesOnlyTheDocumentedOperators() throws Exception {
        BundleManifest m = fused.manifest();
        for (String file : m.files().keySet()) {
            byte[] bytes = fused.read(file);
            boolean patch = file.endsWith(".patch.onnx");
            boolean detector = file.equals(m.detector().file());
            try (GraphSession loaded = ExportCheck.session(
                    bytes,
                    file,
                    patch ? Graphs.PATCH_INPUT : Graphs.IMAGE_INPUT,
                    detector ? Graphs.ANOMALY_MAP : Graphs.DESCRIPTORS)) {
                assertTrue(loaded.description().startsWith("onnxruntime"), file);
            }
            OnnxInspector.inspect(bytes, file);
            OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(bytes);
            assertEquals(17, model.getOpsetImport(0).getVersion());
            assertTrue(
                    model.getMetadataPropsList().stream()
                            .anyMatch(p -> p.getKey().equals("stad.version")),
                    file);
            for (OnnxMl.NodeProto n : model.getGraph().getNodeList()) {
                assertTrue(OnnxOperator.of(n.getOpType()).isPresent(), file + ": " + n.getOpType());
                if (n.getOpType().equals("MaxPool")) {
                    // TensorRT rejects pools with dilations; dense graphs write those as Max of Slices.
                    assertFalse(
                            n.getAttributeList().stream()
                                    .anyMatch(a -> a.getName().equals("dilations")),
                            file + " has a dilated MaxPool");
                }
            }
            assertTrue(
                    model.getGraph().getInitializerList().stream()
                            .allMatch(t -> t.getDataLocation() == OnnxMl.TensorProto.DataLocation.DEFAULT),
                    file);
        }
    }

    @Test
    void manifestDescribesEveryScaleAndChecksumsEveryFile() {
        BundleManifest m = fused.manifest();
        assertEquals(BundleManifest.FORMAT_VERSION, m.formatVersion());
        assertEquals(
                List.of(17, 32, 60),
                m.scales().stream().map(BundleManifest.Scale::receptiveField).toList());
        assertEquals(new NetworkSpec.Margin(15, 16), m.scales().get(1).margin());
        assertEquals(
                List.of(List.of("p17"), List.of("p17", "p33"), List.of("p17", "p33", "p65")),
                m.combination().levels().stream()
                        .map(ScaleCombination.Level::scales)
                        .toList());
        assertEquals(RandomRun.SMOOTHING_SIGMA, m.combination().smoothingSigma());
        assertEquals(3, m.scales().get(0).students());
        assertEquals(1 + 3 * 2 * 4, m.files().size());
        assertEquals(3.5, m.threshold().value());
        assertEquals(72, m.preprocessing().width());
        assertTrue(m.provenance().containsKey("versions"));
    }

    static FloatImage random(int c, int h, int w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] d = new float[c * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return new FloatImage(c, h, w, d);
    }
}
