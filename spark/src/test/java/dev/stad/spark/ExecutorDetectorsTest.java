package dev.stad.spark;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.trainer.TinyModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The executor side's detectors, without Spark: what a task gets, checks and leaves open. */
class ExecutorDetectorsTest {
    private static JobSettings settings(String sha256) {
        return new JobSettings(
                TinyModel.bundle().toString(),
                sha256,
                "tiny",
                List.of(),
                Precision.FP32,
                0,
                256,
                ImageDecoder.maxPixels(),
                null,
                "test",
                null);
    }

    private static String sha256() throws Exception {
        return ModelBundle.open(TinyModel.bundle(), List.of()).sha256();
    }

    @Test
    void anExecutorWhoseCopyOfTheBundleDiffersFromTheDriversRefusesIt() {
        String driversHash = "ab".repeat(32);
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> ExecutorDetectors.acquire(settings(driversHash), 1));
        assertTrue(e.getMessage().contains("SHA-256") && e.getMessage().contains(driversHash), e.getMessage());
    }

    @Test
    void idleDetectorsBeyondTheLimitAreClosedButOneInUseIsKept() throws Exception {
        JobSettings s = settings(sha256());
        FloatImage image = ImageDecoder.read(TinyModel.testImages().get(0));
        // Thread counts no other test uses: keys of their own.
        try (ExecutorDetectors.Lease held = ExecutorDetectors.acquire(s, 5)) {
            Detector evicted;
            try (ExecutorDetectors.Lease b = ExecutorDetectors.acquire(s, 6)) {
                evicted = b.detector();
            }
            try (ExecutorDetectors.Lease c = ExecutorDetectors.acquire(s, 7)) {
                c.detector().score(image);
            }
            // Three keys, one in use: the least recently used idle one (6) was closed.
            assertTrue(ExecutorDetectors.openCount() <= ExecutorDetectors.MAX_OPEN, "" + ExecutorDetectors.openCount());
            assertThrows(Exception.class, () -> evicted.score(image), "the evicted detector still scores");
            try (ExecutorDetectors.Lease again = ExecutorDetectors.acquire(s, 6)) {
                assertNotSame(evicted, again.detector());
                again.detector().score(image);
            }
            try (ExecutorDetectors.Lease same = ExecutorDetectors.acquire(s, 5)) {
                assertSame(held.detector(), same.detector(), "a detector in use was replaced");
            }
            held.detector().score(image);
        }
    }
}
