package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.detect.ImageTooSmallException;
import dev.stad.runtime.detect.Tiles;
import dev.stad.runtime.engine.InputProfile;
import dev.stad.runtime.image.InputMode;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.output.ScoreResults;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.serve.ServeOptions;
import dev.stad.runtime.serve.StationServer;
import dev.stad.trainer.TinyRuns;
import dev.stad.trainer.TrainingRun;
import dev.stad.trainer.config.DataConfig;
import dev.stad.trainer.config.TrainingConfig;
import dev.stad.trainer.data.DatasetException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A native-resolution model end to end: trained on good images of several sizes (crops of each
 * as it is), exported, and scored by the station at each image's own size, whole or in tiles.
 */
class NativeResolutionTest {
    @TempDir
    static Path root;

    private static Path bundle;

    @BeforeAll
    static void train() throws Exception {
        Path data = root.resolve("good");
        Files.createDirectories(data);
        int[][] sizes = {{40, 48}, {56, 36}, {44, 44}, {64, 40}, {36, 52}, {48, 60}, {52, 38}, {40, 40}};
        for (int i = 0; i < sizes.length; i++) {
            write(texture(sizes[i][0], sizes[i][1], i), data.resolve("good_" + i + ".png"));
        }
        TrainingConfig tiny = nativeConfig(data, root.resolve("run"));
        new TrainingRun(tiny, Progress.silent(), false).run();
        bundle = Path.of(tiny.bundle());
    }

    private static TrainingConfig nativeConfig(Path data, Path out) {
        TrainingConfig c = TinyRuns.config(data, out, 4, 2e-3);
        return new TrainingConfig(
                "tiny-native",
                c.seed(),
                c.out(),
                c.bundle(),
                new DataConfig(data.toString(), null, 0.25),
                c.input().asNative(1.0),
                c.scales(),
                c.teacher(),
                c.students(),
                c.calibration());
    }

    @Test
    void theBundleRecordsNativeScaleAndTheDetectorKeepsEveryImagesSize() throws Exception {
        Preprocessing pre = ModelBundle.open(bundle).manifest().preprocessing();
        assertEquals(InputMode.NATIVE, pre.mode());
        assertEquals(1.0, pre.scale());
        try (Detector d = Detector.open(bundle)) {
            for (int[] size : new int[][] {{37, 91}, {120, 45}, {32, 32}}) {
                Detection det = d.score(texture(size[0], size[1], 99));
                assertEquals(size[0], det.map().width(), "map width for " + size[0] + "x" + size[1]);
                assertEquals(size[1], det.map().height(), "map height for " + size[0] + "x" + size[1]);
                assertTrue(Double.isFinite(det.score()));
            }
        }
    }

    @Test
    void scoreWritesMapsOfExactlyTheCameraSizes() throws Exception {
        Path in = root.resolve("camera");
        Files.createDirectories(in);
        write(texture(900, 900, 7), in.resolve("square.png"));
        write(texture(2448, 2048, 8), in.resolve("five-megapixel.png"));
        Path out = root.resolve("camera-out");
        Cli cli = score(in, out);
        assertEquals(0, cli.exit(), cli.toString());
        Map<String, int[]> expected =
                Map.of("square.png", new int[] {900, 900}, "five-megapixel.png", new int[] {2448, 2048});
        ScoreResults results = Cli.results(out);
        assertEquals(2, results.images());
        for (ScoreResults.Image r : results.results()) {
            String file = Path.of(r.file()).getFileName().toString();
            BufferedImage map =
                    ImageIO.read(out.resolve(r.outputs().get("tiff")).toFile());
            assertEquals(expected.get(file)[0], map.getWidth(), file);
            assertEquals(expected.get(file)[1], map.getHeight(), file);
        }
    }

