package dev.stad.bench.realset;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.Resampler;
import dev.stad.trainer.data.Blobs;
import dev.stad.trainer.data.GaussianBlur;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The defects of the real-photo set, painted into a square RGB crop in place; each returns its
 * exact mask (the pixels it changed the meaning of). Areal defects are irregular blobs 10 to 18
 * pixels in radius at 128 pixels (scaled with the crop), centred anywhere in the middle 70% of
 * the image:
 *
 * <ul>
 *   <li>{@code foreign_busier} / {@code foreign_calmer}: a patch of another category's photo,
 *       shifted to the blob's own mean colour, whose texture is busier (mean gradient at least
 *       1.4 times the crop's) or calmer (at most 0.7 times) than the part's; where no donor
 *       qualifies, the busiest or calmest one;
 *   <li>{@code blur}: the blob blurred (Gaussian, sigma 2 to 4 px): a smudge;
 *   <li>{@code fade}: the blob's contrast pulled to 20-40% around its local mean;
 *   <li>{@code hole}: a small dark spot (radius 4 to 8 px) keeping a trace of the texture;
 *   <li>{@code scratch}: a thin (1-2 px) curved line, darker on a bright part, brighter on a dark one;
 *   <li>{@code stain}: the blob tinted towards a colour (brown, rust, blue or violet), texture kept.
 * </ul>
 */
public final class PhotoDefects {
    /** Defect folder names under {@code test/} and {@code ground_truth/}, in the order they are written. */
    public static final List<String> TYPES =
            List.of("foreign_busier", "foreign_calmer", "blur", "fade", "hole", "scratch", "stain");

    /** Donor candidates drawn per foreign-texture defect, one crop from each other photo per round. */
    static final int DONOR_ROUNDS = 2;

    private static final double[][] STAIN_COLOURS = {
        {0.80, 0.60, 0.42}, {0.95, 0.55, 0.35}, {0.60, 0.70, 0.98}, {0.80, 0.55, 0.90}
    };

    private PhotoDefects() {}

    /** Paints defect {@code type} into {@code img} and returns its mask (row-major, the image's size). */
    static boolean[] paint(String type, FloatImage img, List<RealPhotoSet.Photo> donors, SplittableRandom rnd) {
        if (img.channels() != 3 || img.width() != img.height()) {
            throw new IllegalArgumentException("defects are painted on square RGB crops, found " + img);
        }
        int n = img.width();
        return switch (type) {
            case "foreign_busier" -> foreign(img, donors, rnd, true);
            case "foreign_calmer" -> foreign(img, donors, rnd, false);
            case "blur" -> smooth(img, blob(rnd, n, 0.08, 0.14), rnd.nextDouble(2, 4), 0);
            case "fade" -> smooth(img, blob(rnd, n, 0.08, 0.14), 6, rnd.nextDouble(0.2, 0.4));
            case "hole" -> hole(img, rnd);
            case "scratch" -> scratch(img, rnd);
            case "stain" -> stain(img, rnd);
            default -> throw new IllegalArgumentException("unknown defect type " + type + ", expected one of " + TYPES);
        };
    }

    private static boolean[] blob(SplittableRandom rnd, int n, double minRadius, double maxRadius) {
        return Blobs.wobbly(
                rnd,
                n,
                rnd.nextDouble(0.15, 0.85) * n,
                rnd.nextDouble(0.15, 0.85) * n,
                rnd.nextDouble(minRadius, maxRadius) * n);
    }

