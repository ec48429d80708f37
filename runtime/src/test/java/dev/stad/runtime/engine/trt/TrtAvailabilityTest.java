package dev.stad.runtime.engine.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * What a station without a GPU or without TensorRT is told. The messages come from the causes
 * JavaCPP reports (its first failure names the missing library two levels down); one test loads
 * the real presets on this machine.
 */
class TrtAvailabilityTest {
    private static UnsatisfiedLinkError linkFailure(String library) {
        UnsatisfiedLinkError outer = new UnsatisfiedLinkError("no jnicudart in java.library.path: /usr/lib");
        outer.initCause(new UnsatisfiedLinkError("/root/.javacpp/cache/cuda.jar/org/bytedeco/cuda/linux-x86_64/"
                + "libjnicudart.so: " + library + ": cannot open shared object file: No such file or directory"));
        return outer;
    }

    @Test
    void missingDriverLibraryIsReportedAsNoDriver() {
        String m = TrtAvailability.explain(linkFailure("libcuda.so.1"));
        assertTrue(m.startsWith("no NVIDIA driver on this machine (libcuda.so.1 not found)"), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void missingTensorRtSaysHowToGetIt() {
        String m = TrtAvailability.explain(linkFailure("libnvinfer.so.10"));
        assertTrue(m.startsWith("TensorRT 10 is not installed (libnvinfer.so.10 not found)"), m);
        assertTrue(m.contains("mvn -Ptrt package"), m);
        assertTrue(TrtAvailability.explain(linkFailure("libnvonnxparser.so.10"))
                .startsWith("TensorRT 10 is not installed"));
    }

    @Test
    void missingCudaRuntimeIsNamed() {
        String m = TrtAvailability.explain(linkFailure("libcudart.so.13"));
        assertTrue(m.startsWith("the CUDA 13 runtime is not installed (libcudart.so.13 not found)"), m);
    }

    @Test
    void missingJavaClassesMeanAJarWithoutTensorRt() {
        String m = TrtAvailability.explain(new NoClassDefFoundError("org/bytedeco/tensorrt/global/nvinfer"));
        assertTrue(m.startsWith("this runtime.jar was built without the TensorRT classes"), m);
    }

    @Test
    void anythingElseKeepsTheFirstLineOfTheDeepestCause() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("outer");
        e.initCause(new UnsatisfiedLinkError("symbol lookup error: undefined symbol foo\nsecond line"));
        assertEquals(
                "TensorRT's native libraries cannot be loaded (symbol lookup error: undefined symbol foo)",
                TrtAvailability.explain(e));
    }

    @Test
    void versionsReadAsUsersWriteThem() {
        assertEquals("13.1", TrtAvailability.cudaVersion(13010));
        assertEquals("12.4", TrtAvailability.cudaVersion(12040));
        assertEquals("none", TrtAvailability.cudaVersion(0));
        assertEquals("10.15.1", TrtAvailability.tensorRtVersion(101501));
    }

    @Test
    void withoutADriverTheRealPresetsReportTheMissingDriver() {
        assumeFalse(Files.exists(Path.of("/proc/driver/nvidia/version")), "this machine has an NVIDIA driver");
        TrtAvailability.Status viaLibraries = TrtAvailability.probeLibraries();
        assertFalse(viaLibraries.available());
        // Whichever library the dynamic loader misses first: the driver's, or the CUDA runtime's.
        assertTrue(
                viaLibraries.problem().startsWith("no NVIDIA driver on this machine (libcuda.so")
                        || viaLibraries.problem().startsWith("the CUDA 13 runtime is not installed"),
                viaLibraries.problem());
        TrtAvailability.Status status = TrtAvailability.status();
        assertFalse(status.available());
        assertTrue(status.problem().startsWith("no NVIDIA driver on this machine"), status.problem());
        // Asked again, the same answer (a failed native load cannot be retried).
        assertEquals(status, TrtAvailability.status());
    }
}
