package dev.stad.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.config.PretrainConfig;
import dev.stad.trainer.model.Djl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Negatives made from the anchor's own window, blurred or faded (teacher.pretrain.degradedNegatives). */
class DegradedNegativesTest {
    @Test
    void aCalmerWindowKeepsItsMeanAndLosesMostOfItsDetail() {
        SplittableRandom noise = new SplittableRandom(3);
        for (long seed = 0; seed < 6; seed++) {
            FloatImage w = random(noise, 24);
            double mean = mean(w);
            double detail = detail(w);
            FloatImage calm =
                    TeacherPretrainer.calmer(new FloatImage(3, 24, 24, w.data().clone()), new SplittableRandom(seed));
            assertEquals(mean, mean(calm), 0.05, "seed " + seed);
            assertTrue(detail(calm) < 0.6 * detail, "seed " + seed + ": detail " + detail + " -> " + detail(calm));
        }
    }

    @Test
    void pretrainingWithOnlyDegradedNegativesStaysFinite(@TempDir Path dir) throws Exception {
        NetworkSpec spec = new NetworkSpec("t7", List.of(Layer.conv(16, 3), Layer.conv(32, 3), Layer.conv(16, 3)));
        PretrainConfig config =
                new PretrainConfig(12, 2, 6, 1e-3, 1e-5, 1.0, 1.0, 2, 0.1, 0.05, null, null, null, null, null, 1.0);
        SplittableRandom rnd = new SplittableRandom(5);
        List<FloatImage> images = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            images.add(random(rnd, 20));
        }
        try (NDManager m = Djl.newManager()) {
            TeacherPretrainer.Result r = new TeacherPretrainer(
                            spec, config, new float[] {0.229f, 0.224f, 0.225f}, 7, Progress.silent())
                    .train(m, images, dir.resolve("teacher.partial"));
            assertEquals(12, r.steps());
            assertTrue(Double.isFinite(r.firstLoss()) && Double.isFinite(r.lastLoss()), r.toString());
        }
    }

    private static FloatImage random(SplittableRandom rnd, int n) {
        float[] d = new float[3 * n * n];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return new FloatImage(3, n, n, d);
    }

    private static double mean(FloatImage im) {
        double s = 0;
        for (float v : im.data()) {
            s += v;
        }
        return s / im.data().length;
    }

    /** Mean absolute difference of horizontal neighbours. */
    private static double detail(FloatImage im) {
        int n = im.width();
        double s = 0;
        int count = 0;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < n; y++) {
                for (int x = 0; x + 1 < n; x++) {
                    s += Math.abs(im.get(c, y, x) - im.get(c, y, x + 1));
                    count++;
                }
            }
        }
        return s / count;
    }
}
