package dev.stad.runtime.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ResamplerTest {

    private static FloatImage random(int c, int h, int w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] d = new float[c * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextDouble();
        }
        return new FloatImage(c, h, w, d);
    }

    @Test
    void sameSizeIsAnExactCopy() {
        FloatImage img = random(3, 5, 7, 1);
        FloatImage out = Resampler.resize(img, 5, 7);
        assertArrayEquals(img.data(), out.data(), 0f);
    }

    @Test
    void halvingAveragesWithTriangleWeights() {
        // Independent computation: shrinking by 2 with a triangle filter of support 2 gives taps
        // [1, 3, 3, 1] / 8 around each output pixel (clipped and renormalised at the edges).
        FloatImage img = random(1, 1, 8, 2);
        FloatImage out = Resampler.resize(img, 1, 4);
        float[] x = img.data();
        float[] expected = new float[4];
        for (int i = 0; i < 4; i++) {
            double sum = 0;
            double wsum = 0;
            double[] taps = {1, 3, 3, 1};
            for (int k = 0; k < 4; k++) {
                int j = 2 * i - 1 + k;
                if (j >= 0 && j < 8) {
                    sum += taps[k] * x[j];
                    wsum += taps[k];
                }
            }
            expected[i] = (float) (sum / wsum);
        }
        assertArrayEquals(expected, out.data(), 1e-6f);
    }

    @Test
    void constantImagesStayConstantAtAnySize() {
        float[] d = new float[3 * 9 * 13];
        java.util.Arrays.fill(d, 0.25f);
        FloatImage img = new FloatImage(3, 9, 13, d);
        for (int[] size : new int[][] {{4, 4}, {20, 31}, {9, 5}}) {
            FloatImage out = Resampler.resize(img, size[0], size[1]);
            for (float v : out.data()) {
                assertEquals(0.25f, v, 1e-6f);
            }
        }
    }

    @Test
    void doublingInterpolatesBetweenNeighbours() {
        FloatImage img = new FloatImage(1, 1, 2, new float[] {0f, 1f});
        FloatImage out = Resampler.resize(img, 1, 4);
        // Output centres at 0.25, 0.75, 1.25, 1.75 in input pixels (centres 0.5 and 1.5).
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 1f}, out.data(), 1e-6f);
    }
}
