package dev.stad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.bench.oneclass.IdxFileTest;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.trainer.TrainingRun;
import dev.stad.trainer.config.ConfigLoader;
import dev.stad.trainer.data.SyntheticDataset;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bench commands end to end on a small model trained here (synthetic 32 px images, two narrow
 * scales): each writes its files and its numbers hold together. The numbers that matter come
 * from running the commands on the default model, not from here.
 */
class BenchCommandsTest {
    private static Path root;
    private static Path run;
    private static Path bundle;
    private static Path data;

    /** Two scales, one with a pool; channels multiples of 16 (the oneDNN trap). */
    static String config(String data, int students, int epochs, int pretrainSteps) {
        return """
            {"name": "bench-tiny", "seed": 5,
             "data": %s,
             "input": {"width": 32, "height": 32},
             "scales": [
               {"name": "t9", "layers": [{"type": "conv", "out": 16, "kernel": 3}, {"type": "maxpool", "kernel": 2,
                 "stride": 2}, {"type": "conv", "out": 32, "kernel": 3}, {"type": "conv", "out": 16, "kernel": 2}]},
               {"name": "t7", "layers": [{"type": "conv", "out": 16, "kernel": 3}, {"type": "conv", "out": 32,
                 "kernel": 3}, {"type": "conv", "out": 16, "kernel": 3}]}],
             "teacher": {"source": "self-supervised", "pretrain": {"steps": %d, "batchSize": 4, "cropSize": 8}},
             "students": {"count": %d, "epochs": %d, "batchSize": 2, "cropSize": 12, "learningRate": 2e-3}}
            """.formatted(data, pretrainSteps, students, epochs);
    }

    @BeforeAll
    static void train() throws Exception {
        root = Files.createTempDirectory("stad-bench-test");
        data = root.resolve("data");
        run = root.resolve("run");
        bundle = root.resolve("bundle");
        Path cfg = root.resolve("tiny.json");
        Files.writeString(cfg, config("""
                {"path": "%s", "generate": {"size": 32, "trainImages": 8, "testGoodImages": 3, "defectImagesPerType": 2},
                 "validationFraction": 0.25}""".formatted(data), 3, 3, 20));
        var config = ConfigLoader.load(cfg).withOut(run.toString()).withBundle(bundle.toString());
        new TrainingRun(config, Progress.silent(), false).run();
    }

    @AfterAll
    static void clean() throws Exception {
        AtomicFiles.deleteTree(root);
    }

    private static int bench(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int code = BenchCommand.commandLine(ps, ps, false).execute(args);
        if (code != 0) {
            System.out.println(buf.toString(StandardCharsets.UTF_8));
        }
        return code;
    }

    @Test
    void latencyTimesEveryVariantAndTheBaselineAndWritesItsReports(@TempDir Path out) throws Exception {
        Path image = data.resolve("test/good/000.png");
        assertEquals(0, bench("latency", "--bundle", bundle.toString(), "--checkpoint", run.toString(), "--sizes", "32,48",
                "--variant-sizes", "32", "--runs", "3", "--max-seconds", "5", "--baseline-size", "32", "--patches", "256",
                "--sgemm", "256", "--image", image.toString(), "--out", out.toString()));
        JsonNode r = new ObjectMapper().readTree(out.resolve("latency.json").toFile());
        // t9+t7 M=3 at 32 and 48, then t9 M=3, t7 M=3 and t9+t7 M=2 at 32
        assertEquals(5, r.get("points").size());
        assertEquals("t9+t7 M=3", r.get("points").get(0).get("variant").asText());
        assertEquals("t9+t7 M=2", r.get("points").get(4).get("variant").asText());
        for (JsonNode p : r.get("points")) {
            assertTrue(p.get("p50Ms").asDouble() > 0 && p.get("gflops").asDouble() > 0, p.toString());
            assertTrue(p.get("p95Ms").asDouble() >= p.get("p50Ms").asDouble(), p.toString());
        }
        assertEquals(2, r.get("baseline").size());
        for (JsonNode b : r.get("baseline")) {
            assertTrue(b.get("speedup").asDouble() > 1, "dense must beat patch by patch: " + b);
            assertEquals(4, b.get("networks").asInt());
        }
        assertTrue(r.get("sgemm").get("ort").get("gflops").asDouble() > 0);
        assertTrue(Files.readString(out.resolve("latency.md")).contains("| engine | detector | image |"));
        assertTrue(ImageIO.read(out.resolve("latency.png").toFile()).getWidth() > 100);
    }

