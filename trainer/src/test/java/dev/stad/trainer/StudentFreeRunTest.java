package dev.stad.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.RunMetadata;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.spec.Layer;
import dev.stad.trainer.config.CalibrationConfig;
import dev.stad.trainer.config.StudentConfig;
import dev.stad.trainer.config.TrainingConfig;
import dev.stad.trainer.model.EnergyTeacher;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run without students ({@code "students": {"count": 0}}) trains nothing but the teacher's
 * statistics, and its detector scores the teacher's distance from its training mean, with the
 * calm term, through export (fp32, fused, int8) and scoring, equal to the Java computation.
 */
class StudentFreeRunTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final Progress progress = new ConsoleProgress(new PrintWriter(log, true, StandardCharsets.UTF_8), false);

    @Test
    void anEnergyTeacherWithoutStudentsCalibratesExportsAndScores() throws Exception {
        Path out = dir.resolve("run");
        List<Layer> own = List.of(Layer.conv(16, 5), Layer.conv(32, 3), Layer.conv(48, 3));
        TrainingConfig c = TinyRuns.energy(
                dir.resolve("data"),
                out,
                own,
                new StudentConfig(0, null, null, null, null, null, null, null),
                new CalibrationConfig(null, null, null, 2.0, null));
        TrainingRun.Summary summary = new TrainingRun(c, progress, false).run();

        assertEquals(RunMetadata.COMPLETE, summary.metadata().status());
        assertFalse(
                summary.stagesRun().stream().anyMatch(s -> s.startsWith("students")),
                summary.stagesRun().toString());
        RunMetadata.TrainedScale scale = summary.metadata().scales().get(0);
        assertEquals(0, scale.students());
        assertNull(scale.studentsFile());
        assertNull(scale.studentSpec(), "no students, no architecture of theirs");
        assertEquals(0.0, scale.statistics().vWeight());
        assertEquals(2.0, scale.statistics().cWeight());
        assertFalse(Files.exists(new RunDirectory(out).studentsFile("e9")));
        assertEquals(EnergyTeacher.spec(new dev.stad.runtime.spec.NetworkSpec("e9", own)), scale.spec());
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("no students"), text);
        assertFalse(text.contains("units have died"), text);

        BundleManifest.Scale manifest =
                ModelBundle.open(summary.bundle()).manifest().scales().get(0);
        assertEquals(0, manifest.students());
        assertTrue(manifest.studentGraphs().isEmpty());
        ExportedRuns.exportsFusedAndInt8AndScores(
                out, summary.bundle(), dir.resolve("fused-int8"), dir.resolve("data"), progress);

        // Run again: complete, nothing trained.
        TrainingRun.Summary again = new TrainingRun(c, progress, false).run();
        assertTrue(again.alreadyComplete());
    }
}
