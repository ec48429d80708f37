package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.stad.runtime.cli.ScoreCommand;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.output.ScoreResults;
import dev.stad.trainer.TinyModel;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One {@code runtime score} run over a folder of awkward files, then one test per kind of file:
 * the ones that cannot be scored each get an error naming them, the rest are scored, and the
 * exit code is {@link ScoreCommand#SOME_FAILED}.
 */
class BadInputTest {
    private static Path dir;
    private static Path in;
    private static Path out;
    private static Cli cli;
    private static ScoreResults results;
    private static Map<String, ScoreResults.Image> byFile;
    private static BufferedImage rgb;
    private static boolean root;

    @BeforeAll
    static void scoreTheFolder() throws Exception {
        dir = Files.createTempDirectory("stad-bad-input");
        in = Files.createDirectories(dir.resolve("in"));
        Path source = TinyModel.testImages().get(0);
        rgb = ImageIO.read(source.toFile());
        Files.copy(source, in.resolve("good.png"));
        byte[] png = Files.readAllBytes(source);
        Files.write(in.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2));
        Files.write(in.resolve("empty.png"), new byte[0]);
        Files.createSymbolicLink(in.resolve("broken-link.png"), in.resolve("gone.png"));
        Files.writeString(in.resolve("notes.txt"), "not an image");
        Path locked = in.resolve("locked.png");
        Files.copy(source, locked);
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        root = Files.isReadable(locked); // root reads anything; then it is just another good file

        ImageIO.write(withAlpha(rgb), "png", in.resolve("rgba.png").toFile());
        ImageIO.write(
                grey(rgb, BufferedImage.TYPE_BYTE_GRAY),
                "png",
                in.resolve("grey.png").toFile());
        ImageIO.write(
                grey(scaled(rgb, 48, 40), BufferedImage.TYPE_USHORT_GRAY),
                "png",
                in.resolve("grey16.png").toFile());
        ImageIO.write(scaled(rgb, 64, 50), "png", in.resolve("larger.png").toFile());
        // A decompression bomb: a small PNG whose header promises 30000 x 30000 pixels.
        byte[] bomb = Arrays.copyOf(png, png.length);
        java.nio.ByteBuffer.wrap(bomb, 16, 8).putInt(30000).putInt(30000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bomb, 12, 17);
        java.nio.ByteBuffer.wrap(bomb, 29, 4).putInt((int) crc.getValue());
        Files.write(in.resolve("bomb.png"), bomb);

        out = dir.resolve("out");
        cli = Cli.run(
                "score",
                "--bundle",
                TinyModel.bundle().toString(),
                "--input",
                in.toString(),
                "--out",
                out.toString(),
                "--save",
                "tiff,overlay,json",
                "--parallel",
                "3");
        results = Cli.results(out);
        byFile = results.results().stream()
                .collect(Collectors.toMap(r -> Path.of(r.file()).getFileName().toString(), Function.identity()));
    }

    @AfterAll
    static void clean() throws Exception {
        AtomicFiles.deleteTree(dir);
    }

    @Test
    void exitCodeSaysSomeFailedAndEveryFileIsReportedInInputOrder() {
        assertEquals(ScoreCommand.SOME_FAILED, cli.exit(), cli.toString());
        assertEquals(11, byFile.size());
        assertEquals(root ? 5 : 6, results.failed());
        assertEquals(
                results.results().stream()
                        .map(ScoreResults.Image::file)
                        .sorted()
                        .toList(),
                results.results().stream().map(ScoreResults.Image::file).toList(),
                "results keep the input order");
        assertTrue(cli.err().contains("error: " + in.resolve("truncated.png")), cli.toString());
    }

    @Test
    void truncatedPngGetsAnErrorNamingIt() {
        assertFailed("truncated.png", "cannot decode");
    }

    @Test
    void zeroByteFileGetsAnErrorNamingIt() {
        assertFailed("empty.png", "empty");
    }

    @Test
    void unreadableFilesGetAnErrorNamingThem() {
        assertFailed("broken-link.png", "cannot read");
        assumeFalse(root, "running as root: a file without read permission is still readable");
        assertFailed("locked.png", "cannot read");
    }

    @Test
    void imageWhoseHeaderPromisesGigapixelsIsRefusedFromItsHeader() {
        assertFailed("bomb.png", "image is 30000x30000 pixels (900.0 MP), more than the limit of 100.0 MP");
    }

    @Test
    void nonImageFileInTheFolderGetsAnErrorNamingIt() {
        assertFailed("notes.txt", "not a readable image format");
    }

    @Test
    void sixteenBitGreyOfAnotherSizeIsResizedInAndItsMapComesBackAtItsSize() throws Exception {
        ScoreResults.Image r = byFile.get("grey16.png");
        assertEquals(ScoreResults.OK, r.status(), r.toString());
        assertEquals(48, r.width());
        assertEquals(40, r.height());
        assertEquals(48 * 40, Cli.tiff(out.resolve(r.outputs().get("tiff"))).length);
    }

    @Test
    void largerImageIsScoredAtTheBundleSizeAndMappedBack() throws Exception {
        ScoreResults.Image r = byFile.get("larger.png");
        assertEquals(ScoreResults.OK, r.status(), r.toString());
        assertEquals(64 * 50, Cli.tiff(out.resolve(r.outputs().get("tiff"))).length);
        assertEquals(
                64,
                ImageIO.read(out.resolve(r.outputs().get("overlay")).toFile()).getWidth());
    }

    @Test
    void rgbaDropsAlphaAndScoresExactlyAsTheOpaqueImage() throws Exception {
        assertEquals(ScoreResults.OK, byFile.get("rgba.png").status());
        assertArrayEquals(
                Cli.tiff(out.resolve(byFile.get("good.png").outputs().get("tiff"))),
                Cli.tiff(out.resolve(byFile.get("rgba.png").outputs().get("tiff"))));
    }

    @Test
    void greyIsReplicatedAndScoresExactlyAsRgbWithEqualChannels() throws Exception {
        assertEquals(ScoreResults.OK, byFile.get("grey.png").status());
        try (Detector d = Detector.open(TinyModel.bundle())) {
            assertArrayEquals(
                    d.score(grey(rgb, BufferedImage.TYPE_3BYTE_BGR)).map().data(),
                    Cli.tiff(out.resolve(byFile.get("grey.png").outputs().get("tiff"))));
        }
    }

    private static void assertFailed(String name, String why) {
        ScoreResults.Image r = byFile.get(name);
        assertEquals(ScoreResults.ERROR, r.status(), name + ": " + r);
        assertTrue(r.error().contains(name) && r.error().contains(why), name + ": " + r.error());
    }

    private static BufferedImage withAlpha(BufferedImage rgb) {
        BufferedImage out = new BufferedImage(rgb.getWidth(), rgb.getHeight(), BufferedImage.TYPE_INT_ARGB);
        Random rnd = new Random(1);
        for (int y = 0; y < rgb.getHeight(); y++) {
            for (int x = 0; x < rgb.getWidth(); x++) {
                out.setRGB(x, y, (rnd.nextInt(256) << 24) | (rgb.getRGB(x, y) & 0xffffff));
            }
        }
        return out;
    }

    /** The red channel as grey of the given type (8-bit, 16-bit, or as RGB with r = g = b). */
    private static BufferedImage grey(BufferedImage rgb, int type) {
        BufferedImage out = new BufferedImage(rgb.getWidth(), rgb.getHeight(), type);
        WritableRaster r = out.getRaster();
        for (int y = 0; y < rgb.getHeight(); y++) {
            for (int x = 0; x < rgb.getWidth(); x++) {
                int v = rgb.getRaster().getSample(x, y, 0);
                if (type == BufferedImage.TYPE_USHORT_GRAY) {
                    r.setSample(x, y, 0, v * 257);
                } else {
                    for (int b = 0; b < r.getNumBands(); b++) {
                        r.setSample(x, y, b, v);
                    }
                }
            }
        }
        return out;
    }

    private static BufferedImage scaled(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        var g = out.createGraphics();
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        return out;
    }
}
