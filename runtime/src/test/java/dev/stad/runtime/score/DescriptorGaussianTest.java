package dev.stad.runtime.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.io.Json;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DescriptorGaussianTest {
    /** n two-channel descriptors, one per column of a [2, 1, n] map: x = A g, g standard normal, plus (3, -1). */
    private static FloatImage correlated(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] data = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double g0 = rnd.nextGaussian();
            double g1 = rnd.nextGaussian();
            data[i] = (float) (3 + 2 * g0);
            data[n + i] = (float) (-1 + 0.6 * g0 + 0.8 * g1);
        }
        return new FloatImage(2, 1, n, data);
    }

    @Test
    void squaredDistanceAndTheDistanceTermAreTheMahalanobisDistanceUnderTheSampleCovarianceWithItsRidge() {
        int n = 4000;
        FloatImage x = correlated(n, 1);
        DescriptorGaussian.Accumulator acc = new DescriptorGaussian.Accumulator(2, 1);
        acc.add(x);
        DescriptorGaussian g = acc.fit();

        // Independently: the 2x2 sample covariance, the ridge, the closed-form inverse.
        double m0 = 0, m1 = 0;
        for (int i = 0; i < n; i++) {
            m0 += x.data()[i];
            m1 += x.data()[n + i];
        }
        m0 /= n;
        m1 /= n;
        double a = 0, b = 0, d = 0;
        for (int i = 0; i < n; i++) {
            double u = x.data()[i] - m0;
            double v = x.data()[n + i] - m1;
            a += u * u;
            b += u * v;
            d += v * v;
        }
        a /= n;
        b /= n;
        d /= n;
        double ridge = 1e-3 * (a + d) / 2;
        double ra = a + ridge;
        double rd = d + ridge;
        double det = ra * rd - b * b;
        double[][] probes = {{3, -1}, {5, 0.5}, {-2, 2}, {3.2, -0.9}};
        FloatImage probe = new FloatImage(2, 1, probes.length, new float[] {
            (float) probes[0][0], (float) probes[1][0], (float) probes[2][0], (float) probes[3][0],
            (float) probes[0][1], (float) probes[1][1], (float) probes[2][1], (float) probes[3][1]
        });
        float[] calm = g.calm(probe);
        float[] distance = g.distance(probe);
        double expected = (rd * a - 2 * b * b + ra * d) / det; // trace(C^-1 S)
        assertEquals(expected, g.expected(), 1e-6 * expected);
        for (int k = 0; k < probes.length; k++) {
            double u = probes[k][0] - m0;
            double v = probes[k][1] - m1;
            double m2 = (rd * u * u - 2 * b * u * v + ra * v * v) / det;
            assertEquals(m2, g.squaredDistance(probes[k]), 1e-4 * (1 + m2), "probe " + k);
            assertEquals(m2, g.whitenedSquaredNorm(new double[] {u, v}), 1e-4 * (1 + m2), "probe " + k);
            assertEquals(m2, distance[k], 1e-4 * (1 + m2), "distance term, probe " + k);
            double c = Math.max(0, -Math.log((m2 + DescriptorGaussian.EPSILON * expected) / expected));
            assertEquals(c, calm[k], 1e-4, "probe " + k);
        }
    }

    @Test
    void trainingDescriptorsSitAroundTheExpectedDistance() {
        // d = 16 channels of skewed, correlated samples: the expected distance is just under d
        // (the ridge), and many of the samples themselves lie at or beyond it.
        int d = 16;
        int n = 3000;
        SplittableRandom rnd = new SplittableRandom(2);
        double[][] mix = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                mix[i][j] = rnd.nextGaussian();
            }
        }
        float[] data = new float[d * n];
        for (int p = 0; p < n; p++) {
            double[] z = new double[d];
            for (int j = 0; j < d; j++) {
                z[j] = Math.pow(rnd.nextDouble(), 3); // skewed, not Gaussian
            }
            for (int i = 0; i < d; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += mix[i][j] * z[j];
                }
                data[i * n + p] = (float) s;
            }
        }
        FloatImage x = new FloatImage(d, 1, n, data);
        DescriptorGaussian.Accumulator acc = new DescriptorGaussian.Accumulator(d, 1);
        acc.add(x);
        DescriptorGaussian g = acc.fit();
        assertTrue(g.expected() > d - 1 && g.expected() <= d, "expected " + g.expected());
        // The calm term of the samples: 0 for most (at or beyond the expected distance).
        float[] c = g.calm(x);
        int zero = 0;
        for (float v : c) {
            zero += v == 0 ? 1 : 0;
        }
        assertTrue(zero > n / 3, zero + " of " + n + " samples at or beyond the expected distance");
    }

    @Test
    void aDescriptorAtTheMeanIsAsCalmAsItGetsAndAFarOneIsNotCalm() {
        DescriptorGaussian.Accumulator acc = new DescriptorGaussian.Accumulator(2, 1);
        acc.add(correlated(2000, 3));
        DescriptorGaussian g = acc.fit();
        float[] mean = g.mean();
        float[] c = g.calm(new FloatImage(2, 1, 2, new float[] {mean[0], 40, mean[1], 40}));
        assertEquals(-Math.log(DescriptorGaussian.EPSILON), c[0], 1e-3);
        assertEquals(0f, c[1]);
    }

    @Test
    void everyStrideThPositionIsFittedAndTooFewAreRefused() {
        DescriptorGaussian.Accumulator acc = new DescriptorGaussian.Accumulator(2, 3);
        acc.add(new FloatImage(2, 3, 3, new float[18]));
        // One position in 3x3 with stride 3: fewer than the channels.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, acc::fit);
        assertTrue(e.getMessage().contains("found 1"), e.getMessage());
    }

    @Test
    void survivesAJsonRoundTrip() throws Exception {
        DescriptorGaussian.Accumulator acc = new DescriptorGaussian.Accumulator(2, 1);
        acc.add(correlated(100, 4));
        DescriptorGaussian g = acc.fit();
        String json = Json.mapper().writeValueAsString(g);
        assertEquals(g, Json.mapper().readValue(json, DescriptorGaussian.class));
    }
}
