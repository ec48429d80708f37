package dev.stad.trainer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.exporter.ExportCheck;
import dev.stad.exporter.Exporter;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.progress.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Checks a tiny run's bundle the way a station would meet it, for runs whose teacher is not the default's. */
final class ExportedRuns {
    private ExportedRuns() {}

    /**
     * The bundle's detector equals e and v computed in Java on another image; the run exported
     * again with the students fused into one stack and an int8 detector (its quantization points
     * named per stack) passes the same checks; and the bundle scores a good test image of
     * {@code data} to a finite score.
     */
    static void exportsFusedAndInt8AndScores(Path run, Path bundle, Path fusedOut, Path data, Progress progress)
            throws Exception {
        ExportCheck.Report again = ExportCheck.verify(ModelBundle.open(bundle), 24, 5);
        assertTrue(again.within(ExportCheck.TOLERANCE), again.toString());
        Exporter.Result fused =
                Exporter.export(run, fusedOut, new Exporter.Options(DetectorLayout.FUSED, 24, true, false), progress);
        assertTrue(fused.check().within(ExportCheck.TOLERANCE), fused.check().toString());
        assertTrue(fused.int8() != null && Double.isFinite(fused.int8().maxScoreDifference()), fused.toString());
        try (Detector detector = Detector.open(bundle);
                Stream<Path> files = Files.walk(data.resolve("test/good"))) {
            Path image =
                    files.filter(f -> f.toString().endsWith(".png")).findFirst().orElseThrow();
            Detection result = detector.score(image);
            assertTrue(Double.isFinite(result.score()), "score " + result.score());
        }
    }
}
