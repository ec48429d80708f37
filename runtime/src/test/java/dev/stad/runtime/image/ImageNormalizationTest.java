package dev.stad.runtime.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImageNormalizationTest {

    private static final Preprocessing OWN = Preprocessing.imagenet(48, 40).normalizedBy(Normalization.IMAGE);

    /** A colour texture: per-channel base levels plus smooth and fine variation, inside (0.1, 0.7). */
    private static FloatImage texture(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int h = 40;
        int w = 48;
        float[] base = {0.4f, 0.3f, 0.25f};
        float[] px = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = (float) (0.08 * Math.sin(x * 0.7) * Math.cos(y * 0.4) + 0.05 * rnd.nextGaussian());
                for (int c = 0; c < 3; c++) {
                    px[(c * h + y) * w + x] = base[c] + v * (1 + 0.2f * c);
                }
            }
        }
        return new FloatImage(3, h, w, px);
    }

    private static FloatImage lit(FloatImage img, float gain, float[] offset) {
        float[] out = img.data().clone();
        int plane = img.height() * img.width();
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i] * gain + offset[i / plane];
        }
        return new FloatImage(3, img.height(), img.width(), out);
    }

    private static double maxDifference(FloatImage a, FloatImage b) {
        double d = 0;
        for (int i = 0; i < a.data().length; i++) {
            d = Math.max(d, Math.abs(a.data()[i] - b.data()[i]));
        }
        return d;
    }

    @Test
    void aBrightnessChangeOrColourCastOverTheWholeImageCancelsAndAGainScalesTheTextureOnly() {
        FloatImage img = texture(1);
        FloatImage reference = OWN.apply(img);
        FloatImage cast = OWN.apply(lit(img, 1f, new float[] {0.05f, -0.02f, 0.1f}));
        // The median comes from a 4096-bin histogram: a 0.0003 step, over a std near 0.22.
        assertTrue(maxDifference(reference, cast) < 2e-3, "per-channel offset: " + maxDifference(reference, cast));
        FloatImage fixed = Preprocessing.imagenet(48, 40).apply(lit(img, 1f, new float[] {0.05f, -0.02f, 0.1f}));
        assertTrue(
                maxDifference(Preprocessing.imagenet(48, 40).apply(img), fixed) > 0.2,
                "with the dataset's statistics the same change reaches the networks");
        // 5% more light: the medians' shift cancels, the texture's contrast grows by 5%.
        FloatImage brighter = OWN.apply(lit(img, 1.05f, new float[] {0f, 0f, 0f}));
        for (int i = 0; i < reference.data().length; i++) {
            assertEquals(1.05f * reference.data()[i], brighter.data()[i], 3e-3f, "pixel " + i);
        }
    }

    @Test
    void aDarkDefectOverATenthOfTheImageMovesTheRestLessThanAMeanWould() {
        FloatImage img = texture(2);
        FloatImage holed = img.crop(0, 0, img.height(), img.width());
        int h = img.height();
        int w = img.width();
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 12; y++) {
                for (int x = 0; x < 16; x++) {
                    holed.set(c, y, x, 0.02f);
                }
            }
        }
        FloatImage a = OWN.apply(img);
        FloatImage b = OWN.apply(holed);
        float[] std = Preprocessing.IMAGENET_STD;
        FloatImage meanA = img.standardize(means(img), std);
        FloatImage meanB = holed.standardize(means(holed), std);
        double worst = 0;
        double worstMean = 0;
        for (int c = 0; c < 3; c++) {
            for (int y = 12; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    worst = Math.max(worst, Math.abs(a.get(c, y, x) - b.get(c, y, x)));
                    worstMean = Math.max(worstMean, Math.abs(meanA.get(c, y, x) - meanB.get(c, y, x)));
                }
            }
        }
        assertTrue(
                worst < worstMean / 2,
                "good pixels moved by " + worst + ", by " + worstMean + " centred on the image's mean");
        assertTrue(b.get(0, 0, 0) < a.get(0, 0, 0) - 1, "the hole stays far below the texture");
    }

    /** The non-robust alternative, computed independently: each channel's mean. */
    private static float[] means(FloatImage img) {
        int plane = img.height() * img.width();
        float[] mean = new float[3];
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                sum += img.data()[i];
            }
            mean[c] = (float) (sum / plane);
        }
        return mean;
    }

    @Test
    void mediansOfKnownValues() {
        int n = 10_000;
        float[] px = new float[3 * n];
        for (int i = 0; i < n; i++) {
            float v = (i + 0.5f) / n;
            px[i] = v;
            px[n + i] = 0.5f * v;
            px[2 * n + i] = v < 0.3f ? 0.9f : 0.25f + 0.5f * v;
        }
        ImageStatistics s = ImageStatistics.of(new FloatImage(3, 100, 100, px));
        // The third channel: 30% at 0.9, the rest 0.4 to 0.75; its median is the value 0.8 of the way up.
        assertArrayEquals(new float[] {0.5f, 0.25f, 0.25f + 0.5f * 0.8f}, s.median(), 1e-3f);
        FloatImage flat = new FloatImage(3, 4, 4, new float[48]);
        java.util.Arrays.fill(flat.data(), 0.5f);
        for (float v : OWN.apply(flat).data()) {
            assertEquals(0f, v, 2e-3f, "a flat image is centred on itself");
        }
    }

    @Test
    void theChoiceSurvivesJsonAndOldManifestsReadAsDataset() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String text = json.writeValueAsString(OWN);
        assertTrue(text.contains("\"normalization\":\"image\""), text);
        assertEquals(OWN, json.readValue(text, Preprocessing.class));
        String dataset = json.writeValueAsString(Preprocessing.imagenet(8, 6));
        assertFalse(dataset.contains("normalization"), "written as before the field existed: " + dataset);
        assertEquals(
                Normalization.DATASET,
                json.readValue("{\"width\": 8, \"height\": 6}", Preprocessing.class)
                        .normalization());
        assertEquals(Normalization.IMAGE, OWN.asNative(0.5).normalization(), "kept when the mode changes");
        assertEquals(Normalization.IMAGE, OWN.resizedTo(8, 8).normalization());
    }
}