    @Test
    void mapsComputedInTilesEqualTheWholeMap() throws Exception {
        BufferedImage image = texture(150, 110, 5);
        image.getRaster().setSample(70, 60, 0, 255); // something for the map to rise on
        Detection whole;
        try (Detector d = Detector.open(bundle, DetectorOptions.defaults().withMemoryBudgetMb(0))) {
            assertEquals(0, d.tile(), "no budget: every image whole");
            whole = d.score(image);
        }
        try (Detector d = Detector.open(bundle, DetectorOptions.defaults().withTile(24))) {
            Detection tiled = d.score(image);
            assertEquals(whole.map().width(), tiled.map().width());
            float[] a = whole.map().data();
            float[] b = tiled.map().data();
            double worst = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
            }
            assertTrue(worst <= 1e-5, "tiled map differs from the whole map by " + worst);
            assertEquals(whole.score(), tiled.score(), 1e-5 * Math.max(1, Math.abs(whole.score())));
        }
    }

    @Test
    void anImageSmallerThanThePatchIsAClearErrorAndTheOthersAreScoredAtTheirSize() throws Exception {
        Path in = root.resolve("mixed");
        Files.createDirectories(in);
        write(texture(70, 50, 1), in.resolve("a.png"));
        write(texture(6, 30, 2), in.resolve("b_tiny.png"));
        write(texture(45, 80, 3), in.resolve("c.png"));
        try (Detector d = Detector.open(bundle)) {
            ImageTooSmallException e = assertThrows(ImageTooSmallException.class, () -> d.score(texture(6, 30, 2)));
            assertTrue(e.getMessage().contains("6x30") && e.getMessage().contains("receptive field"), e.getMessage());
        }
        Path out = root.resolve("mixed-out");
        Cli cli = score(in, out);
        assertNotEquals(0, cli.exit(), "a failed image makes the run's exit code say so: " + cli);
        ScoreResults results = Cli.results(out);
        Map<String, int[]> expected = Map.of("a.png", new int[] {70, 50}, "c.png", new int[] {45, 80});
        for (ScoreResults.Image r : results.results()) {
            String file = Path.of(r.file()).getFileName().toString();
            if (file.equals("b_tiny.png")) {
                assertEquals(ScoreResults.ERROR, r.status(), r.toString());
                assertTrue(r.error().contains("b_tiny.png") && r.error().contains("smaller than"), r.error());
                continue;
            }
            assertEquals(ScoreResults.OK, r.status(), r.toString());
            BufferedImage map =
                    ImageIO.read(out.resolve(r.outputs().get("tiff")).toFile());
            assertEquals(expected.get(file)[0], map.getWidth(), file);
            assertEquals(expected.get(file)[1], map.getHeight(), file);
        }
        assertEquals(3, results.images());
    }

    @Test
    void theHttpStationAnswersAtTheImagesSizeAndRefusesATooSmallImageWith422() throws Exception {
        try (StationServer server = StationServer.start(
                bundle, DetectorOptions.defaults(), ServeOptions.defaults().withPort(0))) {
            assertTrue(server.awaitReady(Duration.ofMinutes(2)), "the station did not get ready");
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> ok = client.send(
                    HttpRequest.newBuilder(URI.create(server.url() + "/v1/score"))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(png(texture(70, 50, 1))))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode(), ok.body());
            JsonNode j = new ObjectMapper().readTree(ok.body());
            assertEquals(70, j.get("width").asInt(), ok.body());
            assertEquals(50, j.get("height").asInt(), ok.body());
            HttpResponse<String> small = client.send(
                    HttpRequest.newBuilder(URI.create(server.url() + "/v1/score"))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(png(texture(6, 30, 2))))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(422, small.statusCode(), small.body());
            String error =
                    new ObjectMapper().readTree(small.body()).get("error").asText();
            assertTrue(error.contains("6x30") && error.contains("smaller than"), small.body());
        }
    }

    @Test
    void trainingOnAnImageTooSmallForACropNamesTheFile() throws Exception {
        Path data = root.resolve("small-good");
        Files.createDirectories(data);
        for (int i = 0; i < 4; i++) {
            write(texture(48, 48, 40 + i), data.resolve("g" + i + ".png"));
        }
        write(texture(14, 60, 50), data.resolve("g9_small.png"));
        TrainingConfig c = nativeConfig(data, root.resolve("small-run"));
        DatasetException e =
                assertThrows(DatasetException.class, () -> new TrainingRun(c, Progress.silent(), false).run());
        assertTrue(e.getMessage().contains("g9_small.png") && e.getMessage().contains("14x60"), e.getMessage());
    }

    @Test
    void theBundlesTileIsPlannedForAnyImageAndItsCutsStayInTheProfile() throws Exception {
        BundleManifest m = ModelBundle.open(bundle).manifest();
        int tile = Tiles.tileFor(m, Precision.FP32, 0, 1);
        assertTrue(tile > 0, "a 1 MB budget tiles a camera-size image");
        InputProfile profile = Tiles.inputProfile(m, tile);
        assertEquals(Tiles.minimumSide(m), profile.minHeight());
        assertTrue(profile.maxHeight() >= tile && profile.maxHeight() == profile.optHeight(), profile.toString());
    }

    /** A smooth random texture: sums of a few sines per channel, as camera images of a good surface. */
    static BufferedImage texture(int width, int height, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[][] f = new double[3][4];
        for (double[] row : f) {
            for (int k = 0; k < row.length; k++) {
                row[k] = 0.2 + rnd.nextDouble() * 0.8;
            }
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    double v = 0.5
                            + 0.2 * Math.sin(f[c][0] * x + f[c][1] * y)
                            + 0.15 * Math.sin(f[c][2] * x - f[c][3] * y)
                            + 0.05 * (rnd.nextDouble() - 0.5);
                    rgb = rgb << 8 | (int) Math.max(0, Math.min(255, Math.round(v * 255)));
                }
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /** {@code runtime score} of a folder with the native bundle, TIFF maps and results.json. */
    private static Cli score(Path in, Path out) {
        return Cli.run(
                "score",
                "--bundle",
                bundle.toString(),
                "--input",
                in.toString(),
                "--out",
                out.toString(),
                "--save",
                "tiff,json");
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static void write(BufferedImage image, Path file) throws IOException {
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer");
        }
    }
}
