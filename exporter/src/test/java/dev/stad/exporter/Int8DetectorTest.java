package dev.stad.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.score.ErrorAndUncertainty;
import dev.stad.checkpoint.spec.Architectures;
import dev.stad.exporter.onnx.Graphs;
import dev.stad.exporter.onnx.Quantizer;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.spec.NetworkSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The int8 detector on real ONNX Runtime sessions: calibrated from the run's images, every
 * network conv becomes an integer convolution in the optimised graph, its maps follow the fp32
 * maps on good images, and it has a threshold of its own.
 */
class Int8DetectorTest {
    @TempDir
    static Path dir;

    static Path run;
    static ModelBundle bundle;
    static Exporter.Result result;
    static final List<NetworkSpec> SPECS = List.of(Architectures.P17, Architectures.P33);
    static final int STUDENTS = 2;

    @BeforeAll
    static void export() throws Exception {
        run = RandomRun.write(dir.resolve("run"), SPECS, STUDENTS, 11, 8, 48);
        // The fp32 detector fused (not the default) shows the int8 one keeps its own layout.
        Exporter.Options fusedFp32 = new Exporter.Options(DetectorLayout.FUSED, ExportCheck.DEFAULT_SIZE, true, false);
        result = Exporter.export(run, dir.resolve("bundle"), fusedFp32, Progress.silent());
        bundle = ModelBundle.open(dir.resolve("bundle"));
    }

    @Test
    void manifestRecordsBothDetectorsAndTheInt8Calibration() {
        BundleManifest m = bundle.manifest();
        assertEquals(Precision.FP32, m.detector().precisionOrDefault());
        BundleManifest.DetectorGraph int8 = m.int8Detector();
        assertNotNull(int8);
        assertEquals(Precision.INT8, int8.precisionOrDefault());
        assertEquals(6, int8.calibrationImages());
        assertNotNull(int8.threshold());
        assertTrue(Double.isFinite(int8.threshold().value()));
        assertTrue(m.files().containsKey(int8.file()));
        // Normalised on its own outputs: statistics for every scale, and a band calibration.
        assertEquals(
                m.scales().stream().map(BundleManifest.Scale::name).toList(),
                List.copyOf(int8.statistics().keySet()));
        int8.statistics().values().forEach(st -> assertTrue(st.eStd() > 0 && st.vStd() > 0, st.toString()));
        assertNotNull(int8.combination());
        assertNull(m.detector().statistics(), "the fp32 detector uses the scales' statistics");
    }

    @Test
    void onnxRuntimeRunsEveryNetworkConvAsAnIntegerConvolution() throws Exception {
        Path optimised = dir.resolve("optimised.onnx");
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            so.setOptimizedModelFilePath(optimised.toString());
            OrtEnvironment.getEnvironment()
                    .createSession(bundle.read(bundle.manifest().int8Detector().file()), so)
                    .close();
        }
        Map<String, Integer> ops = new TreeMap<>();
        for (OnnxMl.NodeProto n : OnnxMl.ModelProto.parseFrom(Files.readAllBytes(optimised))
                .getGraph()
                .getNodeList()) {
            ops.merge(n.getOpType(), 1, Integer::sum);
        }
        // Each network (teacher and STUDENTS students) is its own stack, with ranges of its own.
        int networks = 1 + STUDENTS;
        int convs = SPECS.stream().mapToInt(s -> s.convIndices().size()).sum();
        // Every conv but each network's first (on the float image) and last (which writes float
        // descriptors) is an integer conv.
        assertEquals(
                networks * (convs - 2 * SPECS.size()), ops.getOrDefault("QLinearConv", 0), "integer convs in " + ops);
        // Float convs left: each network's first and last, each scale's whitening of the teacher's
        // descriptors (the calm term, part of the score), and the map's Gaussian smoothing (two 1-D passes).
        assertEquals(
                networks * 2 * SPECS.size() + SPECS.size() + 2, ops.getOrDefault("Conv", 0), "float convs in " + ops);
    }

    @Test
    void int8MapsFollowTheFp32MapsOnGoodImages() {
        ExportCheck.Int8Report r = result.int8();
        assertNotNull(r);
        assertEquals(2, r.images());
        // In spreads of each map. Random weights give maps in arbitrary units whose e is large
        // and nearly constant, so the bound is loose: measured 0.71 with the int8 detector's own
        // statistics (0.4 when it borrowed the fp32 ones, which weigh the scales differently);
        // maps that do not follow each other at all are 1.13 apart on average.
        String what = r.toString();
        assertTrue(r.meanMapDifference() < 0.9, what);
        assertTrue(r.maxScoreDifference() < 3, what);
    }

    @Test
    void errorAndUncertaintyGraphMatchesTheJavaComputationOnEachNetworksDescriptors() throws Exception {
        TrainedModel model = TrainedModel.load(run);
        Graphs.ScaleNetworks s = model.scales().get(0).toGraphScale();
        String name = s.spec().name();
        FloatImage image = CalibrationImages.of(model.metadata()).validation().get(0);
        FloatImage teacher = descriptors(s, s.teacher(), image);
        List<FloatImage> students = new ArrayList<>();
        for (Map<String, FloatTensor> w : s.students()) {
            students.add(descriptors(s, w, image));
        }
        ErrorAndUncertainty expected = ErrorAndUncertainty.compute(teacher, students);
        List<String> outputs = List.of(Graphs.errorOutput(name), Graphs.uncertaintyOutput(name));
        try (GraphSession g = Engines.open(
                Graphs.errorAndUncertainty(List.of(s), DetectorLayout.FUSED, Quantizer.none(), "test")
                        .toByteArray(),
                "e and v",
                Graphs.IMAGE_INPUT,
                outputs,
                EngineOptions.cpu())) {
            Map<String, FloatImage> out = g.run(image);
            assertTrue(ExportCheck.relativeDifference(
                            expected.e(), out.get(outputs.get(0)).data())
                    < 1e-4);
            assertTrue(ExportCheck.relativeDifference(
                            expected.v(), out.get(outputs.get(1)).data())
                    < 1e-4);
        }
    }

    private static FloatImage descriptors(Graphs.ScaleNetworks s, Map<String, FloatTensor> w, FloatImage image)
            throws Exception {
        try (GraphSession g = Engines.open(
                Graphs.dense(s.spec(), w, "test", Map.of()).toByteArray(),
                "dense",
                Graphs.IMAGE_INPUT,
                List.of(Graphs.DESCRIPTORS),
                EngineOptions.cpu())) {
            return g.run(image).get(Graphs.DESCRIPTORS);
        }
    }

    @Test
    void theDefaultExportHasNoInt8Detector() throws Exception {
        Exporter.export(run, dir.resolve("fp32"), Exporter.Options.defaults(), Progress.silent());
        assertFalse(ModelBundle.open(dir.resolve("fp32"))
                .manifest()
                .detector(Precision.INT8)
                .isPresent());
    }

    @Test
    void int8DetectorIsWrittenInTheSeparateLayoutWhateverTheFp32One() {
        assertEquals(DetectorLayout.FUSED, bundle.manifest().detector().layoutOrDefault());
        assertEquals(DetectorLayout.SEPARATE, bundle.manifest().int8Detector().layoutOrDefault());
    }
}
