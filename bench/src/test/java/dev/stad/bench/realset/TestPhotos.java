package dev.stad.bench.realset;

import dev.stad.trainer.data.ValueNoise;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Stand-ins for the packages' photos, written where the packages would put them under a folder
 * of the test's: textures of value noise, the grain and contrast set per photo, so some are busy
 * and some calm.
 */
public final class TestPhotos {
    private TestPhotos() {}

    /** Writes a photo for each source under {@code root} ({@code width x height}, grain {@code 1 + index}). */
    public static void write(Path root, List<PhotoSource> sources, int width, int height) throws IOException {
        for (int i = 0; i < sources.size(); i++) {
            PhotoSource s = sources.get(i);
            // Size before the source's own scale and usable part, so the scaled part is width x height.
            int w = (int) Math.ceil(width / s.scale() / (s.x1() - s.x0()));
            int h = (int) Math.ceil(height / s.scale() / (s.y1() - s.y0()));
            Path file = root.resolve(s.path().replaceFirst("^/+", ""));
            Files.createDirectories(file.getParent());
            String format = file.toString().endsWith(".jpg") ? "jpg" : "png";
            ImageIO.write(texture(w, h, i, 1.5 + 2.5 * (i % 3), 0.08 + 0.12 * (i % 2)), format, file.toFile());
        }
    }

    /** A colour texture of value noise with grain {@code grain} pixels and contrast {@code contrast}. */
    static BufferedImage texture(int w, int h, long seed, double grain, double contrast) {
        BufferedImage b = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        double[] base = {0.45 + 0.05 * (seed % 3), 0.5, 0.55 - 0.05 * (seed % 2)};
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double n = ValueNoise.fractal(seed, x / grain, y / grain, 3);
                for (int c = 0; c < 3; c++) {
                    double v = base[c] + contrast * n;
                    b.getRaster().setSample(x, y, c, (int) Math.round(Math.max(0, Math.min(1, v)) * 255));
                }
            }
        }
        return b;
    }
}
