package dev.stad.integration.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.RunMetadata;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.trainer.TinyRuns;
import dev.stad.trainer.TrainerProcess;
import dev.stad.trainer.config.ConfigLoader;
import dev.stad.trainer.config.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real trainer process (SIGKILL, no chance to clean up) in the middle of student
 * training, runs the same command again, and checks that it continues from the saved epoch and
 * ends with exactly the model an uninterrupted run produces.
 */
class KillAndResumeTest {
    private static final int EPOCHS = 60;

    @TempDir
    Path dir;

    @Test
    void killedRunResumesFromItsCheckpointAndEndsWhereAnUninterruptedRunEnds() throws Exception {
        Path data = dir.resolve("data");
        Path killedOut = dir.resolve("killed");
        Path configFile = dir.resolve("tiny.json");
        TrainingConfig config = TinyRuns.config(data, killedOut, EPOCHS, 2e-3);
        Files.writeString(configFile, ConfigLoader.toJson(config));

        Path students = killedOut.resolve("students-t9.safetensors");
        Process p = TrainerProcess.start(dir.resolve("killed.log"), "--config", configFile.toString());
        int killedAt = -1;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline && p.isAlive()) {
            int epoch = savedEpoch(students);
            if (epoch >= 2) {
                p.destroyForcibly();
                killedAt = epoch;
                break;
            }
            Thread.sleep(5);
        }
        p.waitFor(30, TimeUnit.SECONDS);
        if (killedAt < 0) {
            fail("the trainer ended (or timed out) before it could be killed mid-training; log:\n"
                    + Files.readString(dir.resolve("killed.log")));
        }
        // The file on disk is whole (written atomically) and no later than when the kill was sent.
        int saved = savedEpoch(students);
        assertTrue(saved >= killedAt && saved < EPOCHS, "saved epoch " + saved + ", killed at " + killedAt);
        assertEquals(
                RunMetadata.TRAINING,
                new RunDirectory(killedOut).readMetadata().orElseThrow().status());

        String resumeLog = TrainerProcess.run("--config", configFile.toString());
        assertTrue(resumeLog.contains("students t9: resuming from epoch " + saved + "/" + EPOCHS), resumeLog);
        assertTrue(
                !resumeLog.contains("teacher t9 pretrained"), "the finished teacher was trained again:\n" + resumeLog);

        String referenceLog = TrainerProcess.run(
                "--config",
                configFile.toString(),
                "--out",
                dir.resolve("reference").toString());
        assertTrue(!referenceLog.contains("resuming"), referenceLog);

        for (String file : List.of("students-t9.safetensors", "students-t7.safetensors", "teacher-t9.safetensors")) {
            Map<String, FloatTensor> resumed =
                    Safetensors.read(killedOut.resolve(file)).tensors();
            Map<String, FloatTensor> reference =
                    Safetensors.read(dir.resolve("reference").resolve(file)).tensors();
            assertEquals(reference.keySet(), resumed.keySet());
            for (String name : reference.keySet()) {
                TrainerProcess.assertClose(
                        reference.get(name).data(), resumed.get(name).data(), 1e-5, "resumed " + file + " " + name);
            }
        }
        assertEquals(
                RunMetadata.COMPLETE,
                new RunDirectory(killedOut).readMetadata().orElseThrow().status());
    }

    private static int savedEpoch(Path students) {
        if (!Files.exists(students)) {
            return -1;
        }
        try {
            return Integer.parseInt(Safetensors.read(students).metadata().get("epoch"));
        } catch (IOException | RuntimeException e) {
            // Only possible if a write were not atomic: that is exactly what this test guards.
            throw new AssertionError("checkpoint " + students + " could not be read while training: " + e, e);
        }
    }
}
