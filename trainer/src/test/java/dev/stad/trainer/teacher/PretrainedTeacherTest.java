package dev.stad.trainer.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.TinyRuns;
import dev.stad.trainer.TrainerProcess;
import dev.stad.trainer.TrainingRun;
import dev.stad.trainer.config.ConfigLoader;
import dev.stad.trainer.config.TrainingConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A teacher pretrained once on a procedural corpus, in a folder that runs share. */
class PretrainedTeacherTest {
    private static final int STEPS = 400;

    @TempDir
    Path dir;

    @Test
    void killedPretrainingResumesAndEndsWithTheTeacherAnUninterruptedOneMakes() throws Exception {
        Path teachers = dir.resolve("teachers");
        Path configFile = dir.resolve("tiny.json");
        TrainingConfig config = TinyRuns.pretrained(dir.resolve("data"), dir.resolve("run"), teachers, 2, STEPS);
        Files.writeString(configFile, ConfigLoader.toJson(config));

        Path partial = teachers.resolve("t9.partial.safetensors");
        Process p =
                TrainerProcess.start(dir.resolve("killed.log"), "pretrain-teacher", "--config", configFile.toString());
        int killedAt = -1;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline && p.isAlive()) {
            int step = savedStep(partial);
            if (step >= 50) {
                p.destroyForcibly();
                killedAt = step;
                break;
            }
            Thread.sleep(5);
        }
        p.waitFor(30, TimeUnit.SECONDS);
        if (killedAt < 0) {
            fail("pretraining ended (or timed out) before it could be killed; log:\n"
                    + Files.readString(dir.resolve("killed.log")));
        }
        assertFalse(Files.exists(teachers.resolve("t9.safetensors")), "a teacher was finished before the kill");
        int saved = savedStep(partial);

        String resumed = TrainerProcess.run("pretrain-teacher", "--config", configFile.toString());
        assertTrue(resumed.contains("teacher t9: resuming pretraining from step " + saved + "/" + STEPS), resumed);
        assertTrue(resumed.contains("Teachers in "), resumed);
        assertFalse(Files.exists(partial), "the checkpoint of a finished pretraining is left behind");

        Path reference = dir.resolve("reference");
        String fresh = TrainerProcess.run(
                "pretrain-teacher", "--config", configFile.toString(), "--out", reference.toString());
        assertFalse(fresh.contains("resuming"), fresh);
        for (String scale : List.of("t9", "t7")) {
            Map<String, FloatTensor> a =
                    Safetensors.read(teachers.resolve(scale + ".safetensors")).tensors();
            Map<String, FloatTensor> b =
                    Safetensors.read(reference.resolve(scale + ".safetensors")).tensors();
            assertEquals(b.keySet(), a.keySet());
            for (String name : b.keySet()) {
                TrainerProcess.assertClose(
                        b.get(name).data(), a.get(name).data(), 1e-5, "resumed teacher " + scale + " " + name);
            }
        }
        String again = TrainerProcess.run("pretrain-teacher", "--config", configFile.toString());
        assertTrue(again.contains("t9 (already there)") && again.contains("t7 (already there)"), again);
    }

    @Test
    void aTeacherOfAnotherArchitectureOrChannelCountIsRefusedNamingTheFile() throws Exception {
        Path teachers = dir.resolve("teachers");
        TrainingConfig config = TinyRuns.pretrained(dir.resolve("data"), dir.resolve("run"), teachers, 2, 20);
        NetworkSpec t7 = config.networkSpecs().get(1);
        TeacherStore store = new TeacherStore(teachers);
        Progress quiet = Progress.silent();
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            store.obtain(manager, t7, config.teacher().pretrain(), config.input(), quiet);
        }
        NetworkSpec wider = new NetworkSpec("t7", List.of(Layer.conv(32, 3), Layer.conv(32, 3), Layer.conv(16, 3)));
        IOException e = assertThrows(IOException.class, () -> store.read(wider, config.input()));
        assertTrue(
                e.getMessage().contains(store.file(t7).toString())
                        && e.getMessage().contains("holds a teacher for")
                        && e.getMessage().contains("scale t7"),
                e.getMessage());
        NetworkSpec grey = new NetworkSpec("t7", 1, t7.layers());
        e = assertThrows(IOException.class, () -> store.read(grey, config.input()));
        assertTrue(
                e.getMessage().contains("1-channel input") && e.getMessage().contains("3-channel input"),
                e.getMessage());
        Preprocessing other = new Preprocessing(32, 32, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
        e = assertThrows(IOException.class, () -> store.read(t7, other));
        assertTrue(e.getMessage().contains("normalised with mean"), e.getMessage());
        // Without a corpus to pretrain on, a missing teacher is an error that names the folder and scale.
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            e = assertThrows(
                    IOException.class,
                    () -> store.obtain(manager, config.networkSpecs().get(0), null, config.input(), quiet));
        }
        assertTrue(e.getMessage().contains("no pretrained teacher for scale t9"), e.getMessage());
    }

    @Test
    void aRunWithAPretrainedTeacherExportsAndScoresAndTheNextRunReusesIt() throws Exception {
        Path teachers = dir.resolve("teachers");
        TrainingConfig first = TinyRuns.pretrained(dir.resolve("data"), dir.resolve("a"), teachers, 2, 30);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Progress progress = new ConsoleProgress(new PrintWriter(log, true, StandardCharsets.UTF_8), false);
        TrainingRun.Summary a = new TrainingRun(first, progress, false).run();
        assertTrue(
                log.toString(StandardCharsets.UTF_8).contains("teacher t9 pretrained on procedural"), log.toString());
        try (Detector d = Detector.open(a.bundle())) {
            Path image = Files.walk(dir.resolve("data/test/good"))
                    .filter(f -> f.toString().endsWith(".png"))
                    .findFirst()
                    .orElseThrow();
            Detection result = d.score(image);
            assertTrue(Double.isFinite(result.score()), "score " + result.score());
        }
        log.reset();
        TrainingRun.Summary b = new TrainingRun(
                        first.withOut(dir.resolve("b").toString())
                                .withBundle(dir.resolve("b/bundle").toString())
                                .withSeed(99),
                        progress,
                        false)
                .run();
        String second = log.toString(StandardCharsets.UTF_8);
        assertTrue(
                second.contains("teacher t9: pretrained on procedural, from " + teachers.resolve("t9.safetensors")),
                second);
        assertFalse(
                second.contains("pretrained on procedural in"), "the shared teacher was pretrained again:\n" + second);
        // Same teacher weights, but each run measures the descriptor statistics on its own images.
        Map<String, FloatTensor> ta =
                Safetensors.read(a.out().resolve("teacher-t9.safetensors")).tensors();
        Map<String, FloatTensor> tb =
                Safetensors.read(b.out().resolve("teacher-t9.safetensors")).tensors();
        assertTrue(java.util.Arrays.equals(
                ta.get("layer0.weight").data(), tb.get("layer0.weight").data()));
    }

    private static int savedStep(Path partial) {
        if (!Files.exists(partial)) {
            return -1;
        }
        try {
            return Integer.parseInt(Safetensors.read(partial).metadata().get("step"));
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("checkpoint " + partial + " could not be read while pretraining: " + e, e);
        }
    }
}
