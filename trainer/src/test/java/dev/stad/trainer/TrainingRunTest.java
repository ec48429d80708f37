package dev.stad.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.RunMetadata;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.progress.Progress;
import dev.stad.trainer.config.CalibrationConfig;
import dev.stad.trainer.config.TrainingConfig;
import dev.stad.trainer.train.TrainingDivergedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole runs of the real pipeline (DJL, PyTorch engine, files on disk) on a tiny config. */
class TrainingRunTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final Progress progress = new ConsoleProgress(new PrintWriter(log, true, StandardCharsets.UTF_8), false);

    @Test
    void lossStaysFiniteAndFallsAndTheRunCompletes() throws Exception {
        Path out = dir.resolve("run");
        TrainingRun.Summary s =
                new TrainingRun(TinyRuns.config(dir.resolve("data"), out, 8, 2e-3), progress, false).run();

        RunMetadata m = s.metadata();
        assertEquals(RunMetadata.COMPLETE, m.status());
        assertEquals(2, m.scales().size());
        for (RunMetadata.TrainedScale scale : m.scales()) {
            List<Double> pretrain = scale.pretrainLoss();
            assertTrue(
                    Double.isFinite(pretrain.get(0)) && Double.isFinite(pretrain.get(1)),
                    scale.name() + " " + pretrain);
            assertTrue(
                    pretrain.get(1) < pretrain.get(0), scale.name() + ": pretraining loss did not fall: " + pretrain);

            List<List<Double>> epochs = scale.studentEpochLosses();
            assertEquals(8, epochs.size());
            for (int student = 0; student < 2; student++) {
                double first = epochs.get(0).get(student);
                double last = epochs.get(epochs.size() - 1).get(student);
                for (List<Double> e : epochs) {
                    assertTrue(Double.isFinite(e.get(student)), "non-finite loss in " + e);
                }
                assertTrue(
                        last < 0.7 * first, scale.name() + " student " + student + ": loss " + first + " -> " + last);
            }
            assertEquals(epochs.get(epochs.size() - 1), scale.studentLoss(), "studentLoss is the last epoch's");
            assertTrue(scale.statistics().eStd() > 0 && scale.statistics().vStd() > 0);
        }
        assertTrue(Double.isFinite(m.threshold().value()));
        assertEquals(2, m.threshold().validationScores().size());
        // Set from the validation maps' tail, above what the two scores' own 0.99 quantile gives.
        assertTrue(m.threshold().rule().contains("Gumbel"), m.threshold().rule());
        double low = Math.min(
                m.threshold().validationScores().get(0),
                m.threshold().validationScores().get(1));
        double high = Math.max(
                m.threshold().validationScores().get(0),
                m.threshold().validationScores().get(1));
        assertTrue(
                m.threshold().value() > low + 0.99 * (high - low), m.threshold().toString());
        assertTrue(Files.exists(out.resolve("teacher-t9.safetensors")));
        assertFalse(Files.exists(out.resolve("teacher-t9.partial.safetensors")), "partial teacher left behind");
        assertEquals(
                List.of("t9", "t7"),
                m.scales().stream().map(RunMetadata.TrainedScale::name).toList());
        BundleManifest manifest = ModelBundle.open(s.bundle()).manifest();
        assertEquals(m.threshold().value(), manifest.threshold().value());
        assertEquals(
                List.of("t9", "t7"),
                manifest.scales().stream().map(BundleManifest.Scale::name).toList());
        // By default each scale's score has the calm term, its Gaussian carried into the bundle.
        for (BundleManifest.Scale scale : manifest.scales()) {
            assertEquals(1.0, scale.statistics().cWeight(), scale.name());
            assertTrue(scale.statistics().cStd() > 0, scale.name());
            assertEquals(scale.spec().descriptorDim(), scale.gaussian().channels(), scale.name());
            assertEquals(
                    m.scales().stream()
                            .filter(t -> t.name().equals(scale.name()))
                            .findFirst()
                            .orElseThrow()
                            .gaussian(),
                    scale.gaussian());
        }

        // Another calibration on the same trained networks: refused without --recalibrate, naming
        // it; with it, e alone is calibrated and exported and no network is trained again.
        TrainingConfig base = TinyRuns.config(dir.resolve("data"), out, 8, 2e-3);
        TrainingConfig errorOnly = new TrainingConfig(
                base.name(),
                base.seed(),
                base.out(),
                base.bundle(),
                base.data(),
                base.input(),
                base.scales(),
                base.teacher(),
                base.students(),
                new CalibrationConfig(null, null, 0.0, 0.0, null));
        IOException refused = assertThrows(IOException.class, () -> new TrainingRun(errorOnly, progress, false).run());
        assertTrue(refused.getMessage().contains("--recalibrate"), refused.getMessage());
        TrainingRun.Summary again = new TrainingRun(errorOnly, progress, false, true).run();
        assertFalse(
                again.stagesRun().stream().anyMatch(st -> st.startsWith("students") || st.startsWith("teacher")),
                again.stagesRun().toString());
        for (BundleManifest.Scale scale :
                ModelBundle.open(again.bundle()).manifest().scales()) {
            assertEquals(0.0, scale.statistics().vWeight());
            assertEquals(0.0, scale.statistics().cWeight());
            assertNull(scale.gaussian(), "a score without the calm term carries no Gaussian");
        }
        assertEquals(
                m.scales().get(0).studentLoss(),
                again.metadata().scales().get(0).studentLoss());
    }

    @Test
    void completedRunWhoseBundleWasDeletedIsExportedAgain() throws Exception {
        Path out = dir.resolve("run");
        var config = TinyRuns.config(dir.resolve("data"), out, 2, 2e-3);
        TrainingRun.Summary first = new TrainingRun(config, progress, false).run();
        String detectorSum = ModelBundle.open(first.bundle()).manifest().files().get("detector.onnx");
        AtomicFiles.deleteTree(first.bundle());
        TrainingRun.Summary again = new TrainingRun(config, progress, false).run();
        assertTrue(again.alreadyComplete());
        assertEquals(
                detectorSum, ModelBundle.open(again.bundle()).manifest().files().get("detector.onnx"));

        Path zip = dir.resolve("elsewhere.zip");
        TrainingRun.Summary elsewhere = new TrainingRun(config.withBundle(zip.toString()), progress, false).run();
        assertTrue(elsewhere.alreadyComplete(), "a new bundle path must not retrain");
        assertEquals(detectorSum, ModelBundle.open(zip).manifest().files().get("detector.onnx"));
    }

    @Test
    void completedRunIsNotRedoneUnlessFresh() throws Exception {
        Path out = dir.resolve("run");
        var config = TinyRuns.config(dir.resolve("data"), out, 2, 2e-3);
        TrainingRun.Summary first = new TrainingRun(config, progress, false).run();
        assertEquals(
                List.of(
                        "teacher t9",
                        "students t9",
                        "calibration t9",
                        "teacher t7",
                        "students t7",
                        "calibration t7",
                        "combination",
                        "export"),
                first.stagesRun());

        TrainingRun.Summary again = new TrainingRun(config, progress, false).run();
        assertTrue(again.alreadyComplete());
        assertEquals(List.of(), again.stagesRun(), "a complete run does no work");

        TrainingRun.Summary fresh = new TrainingRun(config, progress, true).run();
        assertFalse(fresh.alreadyComplete());
        assertEquals(first.stagesRun(), fresh.stagesRun(), "--fresh redoes every stage");
    }

    @Test
    void aRunSavedBeforeAFieldWithADefaultExistedStillResumes() throws Exception {
        Path out = dir.resolve("run");
        var config = TinyRuns.config(dir.resolve("data"), out, 2, 2e-3);
        new TrainingRun(config, progress, false).run();
        // As a run.json written before students.exposure existed.
        Path runFile = out.resolve("run.json");
        var json = dev.stad.trainer.config.ConfigLoader.mapper();
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(runFile.toFile());
        var students = (com.fasterxml.jackson.databind.node.ObjectNode)
                tree.get("config").get("students");
        assertTrue(students.has("exposure"), students.toString());
        students.remove("exposure");
        json.writeValue(runFile.toFile(), tree);
        assertTrue(new TrainingRun(config, progress, false).run().alreadyComplete());
    }

    @Test
    void changedConfigIsRefusedWithTheDifferingFields() throws Exception {
        Path out = dir.resolve("run");
        new TrainingRun(TinyRuns.config(dir.resolve("data"), out, 2, 2e-3), progress, false).run();
        var changed = TinyRuns.config(dir.resolve("data"), out, 3, 2e-3);
        var e = assertThrows(java.io.IOException.class, () -> new TrainingRun(changed, progress, false).run());
        assertTrue(e.getMessage().contains("students") && e.getMessage().contains("--fresh"), e.getMessage());
    }

    @Test
    void divergingTrainingFailsLoudlyAndSavesNoModel() throws Exception {
        Path out = dir.resolve("run");
        var config = TinyRuns.config(dir.resolve("data"), out, 3, 1e30);
        TrainingDivergedException e =
                assertThrows(TrainingDivergedException.class, () -> new TrainingRun(config, progress, false).run());
        assertTrue(
                e.getMessage().contains("students t9") && e.getMessage().contains("Nothing from this step was saved"),
                e.getMessage());
        assertFalse(Files.exists(out.resolve("students-t9.safetensors")), "a diverged model was saved");
        assertEquals(
                RunMetadata.TRAINING,
                new RunDirectory(out).readMetadata().orElseThrow().status());
    }
}
