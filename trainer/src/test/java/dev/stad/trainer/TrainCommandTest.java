package dev.stad.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.trainer.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return TrainCommand.commandLine(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        false)
                .execute(args);
    }

    @Test
    void helpListsTheOptionsAndExitCodes() {
        assertEquals(0, run("--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String option : new String[] {"--config", "--data", "--out", "--seed", "--fresh"}) {
            assertTrue(help.contains(option), option + " missing from:\n" + help);
        }
        assertTrue(help.contains("Exit codes"), help);
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertEquals(2, run("--epochs", "3"));
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("Unknown option"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badDataFailsWithAMessageAndNoStackTrace() throws Exception {
        Path config = dir.resolve("c.json");
        Files.writeString(
                config, ConfigLoader.toJson(TinyRuns.config(dir.resolve("unused"), dir.resolve("o"), 1, 1e-3)));
        Path notData = Files.createDirectories(dir.resolve("empty"));
        assertEquals(1, run("--config", config.toString(), "--data", notData.toString()));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.startsWith("error: ") && e.contains("empty") && e.contains("train/good"), e);
        assertFalse(e.contains("\tat "), "stack trace printed without --stacktrace:\n" + e);
        assertFalse(Files.exists(dir.resolve("unused")), "--data must not generate data where the config said");
    }

    @Test
    void missingConfigFileIsNamed() {
        assertEquals(1, run("--config", dir.resolve("nope.json").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("nope.json"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void trainsFromTheCommandLineAndSaysWhereTheModelWent() throws Exception {
        Path config = dir.resolve("c.json");
        Files.writeString(config, ConfigLoader.toJson(TinyRuns.config(dir.resolve("data"), dir.resolve("o"), 2, 2e-3)));
        assertEquals(
                0,
                run("--config", config.toString(), "--out", dir.resolve("cli").toString(), "--seed", "3"));
        String log = out.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("students t9 epoch 2/2") && log.contains("Done in") && log.contains("cli"), log);
        assertTrue(Files.exists(dir.resolve("cli/run.json")));
        assertEquals(
                0,
                run("--config", config.toString(), "--out", dir.resolve("cli").toString(), "--seed", "3"));
        assertTrue(
                out.toString(StandardCharsets.UTF_8).contains("already complete"),
                out.toString(StandardCharsets.UTF_8));
    }
}