    @Test
    void accuracyReportsMetricsPerDefectTypeWithMapsCurvesAndHtml(@TempDir Path out) throws Exception {
        assertEquals(0, bench("accuracy", "--bundle", bundle.toString(), "--data", data.toString(), "--out",
                out.toString()));
        JsonNode r = new ObjectMapper().readTree(out.resolve("accuracy.json").toFile());
        assertEquals(1 + SyntheticDataset.DEFECT_TYPES.size(), r.get("rows").size(), "overall and every defect type");
        assertEquals("overall", r.get("rows").get(0).get("type").asText());
        int images = 3 + 2 * SyntheticDataset.DEFECT_TYPES.size();
        assertEquals(images, r.get("rows").get(0).get("images").asInt());
        for (JsonNode row : r.get("rows")) {
            for (String m : new String[] {"imageAuroc", "pixelAuroc", "auPro"}) {
                double v = row.get(m).asDouble();
                assertTrue(v >= 0 && v <= 1, m + " " + row);
            }
        }
        JsonNode bands = r.get("goodMaxima");
        assertEquals(4, bands.size());
        for (JsonNode b : bands) {
            assertEquals(3, b.get("goodImages").asInt());
            assertTrue(b.get("maximaInBand").asInt() <= 3 && b.get("areaShare").asDouble() > 0, b.toString());
        }
        assertEquals(2, bands.get(0).get("width").asInt());
        assertTrue(Files.readString(out.resolve("accuracy.md")).contains("Where the good test images' maps peak"));
        try (Stream<Path> maps = Files.walk(out.resolve("maps/data/test"))) {
            assertEquals(images, maps.filter(p -> p.toString().endsWith(".tiff")).count(), "one float map per test image");
        }
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<table>") && html.contains("data:image/png;base64,") && !html.contains("src=\"http"),
                "self-contained report");
        for (String png : new String[] {"roc-image.png", "roc-pixel.png", "pro.png"}) {
            assertTrue(ImageIO.read(out.resolve(png).toFile()).getWidth() > 100, png);
        }
    }

    @Test
    void oneClassTrainsOnOneClassAndTellsTheOtherApart(@TempDir Path dir) throws Exception {
        // Class 0: horizontal stripes; class 1: vertical stripes; both with noise. 28x28, gzipped IDX.
        Random rnd = new Random(3);
        int train = 24;
        int test = 8;
        writeSet(dir, "train", train, rnd);
        writeSet(dir, "t10k", test, rnd);
        Path cfg = dir.resolve("one-class-tiny.json");
        Files.writeString(cfg, config("{\"path\": \"set-by-the-command\", \"validationFraction\": 0.25}", 2, 3, 10));
        Path out = dir.resolve("out");
        assertEquals(0, bench("one-class", "--idx", dir.toString(), "--class", "0", "--config", cfg.toString(),
                "--train-limit", "20", "--test-per-class", "6", "--out", out.toString()));
        JsonNode r = new ObjectMapper().readTree(out.resolve("one-class-0.json").toFile());
        assertEquals(20, r.get("trainImages").asInt());
        assertEquals(12, r.get("testImages").asInt());
        assertEquals(1, r.get("perClass").size());
        assertEquals(1, r.get("perClass").get(0).get("label").asInt());
        assertTrue(r.get("aurocMax").asDouble() > 0.8, "vertical stripes must look anomalous: " + r);
    }

    private static void writeSet(Path dir, String split, int perClass, Random rnd) throws Exception {
        int n = 2 * perClass;
        byte[] pixels = new byte[n * 28 * 28];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            labels[i] = (byte) label;
            int phase = rnd.nextInt(4);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    int t = (label == 0 ? y : x) + phase;
                    int v = (t / 2) % 2 == 0 ? 200 : 40;
                    pixels[i * 784 + y * 28 + x] = (byte) Math.max(0, Math.min(255, v + rnd.nextInt(31) - 15));
                }
            }
        }
        IdxFileTest.writeGz(dir.resolve(split + "-images-idx3-ubyte.gz"), IdxFileTest.idx(new int[] {n, 28, 28}, pixels));
        IdxFileTest.writeGz(dir.resolve(split + "-labels-idx1-ubyte.gz"), IdxFileTest.idx(new int[] {n}, labels));
    }
}
