package dev.stad.integration.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.bench.BenchCommand;
import dev.stad.bench.oneclass.IdxFileTest;
import dev.stad.trainer.TinyModel;
import dev.stad.trainer.config.SyntheticConfig;
import dev.stad.trainer.data.SyntheticDataset;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bench commands end to end on the integration tests' tiny model ({@link TinyModel}): each
 * writes its files and its numbers hold together, and {@code accuracy} finds a defect planted
 * where the answer is known. The numbers that matter come from running the commands on the
 * default model, not from here.
 */
class BenchCommandsTest {
    /**
     * What the planted square must beat. The tiny model reached pixel AUROC 0.9995 and AU-PRO@0.3
     * 0.998 on it; a map of noise gives 0.5 and about 0.15. The bounds leave room for another
     * CPU's rounding, not for a map that misses the square.
     */
    private static final double PLANTED_PIXEL_AUROC = 0.98;

    private static final double PLANTED_AU_PRO = 0.9;

    /** Runs {@code bench accuracy} of the tiny model on {@code data}, asserting exit code 0. */
    private static void accuracy(Path data, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "accuracy",
                "--bundle",
                TinyModel.bundle().toString(),
                "--data",
                data.toString(),
                "--out",
                out.toString()));
        args.addAll(List.of(more));
        assertEquals(0, bench(args.toArray(String[]::new)));
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
        Path image = TinyModel.data().resolve("test/good/000.png");
        assertEquals(
                0,
                bench(
                        "latency",
                        "--bundle",
                        TinyModel.bundle().toString(),
                        "--checkpoint",
                        TinyModel.run().toString(),
                        "--sizes",
                        "32,48",
                        "--variant-sizes",
                        "32",
                        "--runs",
                        "3",
                        "--max-seconds",
                        "5",
                        "--baseline-size",
                        "32",
                        "--patches",
                        "256",
                        "--sgemm",
                        "256",
                        "--image",
                        image.toString(),
                        "--peer",
                        "--peer-sizes",
                        "32",
                        "--out",
                        out.toString()));
        JsonNode r = new ObjectMapper().readTree(out.resolve("latency.json").toFile());
        // t9+t7 M=2 fp32 and int8 at 32 and 48, then t9 M=2 and t7 M=2 at 32 (no fewer-student variant below M=3)
        assertEquals(6, r.get("points").size());
        assertEquals("t9+t7 M=2 fp32", r.get("points").get(0).get("variant").asText());
        assertEquals("t9+t7 M=2 int8", r.get("points").get(2).get("variant").asText());
        assertEquals("t7 M=2", r.get("points").get(5).get("variant").asText());
        JsonNode peer = r.get("peer");
        assertEquals(1, peer.size());
        assertTrue(peer.get(0).get("peer").asText().startsWith("libtorch"), peer.toString());
        assertTrue(peer.get(0).get("peerP50Ms").asDouble() > 0, peer.toString());
        assertEquals(2, peer.get(0).get("speedup").size(), peer.toString());
        for (JsonNode p : r.get("points")) {
            assertTrue(p.get("p50Ms").asDouble() > 0 && p.get("gflops").asDouble() > 0, p.toString());
            assertTrue(p.get("p95Ms").asDouble() >= p.get("p50Ms").asDouble(), p.toString());
        }
        assertEquals(2, r.get("baseline").size());
        for (JsonNode b : r.get("baseline")) {
            assertTrue(b.get("speedup").asDouble() > 1, "dense must beat patch by patch: " + b);
            assertEquals(3, b.get("networks").asInt());
        }
        assertTrue(r.get("sgemm").get("ort").get("gflops").asDouble() > 0);
        // The FMA ceiling, measured in a child JVM; int8 points may pass it (VNNI: 4 int8 MACs a lane).
        double peak = r.get("fmaPeak").get("gflops").asDouble();
        assertTrue(peak > 0, r.get("fmaPeak").toString());
        for (JsonNode p : r.get("points")) {
            assertEquals(
                    100 * p.get("gflops").asDouble() / peak,
                    p.get("percentOfFmaPeak").asDouble(),
                    1e-6);
        }
        assertTrue(Files.readString(out.resolve("latency.md")).contains("| engine | detector | image |"));
        assertTrue(ImageIO.read(out.resolve("latency.png").toFile()).getWidth() > 100);
    }

    @Test
    void latencyTimesAConfigsArchitecturesWithRandomWeightsWithoutTraining(@TempDir Path out) throws Exception {
        Path cfg = TinyModel.writeConfig(out.resolve("tiny.json"), out.resolve("no-data-needed"));
        assertEquals(
                0,
                bench(
                        "latency",
                        "--config",
                        cfg.toString(),
                        "--sizes",
                        "40",
                        "--runs",
                        "2",
                        "--min-runs",
                        "1",
                        "--sgemm",
                        "128",
                        "--baseline-size",
                        "32",
                        "--patches",
                        "64",
                        "--out",
                        out.resolve("bench").toString()));
        JsonNode r =
                new ObjectMapper().readTree(out.resolve("bench/latency.json").toFile());
        assertEquals(2, r.get("points").size(), r.toString());
        assertEquals("t9+t7 M=2 fp32", r.get("points").get(0).get("variant").asText());
        assertEquals("t9+t7 M=2 int8", r.get("points").get(1).get("variant").asText());
        assertTrue(Files.isRegularFile(out.resolve("bench/random-bundle/detector.int8.onnx")));
    }

    @Test
    void accuracyReportsEveryDefectTypeWithMapsCurvesAndHtml(@TempDir Path out) throws Exception {
        Path data = TinyModel.data();
        accuracy(data, out);
        JsonNode r = new ObjectMapper().readTree(out.resolve("accuracy.json").toFile());
        assertEquals(1 + SyntheticDataset.DEFECT_TYPES.size(), r.get("rows").size(), "overall and every defect type");
        assertEquals("overall", r.get("rows").get(0).get("type").asText());
        long images = TinyModel.testImages().size();
        assertEquals(images, r.get("rows").get(0).get("images").asInt());
        long good = TinyModel.testImages().stream()
                .filter(p -> p.getParent().getFileName().toString().equals("good"))
                .count();
        JsonNode bands = r.get("goodMaxima");
        assertEquals(4, bands.size());
        assertEquals(2, bands.get(0).get("width").asInt());
        for (JsonNode b : bands) {
            assertEquals(good, b.get("goodImages").asInt());
        }
        assertTrue(Files.readString(out.resolve("accuracy.md")).contains("Where the good test images' maps peak"));
        try (Stream<Path> maps = Files.walk(out.resolve("maps/data/test"))) {
            assertEquals(
                    images, maps.filter(p -> p.toString().endsWith(".tiff")).count(), "one float map per test image");
        }
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(
                html.contains("<table>") && html.contains("data:image/png;base64,") && !html.contains("src=\"http"),
                "self-contained report");
        for (String png : new String[] {"roc-image.png", "roc-pixel.png", "pro.png"}) {
            assertTrue(ImageIO.read(out.resolve(png).toFile()).getWidth() > 100, png);
        }
    }

    /**
     * Six good parts the model never saw, and the same six with a dark 8 x 8 square in the middle
     * (a quarter of the image's width, the darkest value there is): every square must score above
     * every good part (image AUROC 1), and the map must put the square's pixels above almost all
     * good pixels and cover the square at a low false-positive rate; with the fp32 and the int8
     * detector alike.
     */
    @ParameterizedTest
    @ValueSource(strings = {"fp32", "int8"})
    void accuracyFindsAPlantedSquareWhereTheAnswerIsKnown(String precision, @TempDir Path dir) throws Exception {
        Path data = dir.resolve("planted");
        new SyntheticDataset(new SyntheticConfig(32, 2, 6, 0), 99).generate(data);
        Files.createDirectories(data.resolve("test/square"));
        Files.createDirectories(data.resolve("ground_truth/square"));
        try (Stream<Path> s = Files.list(data.resolve("test/good"))) {
            for (Path good : s.sorted().toList()) {
                BufferedImage img = ImageIO.read(good.toFile());
                BufferedImage mask = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 12; y < 20; y++) {
                    for (int x = 12; x < 20; x++) {
                        img.setRGB(x, y, 0);
                        mask.getRaster().setSample(x, y, 0, 255);
                    }
                }
                String name = good.getFileName().toString();
                ImageIO.write(
                        img, "png", data.resolve("test/square").resolve(name).toFile());
                ImageIO.write(
                        mask,
                        "png",
                        data.resolve("ground_truth/square")
                                .resolve(name.replace(".png", "_mask.png"))
                                .toFile());
            }
        }
        Path out = dir.resolve("out");
        accuracy(data, out, "--precision", precision);
        JsonNode square = null;
        for (JsonNode row : new ObjectMapper()
                .readTree(out.resolve("accuracy.json").toFile())
                .get("rows")) {
            if (row.get("type").asText().equals("square")) {
                square = row;
            }
        }
        assertTrue(square != null, "a row for the planted type");
        assertEquals(12, square.get("images").asInt());
        assertEquals(1.0, square.get("imageAuroc").asDouble(), 1e-12, square.toString());
        assertTrue(square.get("pixelAuroc").asDouble() > PLANTED_PIXEL_AUROC, square.toString());
        assertTrue(square.get("auPro").asDouble() > PLANTED_AU_PRO, square.toString());
    }

    @Test
    void oneClassTrainsOnOneClassAndTellsTheOtherApart(@TempDir Path dir) throws Exception {
        // Class 0: horizontal stripes; class 1: vertical stripes; both with noise. 28x28, gzipped IDX.
        Random rnd = new Random(3);
        int train = 24;
        int test = 8;
        writeSet(dir, "train", train, rnd);
        writeSet(dir, "t10k", test, rnd);
        Path cfg = TinyModel.writeConfig(dir.resolve("one-class-tiny.json"), dir.resolve("set-by-the-command"));
        Path out = dir.resolve("out");
        assertEquals(
                0,
                bench(
                        "one-class",
                        "--idx",
                        dir.toString(),
                        "--class",
                        "0",
                        "--config",
                        cfg.toString(),
                        "--train-limit",
                        "20",
                        "--test-per-class",
                        "6",
                        "--out",
                        out.toString()));
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
        IdxFileTest.writeGz(
                dir.resolve(split + "-images-idx3-ubyte.gz"), IdxFileTest.idx(new int[] {n, 28, 28}, pixels));
        IdxFileTest.writeGz(dir.resolve(split + "-labels-idx1-ubyte.gz"), IdxFileTest.idx(new int[] {n}, labels));
    }

    @Test
    void soakScoresTwoThousandMapsFromEightThreadsAndFindsNoneDiffering(@TempDir Path out) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int code = BenchCommand.commandLine(ps, ps, false)
                .execute(
                        "soak",
                        "--bundle",
                        TinyModel.bundle().toString(),
                        "--images",
                        TinyModel.data().resolve("test").toString(),
                        "--threads",
                        "8",
                        "--count",
                        "2000",
                        "--out",
                        out.toString());
        String log = buf.toString(StandardCharsets.UTF_8);
        System.out.print(log);
        JsonNode r = new ObjectMapper().readTree(out.resolve("soak.json").toFile());
        assertEquals(2000, r.get("images").asInt());
        assertEquals(0, r.get("differences").asInt(), log);
        assertTrue(r.get("samples").size() >= 90, r.toString());
        assertEquals(r.get("passed").asBoolean() ? 0 : 1, code, log);
        assertTrue(log.contains("0 maps differ from the sequential ones"), log);
    }

    @Test
    void serveLoadAnswersEveryRequestAtTheLimitAndOnly503sAboveIt(@TempDir Path out) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int code = BenchCommand.commandLine(ps, ps, false)
                .execute(
                        "serve-load",
                        "--bundle",
                        TinyModel.bundle().toString(),
                        "--images",
                        TinyModel.data().resolve("test").toString(),
                        "--requests",
                        "60",
                        "--queue",
                        "2",
                        "--threads",
                        "1",
                        "--out",
                        out.toString());
        String log = buf.toString(StandardCharsets.UTF_8);
        System.out.print(log);
        JsonNode r = new ObjectMapper().readTree(out.resolve("serve-load.json").toFile());
        JsonNode atLimit = r.get("phases").get(0);
        assertEquals(3, atLimit.get("clients").asInt());
        // Each phase runs until 60 are answered; requests already in flight then finish too.
        assertTrue(atLimit.get("byStatus").get("200").asInt() >= 60, atLimit.toString());
        assertEquals(1, atLimit.get("byStatus").size(), atLimit.toString());
        JsonNode over = r.get("phases").get(1);
        assertEquals(9, over.get("clients").asInt());
        for (var e : (Iterable<java.util.Map.Entry<String, JsonNode>>) over.get("byStatus")::fields) {
            assertTrue(e.getKey().equals("200") || e.getKey().equals("503"), over.toString());
        }
        assertTrue(over.get("byStatus").get("200").asInt() >= 60, over.toString());
        assertTrue(atLimit.get("passed").asBoolean() && over.get("passed").asBoolean(), log);
        assertEquals(r.get("passed").asBoolean() ? 0 : 1, code, log);
        assertTrue(Files.readString(out.resolve("serve-load.md")).contains("| over the limit | 9 |"), log);
    }
}
