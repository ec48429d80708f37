package dev.stad.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.trainer.TinyModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job as {@code spark-submit} starts it: its own JVM, {@code main}, the master from a system
 * property, and a home directory nobody can write (a path under a plain file), as on executors
 * that run as a service user. The native libraries must load from {@code java.io.tmpdir}.
 */
class SubmittedJobTest {
    @TempDir
    Path dir;

    @Test
    void theJobRunsInItsOwnJvmWithoutAWritableHomeDirectory() throws Exception {
        Path input = dir.resolve("input");
        Files.createDirectories(input);
        List<Path> images = TinyModel.testImages();
        for (int i = 0; i < 3; i++) {
            Files.copy(images.get(i), input.resolve(i + ".png"));
        }
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "home cannot be under this");
        Path home = notADirectory.resolve("home");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));

        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : System.getProperty("spark.test.jvm.args", "").trim().split("\\s+")) {
            if (!arg.isEmpty()) {
                command.add(arg);
            }
        }
        command.addAll(List.of(
                "-Dspark.master=local[2]",
                "-Dspark.ui.enabled=false",
                "-Dspark.driver.host=127.0.0.1",
                "-Dspark.driver.bindAddress=127.0.0.1",
                "-Duser.home=" + home,
                "-Djava.io.tmpdir=" + tmp,
                "-cp",
                System.getProperty("java.class.path"),
                ScoreJob.class.getName(),
                "--bundle",
                TinyModel.bundle().toString(),
                "--input",
                input.toString(),
                "--out",
                dir.resolve("table").toString(),
                "--maps",
                dir.resolve("maps").toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        Path log = dir.resolve("job.log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(
                    "the job did not finish in 3 minutes:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("3 images listed, 0 skipped (done), 3 scored, 0 errors"), out);
        assertTrue(Files.exists(dir.resolve("table/_SUCCESS")), out);
        try (Stream<Path> maps = Files.walk(dir.resolve("maps"))) {
            assertEquals(3, maps.filter(m -> m.toString().endsWith(".tiff")).count());
        }
    }
}
