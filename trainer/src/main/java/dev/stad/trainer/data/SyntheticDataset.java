package dev.stad.trainer.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.trainer.config.SyntheticConfig;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Generates the embedded default dataset: a perforated, brushed-metal plate in MVTec AD layout.
 * Every image varies naturally (brushing pattern, blotches, lighting gradient, tint, position of
 * the hole grid, sensor noise); defective test images carry one defect with an exact pixel mask:
 *
 * <ul>
 *   <li>{@code scratch}: a thin (1-2 px) curved line, brighter or darker than the metal;
 *   <li>{@code stain}: an irregular brownish blob that darkens and tints the surface;
 *   <li>{@code misplaced_hole}: one hole of the grid missing or shifted by half a grid step.
 * </ul>
 *
 * The output depends only on the seed and the {@link SyntheticConfig}. The dataset is written to
 * a temporary folder that is renamed into place when complete, so an interrupted generation
 * never leaves a partial dataset behind.
 */
public final class SyntheticDataset {

    /** Defect folder names under {@code test/} and {@code ground_truth/}. */
    public static final List<String> DEFECT_TYPES = List.of("scratch", "stain", "misplaced_hole");
    /** Bumped whenever the images change for a given seed. */
    public static final int GENERATOR_VERSION = 1;

    private final SyntheticConfig config;
    private final long seed;

    public SyntheticDataset(SyntheticConfig config, long seed) {
        this.config = config;
        this.seed = seed;
    }

    /** Writes the dataset to {@code root}, which must not exist yet. */
    public void generate(Path root) throws IOException {
        if (Files.exists(root)) {
            throw new IOException(root + " already exists; the synthetic dataset is only generated into a new folder");
        }
        AtomicFiles.writeFolder(root, this::writeAll);
    }

