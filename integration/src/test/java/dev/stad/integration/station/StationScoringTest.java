package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.detect.Regions;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.output.Heatmaps;
import dev.stad.runtime.output.ScoreResults;
import dev.stad.trainer.TinyModel;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runtime score} and the Java API on a bundle exported from a trained model. */
class StationScoringTest {
    @TempDir
    Path dir;

    @Test
    void cliOnAFolderWritesEveryOutputKindWithMapsBitIdenticalToTheApi() throws Exception {
        Path out = dir.resolve("out");
        Cli cli = Cli.run(
                "score",
                "--bundle",
                TinyModel.bundle().toString(),
                "--engine",
                "ort",
                "--input",
                TinyModel.data().toString(),
                "--out",
                out.toString(),
                "--save",
                "tiff,heatmap,overlay,json");
        assertEquals(0, cli.exit(), cli.toString());
        List<Path> images = TinyModel.testImages();
        assertTrue(cli.out().contains("Scored " + images.size() + " of " + images.size() + " images"), cli.toString());

        ScoreResults results = Cli.results(out);
        assertEquals(images.size(), results.images());
        assertEquals(0, results.failed());
        try (Detector api = Detector.open(TinyModel.bundle())) {
            assertEquals(api.threshold(), results.threshold());
            for (ScoreResults.Image r : results.results()) {
                assertEquals(ScoreResults.OK, r.status(), r.toString());
                Path file = Path.of(r.file());
                String rel = TinyModel.data().relativize(file).toString().replace(".png", "");
                assertEquals("data/" + rel, r.name(), "an MVTec category maps to <category>/test/<defect>/<name>");
                Path tiff = out.resolve("maps/" + r.name() + ".tiff");
                assertEquals("maps/" + r.name() + ".tiff", r.outputs().get("tiff"));

                Detection d = api.score(file);
                assertArrayEquals(d.map().data(), Cli.tiff(tiff), "CLI map differs from the API map for " + file);
                assertEquals(d.score(), r.score());
                assertEquals(d.topMean(), r.topMean());
                assertEquals(d.anomalous(), r.anomalous());
                assertEquals(d.regions(), r.regions());
                // The PNGs hold, pixel for pixel, what Heatmaps draws from the API's map (PNG is lossless).
                BufferedImage heatmap = Heatmaps.heatmap(d.map(), d.threshold());
                BufferedImage overlay = Heatmaps.overlay(ImageDecoder.read(file), d.map(), d.threshold());
                assertSamePixels(
                        heatmap,
                        ImageIO.read(out.resolve(r.outputs().get("heatmap")).toFile()),
                        "heatmap " + file);
                assertSamePixels(
                        overlay,
                        ImageIO.read(out.resolve(r.outputs().get("overlay")).toFile()),
                        "overlay " + file);
            }
        }
    }

    @Test
    void pathBufferedImageAndFloatTensorInputsGiveTheSameResult() throws Exception {
        Path file = TinyModel.testImages().get(0);
        try (Detector detector = Detector.open(TinyModel.bundle())) {
            Detection fromPath = detector.score(file);
            Detection fromImage = detector.score(ImageIO.read(file.toFile()));
            Detection fromTensor = detector.score(ImageDecoder.read(file));
            assertArrayEquals(fromPath.map().data(), fromImage.map().data());
            assertArrayEquals(fromPath.map().data(), fromTensor.map().data());
            assertEquals(fromPath.score(), fromTensor.score());
        }
    }

