package dev.stad.integration.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.bench.BenchCommand;
import dev.stad.bench.realset.PhotoSource;
import dev.stad.bench.realset.TestPhotos;
import dev.stad.trainer.TinyModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench real-set} then {@code bench accuracy --suite} end to end, on stand-in photos at the
 * packages' paths and the tiny model's config: every category is trained, scored and reported,
 * the means are the means of the rows, {@code bench combine} of the maps it wrote gives them back,
 * and {@code --recalibrate} reuses the trained networks.
 */
class AccuracySuiteTest {
    private static String bench(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int code = BenchCommand.commandLine(ps, ps, false).execute(args);
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        return out;
    }

    @Test
    void theSuiteTrainsAndScoresEveryCategoryAndReportsPerTypeAndMeans(@TempDir Path tmp) throws Exception {
        List<PhotoSource> sources = PhotoSource.DEFAULTS.subList(0, 2);
        TestPhotos.write(tmp.resolve("photos"), sources, 160, 100);
        Path real = tmp.resolve("real");
        bench(
                "real-set",
                "--photo-root",
                tmp.resolve("photos").toString(),
                "--categories",
                sources.get(0).category() + "," + sources.get(1).category(),
                "--size",
                "32",
                "--train",
                "8",
                "--validation",
                "2",
                "--test-good",
                "3",
                "--per-type",
                "1",
                "--out",
                real.toString());
        Path config = TinyModel.writeConfig(tmp.resolve("tiny.json"), real);
        Path out = tmp.resolve("out");
        String first =
                bench("accuracy", "--suite", real.toString(), "--config", config.toString(), "--out", out.toString());
        assertTrue(first.contains("students"), "the first call trains");

        JsonNode s = new ObjectMapper().readTree(out.resolve("suite.json").toFile());
        JsonNode categories = s.get("categories");
        assertEquals(2, categories.size());
        double image = 0;
        double pixel = 0;
        double pro = 0;
        for (JsonNode c : categories) {
            assertEquals("stochastic", c.get("kind").asText());
            assertEquals(7, c.get("types").size(), "one row per defect type");
            // 0-4, 4-8 and 8-16 px from the border; a 32 px image has no pixel 16 px in.
            assertEquals(3, c.get("goodMapByDepth").size());
            assertTrue(
                    c.get("goodShift").get("meanFarthest").asDouble() >= 0,
                    c.get("goodShift").toString());
            image += c.get("overall").get("imageAuroc").asDouble() / 2;
            pixel += c.get("overall").get("pixelAuroc").asDouble() / 2;
            pro += c.get("overall").get("auPro").asDouble() / 2;
            Path report = out.resolve(c.get("category").asText()).resolve("accuracy.json");
            assertTrue(Files.isRegularFile(report));
            // The pass/fail columns count the report's own per-image decisions.
            int goodFlagged = 0;
            int defectiveFlagged = 0;
            List<Double> good = new ArrayList<>();
            List<Double> defective = new ArrayList<>();
            for (JsonNode scored : new ObjectMapper().readTree(report.toFile()).get("images")) {
                boolean isGood = scored.get("type").asText().equals("good");
                (isGood ? good : defective).add(scored.get("score").asDouble());
                if (scored.get("anomalous").asBoolean()) {
                    if (isGood) {
                        goodFlagged++;
                    } else {
                        defectiveFlagged++;
                    }
                }
            }
            assertEquals(
                    caughtOverEveryHalf(good, defective),
                    c.get("overall").get("stationCaught").asDouble(),
                    1e-12,
                    "station threshold: the highest of half the good images, every half enumerated");
            assertEquals(goodFlagged, c.get("overall").get("goodFlagged").asInt());
            assertEquals(
                    defectiveFlagged, c.get("overall").get("defectiveFlagged").asInt());
            // The set's validation/good images calibrate; every train/good image trains.
            JsonNode dataset = new ObjectMapper()
                    .readTree(out.resolve(c.get("category").asText())
                            .resolve("run/run.json")
                            .toFile())
                    .get("dataset");
            assertEquals(2, dataset.get("validation").size(), dataset.toString());
            for (JsonNode v : dataset.get("validation")) {
                assertTrue(v.asText().startsWith("validation/good/"), v.asText());
            }
            assertEquals(8, dataset.get("train").size(), dataset.toString());
        }
        assertEquals(image, s.get("mean").get("imageAuroc").asDouble(), 1e-12);
        assertEquals(pixel, s.get("mean").get("pixelAuroc").asDouble(), 1e-12);
        assertEquals(pro, s.get("mean").get("auPro").asDouble(), 1e-12);
        assertEquals(7, s.get("byType").size());
        for (JsonNode t : s.get("byType")) {
            assertEquals(2, t.get("categories").asInt());
        }
        String md = Files.readString(out.resolve("suite.md"));
        assertTrue(md.contains("| **mean** |") && md.contains("| foreign_calmer |"), md);

        // bench terms recomputes e, v and c from the bundles' network graphs in Java: its detector row is
        // the detector's map computed another way, so it must give the suite's figures.
        Path terms = tmp.resolve("terms");
        bench("terms", "--suite", real.toString(), "--models", out.toString(), "--out", terms.toString());
        JsonNode rows = new ObjectMapper().readTree(terms.resolve("terms.json").toFile());
        int checked = 0;
        for (JsonNode r : rows) {
            if (r.get("variant").asText().equals("the detector's score")) {
                JsonNode c = null;
                for (JsonNode x : categories) {
                    c = x.get("category").asText().equals(r.get("category").asText()) ? x : c;
                }
                assertEquals(
                        c.get("overall").get("pixelAuroc").asDouble(),
                        r.get("pixelAuroc").asDouble(),
                        1e-4);
                assertEquals(
                        c.get("overall").get("auPro").asDouble(), r.get("auPro").asDouble(), 1e-4);
                checked++;
            }
        }
        assertEquals(2, checked);

        // bench combine reads the maps the suite wrote: one folder alone gives the suite's own figures.
        Path combined = tmp.resolve("combined");
        bench("combine", "--suite", real.toString(), "--maps", out.toString(), "--out", combined.toString());
        JsonNode alone =
                new ObjectMapper().readTree(combined.resolve("suite.json").toFile());
        for (String f : new String[] {"imageAuroc", "pixelAuroc", "auPro", "stationCaught"}) {
            assertEquals(
                    s.get("mean").get(f).asDouble(), alone.get("mean").get(f).asDouble(), 1e-12, f);
        }

        // A second call with --recalibrate measures the calibration again and trains nothing.
        String again = bench(
                "accuracy",
                "--suite",
                real.toString(),
                "--config",
                config.toString(),
                "--out",
                out.toString(),
                "--recalibrate");
        assertTrue(again.contains("calibrating it again from its trained networks"), again);
        assertFalse(again.contains("students t"), "no student is trained again");
    }

    /** Defective images above the highest of each half (rounded down) of the good ones, averaged over every half. */
    private static double caughtOverEveryHalf(List<Double> good, List<Double> defective) {
        int n = good.size();
        double caught = 0;
        int halves = 0;
        for (int mask = 0; mask < 1 << n; mask++) {
            if (Integer.bitCount(mask) != n / 2) {
                continue;
            }
            double threshold = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if ((mask & 1 << i) != 0) {
                    threshold = Math.max(threshold, good.get(i));
                }
            }
            for (double d : defective) {
                caught += d > threshold ? 1 : 0;
            }
            halves++;
        }
        return caught / halves / defective.size();
    }
}
