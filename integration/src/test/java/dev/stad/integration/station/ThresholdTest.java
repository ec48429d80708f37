package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.output.ScoreResults;
import dev.stad.trainer.TinyModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runtime threshold}: a threshold from the station's good parts, which {@code score} then applies. */
class ThresholdTest {
    @TempDir
    Path dir;

    /** {@code runtime threshold} on ONNX Runtime over {@code good} at {@code rate}, writing {@code json}. */
    private static Cli threshold(Path good, String rate, Path json) {
        return Cli.run(
                "threshold",
                "--bundle",
                TinyModel.bundle().toString(),
                "--engine",
                "ort",
                "--good",
                good.toString(),
                "--reject-rate",
                rate,
                "--out",
                json.toString());
    }

    @Test
    void tooFewImagesToCountTheRateGetAThresholdFromTheirMapsTailAboveTheirHighestScore() throws Exception {
        Path good = TinyModel.data().resolve("train/good");
        Path json = dir.resolve("tail.json");
        Cli cli = threshold(good, "0.01", json);
        assertEquals(0, cli.exit(), cli.toString());
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertEquals(16, r.get("goodImages").asInt());
        assertEquals(0, r.get("rejected").asInt(), r.toString());
        double highest = r.get("scores").get(0).get("score").asDouble();
        double t = r.get("threshold").asDouble();
        // Sixteen images peak far below what one in a hundred reaches.
        assertTrue(t > highest, t + " not above the highest score " + highest);
        assertTrue(r.get("rule").asText().contains("Gumbel"), r.get("rule").asText());
        assertTrue(cli.out().contains("read from the tail of their maps"), cli.out());
    }

    @Test
    void theThresholdRejectsTheCountedGoodImagesWhenScoreUsesIt() throws Exception {
        Path good = TinyModel.data().resolve("train/good");
        Path json = dir.resolve("threshold.json");
        Cli cli = threshold(good, "0.25", json);
        assertEquals(0, cli.exit(), cli.toString());
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        int n = r.get("goodImages").asInt();
        assertEquals(16, n, "every training image scored");
        assertTrue(r.get("rejected").asInt() <= n / 4, r.toString());
        assertEquals(n, r.get("scores").size());
        double t = r.get("threshold").asDouble();
        assertTrue(cli.out().contains(String.format(java.util.Locale.ROOT, "--threshold %.4f", t)), cli.out());
        assertTrue(
                r.get("rule").asText().startsWith("the highest score left"),
                r.get("rule").asText());

        Path scored = dir.resolve("scored");
        Cli score = Cli.run(
                "score",
                "--bundle",
                TinyModel.bundle().toString(),
                "--engine",
                "ort",
                "--input",
                good.toString(),
                "--out",
                scored.toString(),
                "--threshold",
                Double.toString(t));
        assertEquals(0, score.exit(), score.toString());
        ScoreResults results = Cli.results(scored);
        assertEquals(r.get("rejected").asInt(), results.anomalous(), "score rejects the images threshold counted");
        try (Detector d = Detector.open(TinyModel.bundle())) {
            assertEquals(d.threshold(), r.get("bundleThreshold").asDouble(), 0);
        }
    }

    @Test
    void aCategoryFolderOrARateOutsideItsRangeIsAUsageError() {
        Cli category = Cli.run(
                "threshold",
                "--bundle",
                TinyModel.bundle().toString(),
                "--good",
                TinyModel.data().toString(),
                "--reject-rate",
                "0.01");
        assertEquals(2, category.exit(), category.toString());
        assertTrue(category.err().contains("test/good"), category.err());
        Cli rate = Cli.run(
                "threshold",
                "--bundle",
                TinyModel.bundle().toString(),
                "--good",
                TinyModel.data().toString(),
                "--reject-rate",
                "0.9");
        assertEquals(2, rate.exit(), rate.toString());
        assertTrue(rate.err().contains("--reject-rate must be in (0, 0.5]"), rate.err());
        assertFalse(rate.out().contains("Threshold"));
    }
}
