package dev.stad.trainer.station;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.cli.ScoreCommand;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.output.ScoreResults;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A folder of awkward files: the ones that cannot be scored each get an error naming them, the
 * run scores the rest and exits with {@link ScoreCommand#SOME_FAILED}.
 */
class BadInputTest {
    @TempDir
    Path dir;

    @Test
    void eachBadFileGetsItsOwnErrorAndTheRestAreScored() throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        Path source = TinyBundle.testImages().get(0);
        BufferedImage rgb = ImageIO.read(source.toFile());
        Files.copy(source, in.resolve("good.png"));
        byte[] png = Files.readAllBytes(source);
        Files.write(in.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2));
        Files.write(in.resolve("empty.png"), new byte[0]);
        Files.createSymbolicLink(in.resolve("broken-link.png"), in.resolve("gone.png"));
        Files.writeString(in.resolve("notes.txt"), "not an image");
        Path locked = in.resolve("locked.png");
        Files.copy(source, locked);
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        boolean root = Files.isReadable(locked); // root reads anything; then it is just another good file

        ImageIO.write(withAlpha(rgb), "png", in.resolve("rgba.png").toFile());
        ImageIO.write(grey(rgb, BufferedImage.TYPE_BYTE_GRAY), "png", in.resolve("grey.png").toFile());
        ImageIO.write(grey(scaled(rgb, 48, 40), BufferedImage.TYPE_USHORT_GRAY), "png", in.resolve("grey16.png").toFile());
        ImageIO.write(scaled(rgb, 64, 50), "png", in.resolve("larger.png").toFile());

        Path out = dir.resolve("out");
        Cli cli = Cli.run("score", "--bundle", TinyBundle.bundle().toString(), "--input", in.toString(),
                "--out", out.toString(), "--save", "tiff,overlay,json", "--parallel", "3");
        assertEquals(ScoreCommand.SOME_FAILED, cli.exit(), cli.toString());

        ScoreResults results = Cli.results(out);
        Map<String, ScoreResults.Image> byFile = results.results().stream()
                .collect(Collectors.toMap(r -> Path.of(r.file()).getFileName().toString(), Function.identity()));
        assertEquals(10, byFile.size());
        assertEquals(results.results().stream().map(ScoreResults.Image::file).sorted().toList(),
                results.results().stream().map(ScoreResults.Image::file).toList(), "results keep the input order");
        assertFailed(byFile, "truncated.png", "cannot decode");
        assertFailed(byFile, "empty.png", "empty");
        assertFailed(byFile, "broken-link.png", "cannot read");
        assertFailed(byFile, "notes.txt", "not a readable image format");
        if (!root) {
            assertFailed(byFile, "locked.png", "cannot read");
        }
        for (String ok : new String[] {"good.png", "rgba.png", "grey.png", "grey16.png", "larger.png"}) {
            assertEquals(ScoreResults.OK, byFile.get(ok).status(), ok + ": " + byFile.get(ok));
        }
        assertEquals(root ? 4 : 5, results.failed());
        assertTrue(cli.err().contains("error: " + in.resolve("truncated.png")), cli.toString());

        // An image of another size is resized in, and its map comes back at its own size.
        assertEquals(48, byFile.get("grey16.png").width());
        assertEquals(40, byFile.get("grey16.png").height());
        assertEquals(48 * 40, Cli.tiff(out.resolve(byFile.get("grey16.png").outputs().get("tiff"))).length);
        assertEquals(64 * 50, Cli.tiff(out.resolve(byFile.get("larger.png").outputs().get("tiff"))).length);
        BufferedImage overlay = ImageIO.read(out.resolve(byFile.get("larger.png").outputs().get("overlay")).toFile());
        assertEquals(64, overlay.getWidth());

        // Alpha is dropped, grey is replicated: both score exactly as the opaque RGB image does.
        float[] good = Cli.tiff(out.resolve(byFile.get("good.png").outputs().get("tiff")));
        assertArrayEquals(good, Cli.tiff(out.resolve(byFile.get("rgba.png").outputs().get("tiff"))));
        try (Detector d = Detector.open(TinyBundle.bundle())) {
            assertArrayEquals(d.score(grey(rgb, BufferedImage.TYPE_3BYTE_BGR)).map().data(),
                    Cli.tiff(out.resolve(byFile.get("grey.png").outputs().get("tiff"))));
        }
    }

    private static void assertFailed(Map<String, ScoreResults.Image> byFile, String name, String why) {
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
                int v = (rgb.getRaster().getSample(x, y, 0));
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
