package dev.stad.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.RunMetadata;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.config.CalibrationConfig;
import dev.stad.trainer.config.TrainingConfig;
import dev.stad.trainer.model.EnergyTeacher;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixed texture-energy teacher goes through the whole pipeline as any teacher does: students
 * of the scale's own architecture train on it, training leaves its weights as built, and the
 * exported detector (its logarithm included, fp32 and int8), scoring e plus the teacher's
 * distance as the default config does, equals the Java computation.
 */
class EnergyTeacherRunTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final Progress progress = new ConsoleProgress(new PrintWriter(log, true, StandardCharsets.UTF_8), false);

    @Test
    void studentsOfTheScalesArchitectureTrainOnTheEnergyTeacherThroughExportAndScoring() throws Exception {
        Path out = dir.resolve("run");
        // 9-pixel patches (the energy filters' least), 48 channels: two wavelengths.
        List<Layer> own = List.of(Layer.conv(16, 5), Layer.conv(32, 3), Layer.conv(48, 3));
        // The default config's score: e plus the teacher's distance, no calm term.
        TrainingConfig c =
                TinyRuns.energy(dir.resolve("data"), out, own, null, new CalibrationConfig(null, null, 0.0, 0.0, 1.0));
        TrainingRun.Summary summary = new TrainingRun(c, progress, false).run();

        RunMetadata.TrainedScale scale = summary.metadata().scales().get(0);
        assertEquals(RunMetadata.COMPLETE, summary.metadata().status());
        NetworkSpec students = new NetworkSpec("e9", own);
        NetworkSpec teacher = EnergyTeacher.spec(students);
        assertEquals(teacher, scale.spec());
        assertEquals(students, scale.studentSpec());
        assertEquals("energy", scale.teacherSource());
        for (List<Double> epoch : scale.studentEpochLosses()) {
            assertTrue(epoch.stream().allMatch(Double::isFinite), "non-finite loss: " + epoch);
        }
        Safetensors.Contents saved = Safetensors.read(new RunDirectory(out).teacherFile("e9"));
        for (var e : EnergyTeacher.weights(teacher, c.input().std()).entrySet()) {
            assertArrayEquals(e.getValue().data(), saved.tensor(e.getKey()).data(), 0f, e.getKey());
        }

        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("teacher energy"), text);
        assertTrue(text.contains("checked on ONNX Runtime"), text);
        ModelBundle bundle = ModelBundle.open(summary.bundle());
        BundleManifest.Scale manifest = bundle.manifest().scales().get(0);
        assertEquals(teacher, manifest.spec());
        assertEquals(students, manifest.studentSpec());
        assertEquals(9, manifest.receptiveField());
        assertEquals(1.0, manifest.statistics().dWeight());
        assertEquals(0.0, manifest.statistics().cWeight());
        assertTrue(manifest.statistics().dStd() > 0 && manifest.gaussian() != null, manifest.toString());
        ExportedRuns.exportsFusedAndInt8AndScores(
                out, summary.bundle(), dir.resolve("fused-int8"), dir.resolve("data"), progress);
    }
}
