package dev.stad.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stad.runtime.image.FloatImage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExposureTest {
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

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
            FloatImage expected = new FloatImage(3, h, w, brighter).standardize(MEAN, STD);
            FloatImage actual = StudentTrainer.exposed(raw.standardize(MEAN, STD), gain, MEAN, STD);
            for (int i = 0; i < pixels.length; i++) {
                assertEquals(expected.data()[i], actual.data()[i], 1e-5, "gain " + gain + ", value " + i);
            }
        }
    }
}
