package dev.stad.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.RunMetadata;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportCommandTest {
    private static final NetworkSpec SMALL = new NetworkSpec(
            "s9", List.of(Layer.conv(16, 3), Layer.maxPool(2, 2), Layer.conv(16, 3), Layer.conv(16, 2)));

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ExportCommand.commandLine(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .execute(args);
    }

    @Test
    void exportsFolderAndZipAndReportsTheCheck() throws Exception {
        Path run = RandomRun.write(
                dir.resolve("run"),
                List.of(SMALL, new NetworkSpec("s5", List.of(Layer.conv(16, 3), Layer.conv(16, 3)))),
                2,
                1,
                4,
                32);
        assertEquals(
                0, run("--checkpoint", run.toString(), "--out", dir.resolve("b").toString(), "--int8"), err.toString());
        assertEquals(
                0,
                run(
                        "--checkpoint",
                        run.toString(),
                        "--out",
                        dir.resolve("b.zip").toString(),
                        "--layout",
                        "fused"),
                err.toString());
        String log = out.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("Checked on ONNX Runtime") && log.contains("detector vs Java"), log);
        assertTrue(log.contains("int8 detector vs fp32 on 2 validation images"), log);
        assertEquals(
                DetectorLayout.SEPARATE,
                ModelBundle.open(dir.resolve("b")).manifest().detector().layoutOrDefault(),
                "the default layout");
        assertEquals(
                DetectorLayout.FUSED,
                ModelBundle.open(dir.resolve("b.zip")).manifest().detector().layoutOrDefault());
        // Re-exporting replaces the bundle in place.
        assertEquals(
                0, run("--checkpoint", run.toString(), "--out", dir.resolve("b").toString()));
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".")), "temporary files left behind");
        }
    }

    @Test
    void aRunWhoseImagesAreGoneCannotHaveAnInt8DetectorButExportsFp32() throws Exception {
        Path run = RandomRun.write(dir.resolve("run"), List.of(SMALL), 2, 1);
        assertEquals(
                1, run("--checkpoint", run.toString(), "--out", dir.resolve("b").toString(), "--int8"));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("cannot be calibrated") && e.contains("without --int8"), e);
        assertEquals(
                0, run("--checkpoint", run.toString(), "--out", dir.resolve("b").toString()));
        assertEquals(null, ModelBundle.open(dir.resolve("b")).manifest().int8Detector());
    }

    @Test
    void stationExportWritesTheDetectorsOnly() throws Exception {
        Path run = RandomRun.write(dir.resolve("run"), List.of(SMALL), 2, 1, 4, 24);
        assertEquals(
                0,
                run(
                        "--checkpoint",
                        run.toString(),
                        "--out",
                        dir.resolve("s.zip").toString(),
                        "--station",
                        "--int8"),
                err.toString());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("station bundle, 3 files"), out.toString());
        assertFalse(ModelBundle.open(dir.resolve("s.zip")).manifest().hasNetworkGraphs());
    }

    @Test
    void incompleteRunIsRefused() throws Exception {
        Path run = RandomRun.write(dir.resolve("run"), List.of(SMALL), 2, 1);
        RunDirectory rd = new RunDirectory(run);
        RunMetadata m = rd.readMetadata().orElseThrow();
        rd.writeMetadata(new RunMetadata(
                m.formatVersion(),
                RunMetadata.TRAINING,
                m.config(),
                m.preprocessing(),
                m.dataset(),
                m.versions(),
                m.started(),
                null,
                null,
                null,
                null,
                null));
        assertEquals(
                1, run("--checkpoint", run.toString(), "--out", dir.resolve("b").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("not complete"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void folderWithoutARunIsRefused() {
        assertEquals(
                1, run("--checkpoint", dir.toString(), "--out", dir.resolve("b").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("run.json"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void missingRequiredOptionIsAUsageError() {
        assertEquals(2, run("--out", "x"));
    }
}
