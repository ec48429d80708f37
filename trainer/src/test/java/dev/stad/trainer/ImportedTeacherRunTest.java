package dev.stad.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.RunMetadata;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.exporter.onnx.OnnxGraph;
import dev.stad.exporter.onnx.TeacherImport;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.OnnxOperator;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.config.ConfigLoader;
import dev.stad.trainer.config.PretrainConfig;
import dev.stad.trainer.config.ScaleConfig;
import dev.stad.trainer.config.TeacherConfig;
import dev.stad.trainer.config.TrainingConfig;
import dev.stad.trainer.model.WeightInit;
import dev.stad.trainer.train.Seeds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A teacher read from an ONNX file (padded convs, a batch norm, ReLU, a pool) trains students of
 * its architecture through the whole pipeline, unchanged by training, and a file it cannot take
 * stops the run before anything is written.
 */
class ImportedTeacherRunTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final Progress progress = new ConsoleProgress(new PrintWriter(log, true, StandardCharsets.UTF_8), false);

    /** conv3 pad1 (16) + BN + ReLU, MaxPool 2, conv3 pad1 (16): the descriptor, then a ReLU output. */
    private record Source(Path file, String descriptor) {}

    private Source source() throws IOException {
        SplittableRandom rnd = new SplittableRandom(3);
        OnnxGraph g = new OnnxGraph("small");
        String x = g.input("input", 1L, 3L, "h", "w");
        x = conv(g, x, 3, 16, rnd);
        float[][] bn = new float[4][16];
        for (int i = 0; i < 16; i++) {
            bn[0][i] = (float) rnd.nextDouble(0.5, 1.5);
            bn[1][i] = (float) rnd.nextDouble(-0.2, 0.2);
            bn[2][i] = (float) rnd.nextDouble(-0.3, 0.3);
            bn[3][i] = (float) rnd.nextDouble(0.5, 2);
        }
        x = g.nodeOutsideBundles(
                "BatchNormalization",
                List.of(
                        x,
                        g.floats("s", new long[] {16}, bn[0]),
                        g.floats("b", new long[] {16}, bn[1]),
                        g.floats("m", new long[] {16}, bn[2]),
                        g.floats("v", new long[] {16}, bn[3])),
                Map.of());
        x = g.node(OnnxOperator.RELU, x);
        x = g.node(
                OnnxOperator.MAX_POOL, List.of(x), Map.of("kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2
                }));
        String descriptor = conv(g, x, 16, 16, rnd);
        g.output(g.node(OnnxOperator.RELU, descriptor), 1L, 16L, "oh", "ow");
        Path file = dir.resolve("small.onnx");
        Files.write(file, g.model("test", Map.of()).toByteArray());
        return new Source(file, descriptor);
    }

    private static String conv(OnnxGraph g, String x, int in, int out, SplittableRandom rnd) {
        float[] w = new float[out * in * 9];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() * Math.sqrt(2.0 / (in * 9)));
        }
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("kernel_shape", new long[] {3, 3});
        attrs.put("pads", new long[] {1, 1, 1, 1});
        return g.node(
                OnnxOperator.CONV,
                List.of(
                        x,
                        g.floats("w", new long[] {out, in, 3, 3}, w),
                        g.floats("b", new long[] {out}, new float[out])),
                attrs);
    }

    private TrainingConfig config(Source s, String output, Path out) {
        TrainingConfig tiny = TinyRuns.config(dir.resolve("data"), out, 3, 2e-3);
        return TinyRuns.with(
                tiny,
                List.of(new ScaleConfig(ScaleConfig.TEACHER, "small", null)),
                new TeacherConfig(TeacherConfig.Source.ONNX, s.file().toString(), null, output, null),
                tiny.students(),
                tiny.calibration());
    }

    @Test
    void anImportedScaleTrainsNextToOneOfOurOwnWithItsNormalisationFoldedInAndItsOwnEpochs() throws Exception {
        Source s = source();
        Path out = dir.resolve("mixed");
        TrainingConfig tiny = TinyRuns.config(dir.resolve("data"), out, 2, 2e-3);
        List<Double> half = List.of(0.5, 0.5, 0.5);
        TrainingConfig c = TinyRuns.with(
                tiny,
                List.of(new ScaleConfig(ScaleConfig.TEACHER, "small", null, 3), TinyRuns.PLAIN),
                new TeacherConfig(
                        TeacherConfig.Source.ONNX,
                        s.file().toString(),
                        null,
                        s.descriptor(),
                        null,
                        half,
                        half,
                        "random"),
                tiny.students(),
                tiny.calibration());
        TrainingRun.Summary summary = new TrainingRun(c, progress, false).run();
        assertEquals(RunMetadata.COMPLETE, summary.metadata().status());
        assertEquals(
                List.of("small", "t7"),
                ModelBundle.open(summary.bundle()).manifest().scales().stream()
                        .map(x -> x.name())
                        .toList());

        // The imported scale's students train for its own 3 epochs, the other scale's for students.epochs.
        assertEquals(3, summary.metadata().scales().get(0).studentEpochLosses().size());
        assertEquals(
                tiny.students().epochs(),
                summary.metadata().scales().get(1).studentEpochLosses().size());

        RunDirectory run = new RunDirectory(out);
        TeacherImport.Imported folded = TeacherImport.read(
                        s.file(), "small", s.descriptor(), TeacherImport.DEFAULT_MAX_BYTES)
                .readingInputsNormalisedAs(
                        c.input().mean(), c.input().std(), new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f
                        });
        Safetensors.Contents saved = Safetensors.read(run.teacherFile("small"));
        for (var e : folded.weights().entrySet()) {
            assertArrayEquals(e.getValue().data(), saved.tensor(e.getKey()).data(), 0f, e.getKey());
        }
        NetworkSpec plain = summary.metadata().scales().get(1).spec();
        Map<String, FloatTensor> random = WeightInit.heUniform(plain, Seeds.derive(c.seed(), "teacher/t7/0"));
        Safetensors.Contents plainTeacher = Safetensors.read(run.teacherFile("t7"));
        for (var e : random.entrySet()) {
            assertArrayEquals(
                    e.getValue().data(), plainTeacher.tensor(e.getKey()).data(), 0f, e.getKey());
        }
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("folded into its first convolution"), text);
    }

    @Test
    void studentsLearnAnImportedTeacherThatTrainingLeavesAsImported() throws Exception {
        Source s = source();
        Path out = dir.resolve("run");
        TrainingRun.Summary summary = new TrainingRun(config(s, s.descriptor(), out), progress, false).run();

        RunMetadata m = summary.metadata();
        assertEquals(RunMetadata.COMPLETE, m.status());
        NetworkSpec spec = m.scales().get(0).spec();
        assertEquals(
                List.of(
                        Layer.conv(16, 3, 1, Layer.Activation.RELU, 0f),
                        Layer.maxPool(2, 2),
                        Layer.conv(16, 3, 1, Layer.Activation.NONE, 0f)),
                spec.layers());
        for (List<Double> epoch : m.scales().get(0).studentEpochLosses()) {
            assertTrue(epoch.stream().allMatch(Double::isFinite), "non-finite loss: " + epoch);
        }
        TeacherImport.Imported imported =
                TeacherImport.read(s.file(), "small", s.descriptor(), TeacherImport.DEFAULT_MAX_BYTES);
        Safetensors.Contents saved = Safetensors.read(new RunDirectory(out).teacherFile("small"));
        for (var e : imported.weights().entrySet()) {
            assertArrayEquals(e.getValue().data(), saved.tensor(e.getKey()).data(), 0f, e.getKey());
        }
        assertEquals(
                8, ModelBundle.open(summary.bundle()).manifest().scales().get(0).receptiveField());
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("equals its source within"), text);
    }

    @Test
    void studentsOfTheirOwnArchitectureLearnAnImportedTeacherThroughExportAndScoring() throws Exception {
        Source s = source();
        Path out = dir.resolve("own-students");
        TrainingConfig tiny = config(s, s.descriptor(), out);
        // Two stride-1 convs (no pool) seeing the teacher's 8 pixels, 24 channels wide.
        List<Layer> own = List.of(Layer.conv(24, 4), Layer.conv(16, 5));
        TrainingConfig c =
                tiny.withScales(List.of(new ScaleConfig(ScaleConfig.TEACHER, "small", null, null, null, own)));
        TrainingRun.Summary summary = new TrainingRun(c, progress, false).run();
        RunMetadata.TrainedScale scale = summary.metadata().scales().get(0);
        assertEquals(RunMetadata.COMPLETE, summary.metadata().status());
        assertEquals(new NetworkSpec("small", own), scale.studentSpec());
        assertEquals(3, scale.spec().layers().size(), "the teacher keeps its imported architecture");
        for (List<Double> epoch : scale.studentEpochLosses()) {
            assertTrue(epoch.stream().allMatch(Double::isFinite), "non-finite loss: " + epoch);
        }
        // Students' checkpoints hold their own layers' weights.
        Safetensors.Contents students = Safetensors.read(new RunDirectory(out).studentsFile("small"));
        assertArrayEquals(
                new long[] {24, 3, 4, 4},
                students.tensor(RunDirectory.studentPrefix(0) + NetworkSpec.weightName(0))
                        .shape());

        // The export checked the detector (teacher and students as separate stacks) against the
        // students' own dense graphs within its tolerance, or the run would have failed.
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("students small: their own architecture"), text);
        assertTrue(text.contains("checked on ONNX Runtime"), text);
        ModelBundle bundle = ModelBundle.open(summary.bundle());
        BundleManifest.Scale manifest = bundle.manifest().scales().get(0);
        assertEquals(new NetworkSpec("small", own), manifest.studentSpec());
        assertEquals(8, manifest.receptiveField());
        // And again on another image, fused, int8 and scored: the bundle's detector equals e and v
        // computed in Java from the teacher's and the students' own dense graphs.
        ExportedRuns.exportsFusedAndInt8AndScores(
                out, summary.bundle(), dir.resolve("fused-int8"), dir.resolve("data"), progress);
    }

    @Test
    void studentsOfAPresetTooLargeForTheImportedTeachersPatchStopTheRunBeforeAnythingIsWritten() throws Exception {
        Source s = source();
        Path out = dir.resolve("too-large");
        TrainingConfig tiny = config(s, s.descriptor(), out);
        TrainingConfig c =
                tiny.withScales(List.of(new ScaleConfig(ScaleConfig.TEACHER, "small", null, null, "p17", null)));
        IOException e = assertThrows(IOException.class, () -> new TrainingRun(c, progress, false).run());
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "the config's students: students of p17 see 17-pixel patches; the teacher of scale"
                                        + " small only 8: narrowing p17's first convolution (kernel 6) fits teachers of 12 pixels or more"),
                e.getMessage());
        assertFalse(Files.exists(new RunDirectory(out).runFile()), "the refused run wrote " + out);
    }

    @Test
    void aTeacherDistilledFromAnOnnxNetworkLowersItsDistillationLossAndServesThePipeline() throws Exception {
        Source s = source();
        Path out = dir.resolve("distilled");
        TrainingConfig tiny = TinyRuns.config(dir.resolve("data"), out, 2, 2e-3);
        TrainingConfig c = tiny.withTeacher(new TeacherConfig(
                TeacherConfig.Source.DISTILL,
                s.file().toString(),
                new PretrainConfig(80, 4, 8, 2e-3, 1e-5, 1.0, 1e-3, 2, 0.1, 0.05, 1.0, null, null, null, null, null),
                s.descriptor(),
                null));
        TrainingRun.Summary summary = new TrainingRun(c, progress, false).run();
        assertEquals(RunMetadata.COMPLETE, summary.metadata().status());
        assertTrue(Files.exists(summary.bundle()));
        String text = log.toString(StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "teacher (\\S+) pretrained: .*distillation ([0-9.]+) -> ([0-9.]+)")
                .matcher(text);
        int scales = 0;
        while (m.find()) {
            scales++;
            double first = Double.parseDouble(m.group(2));
            double last = Double.parseDouble(m.group(3));
            assertTrue(last < 0.8 * first, m.group(1) + ": distillation loss " + first + " -> " + last);
        }
        assertEquals(2, scales, text);
    }

    @Test
    void aTeacherFileItCannotTakeStopsTheRunBeforeAnythingIsWritten() throws Exception {
        Source s = source();
        Path out = dir.resolve("refused");
        IOException e = assertThrows(
                IOException.class, () -> new TrainingRun(config(s, "relu_out_9", out), progress, false).run());
        assertTrue(e.getMessage().startsWith(s.file() + ": no node or tensor is named 'relu_out_9'"), e.getMessage());
        assertFalse(Files.exists(new RunDirectory(out).runFile()), "the refused run wrote " + out);
    }

    @Test
    void aConfigNamesAnOnnxTeacherAndTheTeachersArchitecture() throws Exception {
        Path f = dir.resolve("c.json");
        Files.writeString(f, """
                {"name": "vgg", "input": {"width": 64, "height": 64},
                 "scales": [{"name": "vgg3", "architecture": "teacher"}],
                 "teacher": {"source": "onnx", "path": "vgg19.onnx", "output": "conv3_4", "maxMegabytes": 200}}
                """);
        TrainingConfig c = ConfigLoader.load(f);
        assertEquals(TeacherConfig.Source.ONNX, c.teacher().source());
        assertEquals(200_000_000L, c.teacher().maxBytes());
        assertTrue(c.scales().get(0).isImported());

        Files.writeString(f, """
                {"input": {"width": 64, "height": 64}, "scales": [{"name": "vgg3", "architecture": "teacher"}]}
                """);
        Exception wrong = assertThrows(Exception.class, () -> ConfigLoader.load(f));
        assertTrue(String.valueOf(wrong.getMessage()).contains("needs a teacher read from ONNX"), wrong.getMessage());

        Files.writeString(f, """
                {"name": "vgg", "input": {"width": 64, "height": 64},
                 "scales": [{"name": "vgg3", "architecture": "teacher", "studentArchitecture": "p17"}],
                 "teacher": {"source": "onnx", "path": "vgg19.onnx", "output": "conv3_4"}}
                """);
        assertEquals("p17", ConfigLoader.load(f).scales().get(0).studentArchitecture());

        Files.writeString(f, """
                {"input": {"width": 64, "height": 64}, "scales": [{"architecture": "p17", "studentArchitecture": "p33"}]}
                """);
        Exception notImported = assertThrows(Exception.class, () -> ConfigLoader.load(f));
        assertTrue(
                String.valueOf(notImported.getMessage())
                        .contains("belong to the scale of a teacher imported from ONNX"),
                notImported.getMessage());

        Files.writeString(f, """
                {"input": {"width": 64, "height": 64},
                 "scales": [{"name": "vgg3", "architecture": "teacher", "studentArchitecture": "p99"}],
                 "teacher": {"source": "onnx", "path": "vgg19.onnx", "output": "conv3_4"}}
                """);
        Exception unknown = assertThrows(Exception.class, () -> ConfigLoader.load(f));
        assertTrue(String.valueOf(unknown.getMessage()).contains("Unknown architecture 'p99'"), unknown.getMessage());
    }
}
