package dev.stad.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stad.runtime.engine.trt.TrtAvailability;
import dev.stad.runtime.engine.trt.TrtOptions;
import dev.stad.runtime.progress.RecordingProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which engine a name means on a machine, and what a machine without it is told. */
class EnginesTest {
    private static final TrtAvailability.Status TRT_OK = new TrtAvailability.Status(null, "10.15.1", "runtime 13.1");
    private static final TrtAvailability.Status NO_TRT =
            new TrtAvailability.Status("no NVIDIA driver on this machine", null, null);

    @Test
    void autoPrefersTensorRtThenOrtCudaThenCpu() {
        assertEquals(EngineKind.TRT, Engines.auto(TRT_OK, null).kind());
        assertEquals(EngineKind.TRT, Engines.auto(TRT_OK, "no CUDA provider").kind());
        Engines.Choice cuda = Engines.auto(NO_TRT, null);
        assertEquals(EngineKind.ORT_CUDA, cuda.kind());
        assertTrue(cuda.reason().contains("no TensorRT (no NVIDIA driver on this machine)"), cuda.reason());
        Engines.Choice cpu = Engines.auto(NO_TRT, "this build has no CUDA provider");
        assertEquals(EngineKind.ORT, cpu.kind());
        assertEquals(
                "ort (auto: no TensorRT (no NVIDIA driver on this machine); no ort-cuda (this build has no CUDA"
                        + " provider); ONNX Runtime CPU)",
                cpu.toString());
    }

    @Test
    void autoFallsBackWithOneLineWhenTensorRtCannotBuildTheEngineButANamedTrtFails() throws Exception {
        RecordingProgress progress = new RecordingProgress();
        EngineOptions auto = EngineOptions.cpu()
                .withKind(EngineKind.AUTO)
                .withTrt(TrtOptions.defaults().withProgress(progress));
        Engines.TrtOpener failing = (onnx, what, input, outputs, profile, options) -> {
            throw new EngineException(what + ": TensorRT's ONNX parser rejected the graph: no importer for Foo\nmore");
        };
        byte[] onnx = OrtGraphSessionTest.graphWithAnInt64Output();
        try (GraphSession s = Engines.open(
                onnx,
                "g.onnx",
                "image",
                List.of("map"),
                null,
                auto,
                Engines.auto(TRT_OK, "no CUDA provider"),
                failing)) {
            assertTrue(s.description().startsWith("onnxruntime"), s.description());
        }
        assertEquals(
                List.of("engine auto: TensorRT failed on g.onnx (g.onnx: TensorRT's ONNX parser rejected the graph: no"
                        + " importer for Foo); using ort instead"),
                progress.lines());

        EngineOptions named = auto.withKind(EngineKind.TRT);
        EngineException e = assertThrows(
                EngineException.class,
                () -> Engines.open(
                        onnx,
                        "g.onnx",
                        "image",
                        List.of("map"),
                        null,
                        named,
                        new Engines.Choice(EngineKind.TRT, "asked for"),
                        failing));
        assertTrue(e.getMessage().contains("rejected the graph"), e.getMessage());
    }

    @Test
    void autoOnThisMachineSaysWhichEngineAndWhy() throws Exception {
        Engines.Choice c = Engines.choose(EngineKind.AUTO);
        if (!TrtAvailability.status().available()) {
            assertTrue(
                    c.reason()
                            .contains("no TensorRT (" + TrtAvailability.status().problem() + ")"),
                    c.reason());
        }
        assertEquals(c.kind(), Engines.resolve(EngineKind.AUTO));
    }

    @Test
    void tensorRtWithoutADriverFailsWithOneLine() {
        assumeFalse(Files.exists(Path.of("/proc/driver/nvidia/version")), "this machine has an NVIDIA driver");
        EngineUnavailableException e =
                assertThrows(EngineUnavailableException.class, () -> Engines.choose(EngineKind.TRT));
        assertTrue(e.getMessage().startsWith("engine trt: no NVIDIA driver on this machine"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        // Opening a graph says the same, before touching the graph.
        EngineUnavailableException open = assertThrows(
                EngineUnavailableException.class,
                () -> Engines.open(
                        new byte[] {1, 2, 3},
                        "g",
                        "image",
                        java.util.List.of("map"),
                        InputProfile.fixed(3, 64, 64),
                        EngineOptions.cpu().withKind(EngineKind.TRT)));
        assertEquals(e.getMessage(), open.getMessage());
    }

    @Test
    void ortCudaWithoutItsProviderFailsWithOneLine() {
        assumeTrue(Engines.ortCudaProblem() != null, "this build has ONNX Runtime's CUDA provider");
        EngineUnavailableException e =
                assertThrows(EngineUnavailableException.class, () -> Engines.choose(EngineKind.ORT_CUDA));
        assertTrue(
                e.getMessage()
                        .startsWith("engine ort-cuda: this build of ONNX Runtime has no CUDA execution"
                                + " provider; build runtime.jar with `mvn -Pcuda package`"),
                e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void inputProfileChecksItsRangeAndAdmitsOnlyWhatItCovers() {
        InputProfile p = new InputProfile(3, 65, 65, 200, 200, 256, 256, 2);
        assertTrue(p.admits(1, 3, 65, 256));
        assertTrue(p.admits(2, 3, 256, 256));
        assertEquals(false, p.admits(3, 3, 256, 256));
        assertEquals(false, p.admits(1, 3, 64, 256));
        assertEquals(false, p.admits(1, 1, 128, 128));
        assertEquals("1..2x3x[65..256]x[65..256] opt 200x200", p.describe());
        assertThrows(IllegalArgumentException.class, () -> new InputProfile(3, 300, 65, 200, 200, 256, 256, 1));
        assertThrows(IllegalArgumentException.class, () -> new InputProfile(3, 65, 65, 200, 200, 256, 256, 0));
    }
}