    @Test
    void zippedBundleScoresLikeTheFolder() throws Exception {
        Path zip = dir.resolve("bundle.zip");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip));
                var files = Files.walk(TinyModel.bundle())) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new java.util.zip.ZipEntry(
                        TinyModel.bundle().relativize(f).toString()));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        Path file = TinyModel.testImages().get(3);
        try (Detector folder = Detector.open(TinyModel.bundle());
                Detector zipped = Detector.open(zip)) {
            assertArrayEquals(
                    folder.score(file).map().data(), zipped.score(file).map().data());
        }
    }

    @Test
    void tiledMapsEqualWholeImageMaps() throws Exception {
        BufferedImage src = ImageIO.read(TinyModel.testImages().get(4).toFile());
        dev.stad.runtime.image.FloatImage big =
                dev.stad.runtime.image.Resampler.resize(ImageDecoder.toFloat(src), 50, 70);
        try (Detector whole = Detector.open(TinyModel.bundle());
                Detector tiled = Detector.open(
                        TinyModel.bundle(), DetectorOptions.defaults().withTile(16))) {
            // The image is resized to the bundle's 32 x 32 input, computed there in 2 x 2 tiles of 16 whose halos
            // cross the tile borders, and resized back to 70 x 50.
            Detection a = whole.score(big);
            Detection b = tiled.score(big);
            float[] x = a.map().data();
            float[] y = b.map().data();
            double worst = 0;
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(x[i])));
            }
            assertTrue(worst <= 1e-5, "tiled map differs by " + worst);
            assertEquals(a.score(), b.score(), 1e-5 * Math.max(1, Math.abs(a.score())));
        }
    }

    @Test
    void decisionAndRegionsFollowTheThreshold() throws Exception {
        Path file = TinyModel.testImages().get(0);
        try (Detector bundleDefault = Detector.open(TinyModel.bundle());
                Detector low = Detector.open(
                        TinyModel.bundle(), DetectorOptions.defaults().withThreshold(-1e9))) {
            Detection d = low.score(file);
            assertTrue(d.anomalous());
            assertEquals(1, d.regions().size(), "everything above an absurdly low threshold is one region");
            assertEquals(32 * 32, d.regions().get(0).area());
            assertEquals(d.map().data().length, d.regions().get(0).area());
            Detection n = bundleDefault.score(file);
            assertEquals(n.score() > bundleDefault.threshold(), n.anomalous());
            assertEquals(Regions.find(n.map(), n.threshold()), n.regions());
            assertTrue(n.topMean() <= n.score());
        }
    }

    @Test
    void corruptBundleFailsBeforeAnyScoring() throws Exception {
        Path copy = dir.resolve("bundle");
        try (var files = Files.walk(TinyModel.bundle())) {
            for (Path f : files.toList()) {
                Path t = copy.resolve(TinyModel.bundle().relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        byte[] onnx = Files.readAllBytes(copy.resolve("detector.onnx"));
        onnx[onnx.length / 2] ^= 1;
        Files.write(copy.resolve("detector.onnx"), onnx);
        Path out = dir.resolve("out");
        Cli cli = Cli.run(
                "score",
                "--bundle",
                copy.toString(),
                "--input",
                TinyModel.data().toString(),
                "--out",
                out.toString());
        assertEquals(1, cli.exit(), cli.toString());
        assertTrue(cli.err().contains("detector.onnx") && cli.err().contains("sha256"), cli.toString());
        assertFalse(Files.exists(out.resolve("results.json")), "nothing may be scored with a corrupt bundle");
    }

    @Test
    void infoDescribesTheBundle() {
        Cli cli = Cli.run("info", "--bundle", TinyModel.bundle().toString());
        assertEquals(0, cli.exit(), cli.toString());
        for (String expected : List.of(
                "Model       tiny",
                "Input       32 x 32",
                "t9",
                "t7",
                "teacher + 2 students",
                "Threshold",
                "every sha256 verified")) {
            assertTrue(cli.out().contains(expected), "missing '" + expected + "' in\n" + cli.out());
        }
    }

    private static void assertSamePixels(BufferedImage expected, BufferedImage actual, String what) {
        assertEquals(expected.getWidth(), actual.getWidth(), what);
        assertEquals(expected.getHeight(), actual.getHeight(), what);
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                assertEquals(
                        expected.getRGB(x, y) & 0xffffff, actual.getRGB(x, y) & 0xffffff, what + " at " + x + "," + y);
            }
        }
    }
}
