package dev.stad.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.Normalization;
import dev.stad.runtime.image.Preprocessing;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExposureTest {
    private static final Preprocessing DATASET = Preprocessing.imagenet(7, 5);

    @Test
    void anExposedWindowIsTheNormalisationOfThePixelsTimesTheGain() {
        SplittableRandom rnd = new SplittableRandom(3);
        int h = 5;
        int w = 7;
        float[] pixels = new float[3 * h * w];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) rnd.nextDouble();
        }
        FloatImage raw = new FloatImage(3, h, w, pixels);
        for (double gain : new double[] {0.9, 1.0, 1.07}) {
            float[] brighter = new float[pixels.length];
            for (int i = 0; i < pixels.length; i++) {
                brighter[i] = (float) (gain * pixels[i]);
            }
            for (Preprocessing pre : new Preprocessing[] {DATASET, DATASET.normalizedBy(Normalization.IMAGE)}) {
                FloatImage expected = pre.apply(new FloatImage(3, h, w, brighter));
                FloatImage actual = StudentTrainer.exposed(pre.apply(raw), gain, pre);
                for (int i = 0; i < pixels.length; i++) {
                    // The image's medians come from a 4096-bin histogram: 1e-3 after the std.
                    assertEquals(
                            expected.data()[i],
                            actual.data()[i],
                            pre.normalization() == Normalization.IMAGE ? 2e-3 : 1e-5,
                            pre.normalization().id() + ", gain " + gain + ", value " + i);
                }
            }
        }
    }
}