    /** Mean absolute difference of horizontally and vertically adjacent grey values: how busy a texture is. */
    static double busyness(FloatImage img) {
        int n = img.width();
        int h = img.height();
        float[] d = img.data();
        int plane = n * h;
        double sum = 0;
        long count = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < n; x++) {
                int i = y * n + x;
                double g = (d[i] + d[plane + i] + d[2 * plane + i]) / 3;
                if (x + 1 < n) {
                    sum += Math.abs(g - (d[i + 1] + d[plane + i + 1] + d[2 * plane + i + 1]) / 3);
                    count++;
                }
                if (y + 1 < h) {
                    sum += Math.abs(g - (d[i + n] + d[plane + i + n] + d[2 * plane + i + n]) / 3);
                    count++;
                }
            }
        }
        return count == 0 ? 0 : sum / count;
    }

    private static boolean[] foreign(
            FloatImage img, List<RealPhotoSet.Photo> donors, SplittableRandom rnd, boolean busier) {
        if (donors.isEmpty()) {
            throw new IllegalArgumentException("a foreign texture needs at least one other photo to take it from");
        }
        int n = img.width();
        double own = busyness(img);
        record Candidate(FloatImage crop, double busyness) {}
        List<Candidate> candidates = new ArrayList<>();
        for (int round = 0; round < DONOR_ROUNDS; round++) {
            for (RealPhotoSet.Photo d : donors) {
                RealPhotoSet.Region whole = new RealPhotoSet.Region(0, 0, d.width(), d.height());
                FloatImage crop = d.crop(rnd, whole, Math.min(n, Math.min(d.width(), d.height())));
                if (crop.width() < n) {
                    crop = Resampler.resize(crop, n, n);
                }
                candidates.add(new Candidate(crop, busyness(crop)));
            }
        }
        List<Candidate> qualifying = candidates.stream()
                .filter(c -> busier ? c.busyness() >= 1.4 * own : c.busyness() <= 0.7 * own)
                .toList();
        Candidate chosen = qualifying.isEmpty()
                ? candidates.stream()
                        .max(
                                busier
                                        ? Comparator.comparingDouble(Candidate::busyness)
                                        : Comparator.comparingDouble(Candidate::busyness)
                                                .reversed())
                        .orElseThrow()
                : qualifying.get(rnd.nextInt(qualifying.size()));
        boolean[] region = blob(rnd, n, 0.08, 0.14);
        float[] dst = img.data();
        float[] src = chosen.crop().data();
        int plane = n * n;
        for (int c = 0; c < 3; c++) {
            double own0 = 0;
            double donor0 = 0;
            int count = 0;
            for (int i = 0; i < plane; i++) {
                if (region[i]) {
                    own0 += dst[c * plane + i];
                    donor0 += src[c * plane + i];
                    count++;
                }
            }
            double shift = (own0 - donor0) / Math.max(1, count);
            for (int i = 0; i < plane; i++) {
                if (region[i]) {
                    dst[c * plane + i] = clamp(src[c * plane + i] + shift);
                }
            }
        }
        return region;
    }

    /** {@code keep} 0: the blob replaced by its blur; else its detail around the blur scaled by {@code keep}. */
    private static boolean[] smooth(FloatImage img, boolean[] region, double sigma, double keep) {
        int n = img.width();
        int plane = n * n;
        float[] d = img.data();
        for (int c = 0; c < 3; c++) {
            float[] own = new float[plane];
            System.arraycopy(d, c * plane, own, 0, plane);
            float[] calm = GaussianBlur.calmer(own, n, sigma, keep);
            for (int i = 0; i < plane; i++) {
                if (region[i]) {
                    d[c * plane + i] = calm[i];
                }
            }
        }
        return region;
    }

    private static boolean[] hole(FloatImage img, SplittableRandom rnd) {
        int n = img.width();
        double scale = n / 128.0;
        boolean[] region = Blobs.wobbly(
                rnd, n, rnd.nextDouble(0.15, 0.85) * n, rnd.nextDouble(0.15, 0.85) * n, rnd.nextDouble(4, 8) * scale);
        double depth = rnd.nextDouble(0.1, 0.25);
        float[] d = img.data();
        int plane = n * n;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                if (region[i]) {
                    d[c * plane + i] = (float) (0.04 + depth * d[c * plane + i]);
                }
            }
        }
        return region;
    }

    private static boolean[] scratch(FloatImage img, SplittableRandom rnd) {
        int n = img.width();
        boolean[] mask = Blobs.scratch(rnd, n);
        float[] d = img.data();
        int plane = n * n;
        double mean = 0;
        int count = 0;
        for (int i = 0; i < plane; i++) {
            if (mask[i]) {
                mean += (d[i] + d[plane + i] + d[2 * plane + i]) / 3;
                count++;
            }
        }
        mean /= Math.max(1, count);
        boolean darker = mean > 0.6 || (mean >= 0.4 && rnd.nextBoolean());
        double delta = (darker ? -1 : 1) * rnd.nextDouble(0.2, 0.3);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                if (mask[i]) {
                    d[c * plane + i] = clamp(d[c * plane + i] + delta);
                }
            }
        }
        return mask;
    }

    private static boolean[] stain(FloatImage img, SplittableRandom rnd) {
        int n = img.width();
        boolean[] region = blob(rnd, n, 0.08, 0.14);
        double[] colour = STAIN_COLOURS[rnd.nextInt(STAIN_COLOURS.length)];
        double strength = rnd.nextDouble(0.5, 0.8);
        float[] d = img.data();
        int plane = n * n;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                if (region[i]) {
                    double v = d[c * plane + i];
                    d[c * plane + i] = clamp(v + strength * (v * colour[c] - v));
                }
            }
        }
        return region;
    }

    private static float clamp(double v) {
        return (float) Math.max(0, Math.min(1, v));
    }
}
