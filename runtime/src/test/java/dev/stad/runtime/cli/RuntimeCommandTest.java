package dev.stad.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stad.runtime.StadVersion;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command-line failures that need no model: each ends before any image is touched. */
class RuntimeCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return RuntimeCommand.commandLine(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        false)
                .execute(args);
    }

    private String errText() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void missingBundleFailsBeforeScoringNamingThePath() throws Exception {
        Path img = Files.write(dir.resolve("a.png"), new byte[] {1});
        Path results = dir.resolve("results");
        int code = run(
                "score",
                "--bundle",
                dir.resolve("nope").toString(),
                "--input",
                img.toString(),
                "--out",
                results.toString());
        assertEquals(1, code);
        assertTrue(errText().contains("nope") && errText().contains("no such bundle"), errText());
        assertFalse(Files.exists(results.resolve(ScoreCommand.RESULTS_FILE)));
    }

    @Test
    void outputFolderThatCannotBeWrittenFailsUpFront() throws Exception {
        Path blocker = Files.write(dir.resolve("file"), new byte[] {1});
        int code = run(
                "score",
                "--bundle",
                dir.resolve("nope").toString(),
                "--input",
                blocker.toString(),
                "--out",
                blocker.resolve("sub").toString());
        assertEquals(1, code);
        assertTrue(errText().contains("cannot write to output folder"), errText());
    }

    @Test
    void unknownEngineOrSaveKindIsAUsageErrorThatNamesTheValue() {
        assertEquals(2, run("score", "--bundle", "b", "--input", "x", "--out", "o", "--engine", "cuda"));
        assertTrue(errText().contains("unknown engine 'cuda'"), errText());
        err.reset();
        assertEquals(2, run("score", "--bundle", "b", "--input", "x", "--out", "o", "--save", "tiff,jpeg"));
        assertTrue(errText().contains("--save") && errText().contains("'jpeg'"), errText());
        err.reset();
        assertEquals(2, run());
        assertTrue(errText().contains("missing command: score, serve, threshold, info or keygen"), errText());
    }

    @Test
    void versionNamesTheTopCommandAndTheProjectVersion() {
        assertEquals(0, run("--version"));
        assertEquals(
                "stad runtime " + StadVersion.get(),
                out.toString(StandardCharsets.UTF_8).trim());
        out.reset();
        assertEquals(0, run("score", "--version"));
        assertEquals(
                "stad runtime " + StadVersion.get(),
                out.toString(StandardCharsets.UTF_8).trim());
    }

    @Test
    void stacktraceAddsTheTraceToTheOneLineError() {
        String nope = dir.resolve("nope").toString();
        assertEquals(1, run("info", "--bundle", nope));
        assertTrue(
                errText().startsWith("error: ") && errText().contains("(run with --stacktrace for details)"),
                errText());
        assertFalse(errText().contains("\tat "), errText());
        err.reset();
        assertEquals(1, run("info", "--bundle", nope, "--stacktrace"));
        assertTrue(errText().startsWith("error: ") && errText().contains("\tat dev.stad."), errText());
    }

    @Test
    void infoOnAMissingBundleFails() {
        assertEquals(1, run("info", "--bundle", dir.resolve("nope").toString()));
        assertTrue(errText().contains("no such bundle"), errText());
    }

    @Test
    void tensorRtWithoutAGpuFailsWithOneLineAndExitCodeTwoBeforeTheBundle() throws Exception {
        assumeFalse(Files.exists(Path.of("/proc/driver/nvidia/version")), "this machine has an NVIDIA driver");
        Path img = Files.write(dir.resolve("a.png"), new byte[] {1});
        int code = run(
                "score",
                "--engine",
                "trt",
                "--bundle",
                dir.resolve("nope").toString(),
                "--input",
                img.toString(),
                "--out",
                dir.resolve("results").toString());
        assertEquals(2, code);
        List<String> lines = errText().lines().toList();
        assertEquals(1, lines.size(), errText());
        assertTrue(lines.get(0).startsWith("error: engine trt: no NVIDIA driver on this machine"), errText());
        assertFalse(Files.exists(dir.resolve("results")), "nothing is created when the engine cannot run");
    }

    @Test
    void ortCudaWithoutItsProviderFailsWithOneLineAndExitCodeTwo() throws Exception {
        assumeTrue(
                !ai.onnxruntime.OrtEnvironment.getAvailableProviders().contains(ai.onnxruntime.OrtProvider.CUDA),
                "this build has the CUDA provider");
        Path img = Files.write(dir.resolve("a.png"), new byte[] {1});
        int code = run(
                "score",
                "--engine",
                "ort-cuda",
                "--bundle",
                dir.resolve("nope").toString(),
                "--input",
                img.toString(),
                "--out",
                dir.resolve("results").toString());
        assertEquals(2, code);
        List<String> lines = errText().lines().toList();
        assertEquals(1, lines.size(), errText());
        assertTrue(
                lines.get(0).startsWith("error: engine ort-cuda: this build of ONNX Runtime has no CUDA"), errText());
    }

    @Test
    void halfPrecisionAskedOfOnnxRuntimeIsAUsageError() throws Exception {
        Path img = Files.write(dir.resolve("a.png"), new byte[] {1});
        int code = run(
                "score",
                "--engine",
                "ort",
                "--precision",
                "fp16",
                "--bundle",
                dir.resolve("nope").toString(),
                "--input",
                img.toString(),
                "--out",
                dir.resolve("results").toString());
        assertEquals(2, code);
        assertTrue(errText().contains("--precision fp16 runs on TensorRT only (engine ort here)"), errText());
    }

    @Test
    void outOfRangeNumbersAndUnknownPrecisionsAreUsageErrorsThatExitTwo() throws Exception {
        Path img = Files.write(dir.resolve("a.png"), new byte[] {1});
        String[] base = {
            "score",
            "--bundle",
            dir.resolve("nope").toString(),
            "--input",
            img.toString(),
            "--out",
            dir.resolve("results").toString()
        };
        java.util.function.Function<String[], Integer> with = extra -> {
            String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
            System.arraycopy(extra, 0, all, base.length, extra.length);
            err.reset();
            return run(all);
        };
        assertEquals(2, with.apply(new String[] {"--threads", "-1"}));
        assertTrue(errText().contains("--threads must be >= 0"), errText());
        assertEquals(2, with.apply(new String[] {"--parallel", "0"}));
        assertTrue(errText().contains("--parallel must be >= 1"), errText());
        assertEquals(2, with.apply(new String[] {"--tile", "-8"}));
        assertTrue(errText().contains("--tile and --memory-budget must be >= 0"), errText());
        assertEquals(2, with.apply(new String[] {"--precision", "fp8"}));
        assertTrue(errText().contains("unknown precision 'fp8'"), errText());
        // Case does not matter, as for every enum option.
        assertEquals(1, with.apply(new String[] {"--precision", "INT8", "--engine", "ORT"}));
        assertTrue(errText().contains("nope"), errText());
    }

    @Test
    void aFailureWithoutAMessageStillSaysWhatFailedAndWhy() {
        NullPointerException npe = new NullPointerException();
        npe.initCause(new java.io.IOException("disk unplugged"));
        assertEquals("java.lang.NullPointerException (caused by disk unplugged)", ScoreCommand.why(npe));
        assertEquals(
                "engine failed: CUDA error 700",
                ScoreCommand.why(new IllegalStateException(
                        "engine failed: CUDA error 700", new RuntimeException("CUDA error 700"))));
    }
}