    private void writeAll(Path root) throws IOException {
        int index = 0;
        for (int i = 0; i < config.trainImages(); i++) {
            Sample s = render(index++, null);
            writePng(s.rgb, root.resolve("train/good").resolve(name(i)));
        }
        for (int i = 0; i < config.testGoodImages(); i++) {
            Sample s = render(index++, null);
            writePng(s.rgb, root.resolve("test/good").resolve(name(i)));
        }
        for (String defect : DEFECT_TYPES) {
            Files.createDirectories(root.resolve("ground_truth").resolve(defect));
            for (int i = 0; i < config.defectImagesPerType(); i++) {
                Sample s = render(index++, defect);
                writePng(s.rgb, root.resolve("test").resolve(defect).resolve(name(i)));
                writePng(s.mask, root.resolve("ground_truth").resolve(defect).resolve(String.format("%03d_mask.png", i)));
            }
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("generator", "dev.stad.trainer.data.SyntheticDataset");
        info.put("generatorVersion", GENERATOR_VERSION);
        info.put("seed", seed);
        info.put("config", config);
        info.put("defectTypes", DEFECT_TYPES);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(root.resolve("dataset.json").toFile(), info);
    }

    private static String name(int i) {
        return String.format("%03d.png", i);
    }

    /** One rendered image and, for a defect, its mask (else null). */
    record Sample(BufferedImage rgb, BufferedImage mask) {
    }

    /** Renders image number {@code index}; public to let tests draw single images. */
    Sample render(int index, String defect) {
        int n = config.size();
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 17);
        long noiseSeed = rnd.nextLong();
        float[][] img = new float[3][n * n];

        // Brushed metal: streaks along x, slow blotches, a lighting ramp and a slight tint.
        double base = 0.55 + rnd.nextDouble(-0.04, 0.04);
        double[] tint = {1.0 + rnd.nextDouble(-0.03, 0.03), 1.0, 1.0 + rnd.nextDouble(-0.05, 0.02)};
        double angle = rnd.nextDouble(0, 2 * Math.PI);
        double ramp = rnd.nextDouble(0.02, 0.07);
        double gx = Math.cos(angle) * ramp / n;
        double gy = Math.sin(angle) * ramp / n;
        double brush = n / 4.0;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double streak = 0.6 * ValueNoise.fractal(noiseSeed, x / brush, y / 1.3, 3)
                        + 0.4 * ValueNoise.fractal(noiseSeed + 1, x / (brush * 0.5), y / 0.7, 2);
                double blotch = ValueNoise.fractal(noiseSeed + 2, x / (n / 3.0), y / (n / 3.0), 3);
                double v = base + 0.07 * streak + 0.05 * blotch + gx * (x - n / 2.0) + gy * (y - n / 2.0);
                for (int c = 0; c < 3; c++) {
                    img[c][y * n + x] = (float) (v * tint[c]);
                }
            }
        }

        // A grid of holes whose position shifts from part to part.
        double spacing = n / 8.0;
        double radius = spacing * 0.22;
        double offX = rnd.nextDouble(0, spacing);
        double offY = rnd.nextDouble(0, spacing);
        List<double[]> holes = new ArrayList<>();
        for (double cy = offY - spacing; cy < n + spacing; cy += spacing) {
            for (double cx = offX - spacing; cx < n + spacing; cx += spacing) {
                holes.add(new double[] {cx + rnd.nextDouble(-0.3, 0.3), cy + rnd.nextDouble(-0.3, 0.3)});
            }
        }
        boolean[] mask = new boolean[n * n];
        if ("misplaced_hole".equals(defect)) {
            misplaceHole(rnd, holes, mask, n, spacing, radius);
        }
        for (double[] h : holes) {
            drawHole(img, n, h[0], h[1], radius);
        }
        if ("scratch".equals(defect)) {
            drawScratch(rnd, img, mask, n);
        } else if ("stain".equals(defect)) {
            drawStain(rnd, noiseSeed, img, mask, n);
        } else if (defect != null && !defect.equals("misplaced_hole")) {
            throw new IllegalArgumentException("unknown defect type " + defect + ", expected one of " + DEFECT_TYPES);
        }

        BufferedImage rgb = new BufferedImage(n, n, BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster r = rgb.getRaster();
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double noise = rnd.nextGaussian() * 0.012;
                for (int c = 0; c < 3; c++) {
                    double v = img[c][y * n + x] + noise + rnd.nextGaussian() * 0.004;
                    r.setSample(x, y, c, (int) Math.round(Math.max(0, Math.min(1, v)) * 255));
                }
            }
        }
        BufferedImage maskImage = null;
        if (defect != null) {
            maskImage = new BufferedImage(n, n, BufferedImage.TYPE_BYTE_GRAY);
            WritableRaster m = maskImage.getRaster();
            for (int i = 0; i < mask.length; i++) {
                m.setSample(i % n, i / n, 0, mask[i] ? 255 : 0);
            }
        }
        return new Sample(rgb, maskImage);
    }

    /** Dark bore with a rim lit from the top left. */
    private static void drawHole(float[][] img, int n, double cx, double cy, double radius) {
        double rim = radius + 1.5;
        int x0 = (int) Math.floor(cx - rim - 1);
        int x1 = (int) Math.ceil(cx + rim + 1);
        int y0 = (int) Math.floor(cy - rim - 1);
        int y1 = (int) Math.ceil(cy + rim + 1);
        for (int y = Math.max(0, y0); y <= Math.min(n - 1, y1); y++) {
            for (int x = Math.max(0, x0); x <= Math.min(n - 1, x1); x++) {
                double dx = x - cx;
                double dy = y - cy;
                double d = Math.hypot(dx, dy);
                if (d <= radius) {
                    double shade = 0.12 + 0.08 * (dy + dx) / (2 * radius);
                    for (int c = 0; c < 3; c++) {
                        img[c][y * n + x] = (float) shade;
                    }
                } else if (d <= rim) {
                    double light = -(dx + dy) / (d * Math.sqrt(2)); // +1 facing the light
                    for (int c = 0; c < 3; c++) {
                        img[c][y * n + x] += (float) (0.18 * light);
                    }
                }
            }
        }
    }

    private static void misplaceHole(SplittableRandom rnd, List<double[]> holes, boolean[] mask, int n,
            double spacing, double radius) {
        List<double[]> inner = holes.stream()
                .filter(h -> h[0] > spacing && h[0] < n - spacing && h[1] > spacing && h[1] < n - spacing)
                .toList();
        double[] h = inner.get(rnd.nextInt(inner.size()));
        double rim = radius + 1.5;
        markDisc(mask, n, h[0], h[1], rim);
        if (rnd.nextBoolean()) {
            holes.remove(h); // missing
        } else {
            double shift = spacing / 2;
            boolean horizontal = rnd.nextBoolean();
            double sign = rnd.nextBoolean() ? 1 : -1;
            h[0] += horizontal ? sign * shift : 0;
            h[1] += horizontal ? 0 : sign * shift;
            markDisc(mask, n, h[0], h[1], rim);
        }
    }

    private static void markDisc(boolean[] mask, int n, double cx, double cy, double r) {
        for (int y = Math.max(0, (int) Math.floor(cy - r)); y <= Math.min(n - 1, (int) Math.ceil(cy + r)); y++) {
            for (int x = Math.max(0, (int) Math.floor(cx - r)); x <= Math.min(n - 1, (int) Math.ceil(cx + r)); x++) {
                if (Math.hypot(x - cx, y - cy) <= r) {
                    mask[y * n + x] = true;
                }
            }
        }
    }

    /** A quadratic Bezier stroke; every pixel within half the width of the curve is painted and masked. */
    private static void drawScratch(SplittableRandom rnd, float[][] img, boolean[] mask, int n) {
        double len = rnd.nextDouble(0.25, 0.6) * n;
        double ang = rnd.nextDouble(0, Math.PI);
        double cx = rnd.nextDouble(0.25, 0.75) * n;
        double cy = rnd.nextDouble(0.25, 0.75) * n;
        double ax = cx - Math.cos(ang) * len / 2;
        double ay = cy - Math.sin(ang) * len / 2;
        double bx = cx + Math.cos(ang) * len / 2;
        double by = cy + Math.sin(ang) * len / 2;
        double bend = rnd.nextDouble(-0.25, 0.25) * len;
        double px = cx - Math.sin(ang) * bend;
        double py = cy + Math.cos(ang) * bend;
        double halfWidth = rnd.nextBoolean() ? 0.5 : 1.0;
        double delta = rnd.nextBoolean() ? 0.22 : -0.22;
        int steps = (int) Math.ceil(len * 4);
        for (int i = 0; i <= steps; i++) {
            double t = (double) i / steps;
            double x = (1 - t) * (1 - t) * ax + 2 * (1 - t) * t * px + t * t * bx;
            double y = (1 - t) * (1 - t) * ay + 2 * (1 - t) * t * py + t * t * by;
            for (int yy = (int) Math.floor(y - 1.5); yy <= (int) Math.ceil(y + 1.5); yy++) {
                for (int xx = (int) Math.floor(x - 1.5); xx <= (int) Math.ceil(x + 1.5); xx++) {
                    if (xx >= 0 && yy >= 0 && xx < n && yy < n && Math.hypot(xx - x, yy - y) <= halfWidth + 0.25) {
                        mask[yy * n + xx] = true;
                    }
                }
            }
        }
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                for (int c = 0; c < 3; c++) {
                    img[c][i] += (float) delta;
                }
            }
        }
    }

    /** An irregular blob: a disc whose radius wobbles with angle, filled with a mottled brown. */
    private static void drawStain(SplittableRandom rnd, long noiseSeed, float[][] img, boolean[] mask, int n) {
        double r0 = rnd.nextDouble(0.05, 0.12) * n;
        double cx = rnd.nextDouble(0.2, 0.8) * n;
        double cy = rnd.nextDouble(0.2, 0.8) * n;
        double[] harmonics = {rnd.nextDouble(0.05, 0.2), rnd.nextDouble(0.05, 0.15), rnd.nextDouble(0.0, 0.1)};
        double[] phases = {rnd.nextDouble(0, 6.3), rnd.nextDouble(0, 6.3), rnd.nextDouble(0, 6.3)};
        double[] colour = {0.78, 0.62, 0.45};
        double strength = rnd.nextDouble(0.7, 1.0);
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double dx = x - cx;
                double dy = y - cy;
                double theta = Math.atan2(dy, dx);
                double r = r0;
                for (int k = 0; k < 3; k++) {
                    r *= 1 + harmonics[k] * Math.sin((k + 2) * theta + phases[k]);
                }
                if (Math.hypot(dx, dy) <= r) {
                    int i = y * n + x;
                    mask[i] = true;
                    double mottle = 0.85 + 0.3 * ValueNoise.fractal(noiseSeed + 5, x / 3.0, y / 3.0, 2);
                    for (int c = 0; c < 3; c++) {
                        double stained = img[c][i] * colour[c] * mottle;
                        img[c][i] = (float) (img[c][i] + strength * (stained - img[c][i]));
                    }
                }
            }
        }
    }

    private static void writePng(BufferedImage image, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer available for " + file);
        }
    }
}
