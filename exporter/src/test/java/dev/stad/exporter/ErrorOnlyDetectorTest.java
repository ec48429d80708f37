package dev.stad.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stad.checkpoint.spec.Architectures;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.ModelBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run calibrated to score e alone (uncertainty weight 0) exports a detector that does so, and
 * so does a run without students, whose e is the teacher's distance from its training mean.
 */
class ErrorOnlyDetectorTest {
    @Test
    void theDetectorOfAnErrorOnlyRunEqualsThePlainJavaMap(@TempDir Path dir) throws Exception {
        Path run = RandomRun.write(dir.resolve("run"), List.of(Architectures.P17, Architectures.P33), 2, 9);
        ObjectMapper json = new ObjectMapper();
        ObjectNode tree = (ObjectNode) json.readTree(run.resolve("run.json").toFile());
        for (JsonNode s : tree.get("scales")) {
            ((ObjectNode) s.get("statistics")).put("vWeight", 0.0);
        }
        Files.writeString(run.resolve("run.json"), json.writeValueAsString(tree));
        TrainedModel model = TrainedModel.load(run);
        BundleWriter.write(BundleWriter.build(model, DetectorLayout.SEPARATE), dir.resolve("bundle"));
        ModelBundle bundle = ModelBundle.open(dir.resolve("bundle"));
        for (var s : bundle.manifest().scales()) {
            assertEquals(0.0, s.statistics().vWeight());
        }
        ExportCheck.Report r = ExportCheck.verify(bundle, 41, 5);
        assertTrue(r.detectorVsJava() <= 1e-4, "detector vs Java: " + r.detectorVsJava());
    }

    @Test
    void theDetectorOfARunWithoutStudentsEqualsThePlainJavaMapInEitherLayout(@TempDir Path dir) throws Exception {
        Path run = RandomRun.write(dir.resolve("run"), List.of(Architectures.P17, Architectures.P33), 0, 9);
        TrainedModel model = TrainedModel.load(run);
        for (DetectorLayout layout : DetectorLayout.values()) {
            Path out = dir.resolve("bundle-" + layout);
            BundleWriter.write(BundleWriter.build(model, layout), out);
            ModelBundle bundle = ModelBundle.open(out);
            for (var s : bundle.manifest().scales()) {
                assertEquals(0, s.students());
                assertTrue(s.studentGraphs().isEmpty());
            }
            ExportCheck.Report r = ExportCheck.verify(bundle, 41, 5);
            assertTrue(r.detectorVsJava() <= 1e-4, layout + " detector vs Java: " + r.detectorVsJava());
        }
    }
}
