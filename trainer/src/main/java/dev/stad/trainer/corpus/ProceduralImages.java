package dev.stad.trainer.corpus;

import dev.stad.runtime.image.FloatImage;
import dev.stad.trainer.data.GaussianBlur;
import dev.stad.trainer.data.ValueNoise;
import java.util.SplittableRandom;

/**
 * Images drawn by random processes, diverse by construction, for pretraining a teacher without a
 * single photo: spectral noise (isotropic grain to long streaks), dead leaves (occluding shapes,
 * flat or textured), cells, fibres, gratings and plaids, dot lattices, weaves, and mixtures of two
 * of them under a random mask; then blur, contrast, brightness, a lighting gradient and sensor
 * noise, each at random. Baradad et al. (NeurIPS 2021, "Learning to See by Looking at Noise")
 * showed that such processes teach useful low-level features: a teacher pretrained on them knows
 * textures, edges, blur and colour that no particular part shows, which is what lets students
 * trained on good parts fail where a part differs.
 *
 * <p>Every image is a pure function of its seed and size: RGB, channels first, values in [0, 1].
 */
public final class ProceduralImages {
    private static final int KINDS = 8;

    private ProceduralImages() {}

    /** Image {@code seed}, {@code size x size} pixels. */
    public static FloatImage render(long seed, int size) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] img = texture(rnd, size, 0);
        finish(rnd, img, size);
        float[] data = new float[3 * size * size];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < size * size; i++) {
                data[c * size * size + i] = Math.max(0f, Math.min(1f, img[c][i]));
            }
        }
        return new FloatImage(3, size, size, data);
    }

    /** One texture of a random kind; {@code depth} limits nesting (textured shapes, mixtures). */
    private static float[][] texture(SplittableRandom rnd, int n, int depth) {
        int kind = rnd.nextInt(depth == 0 ? KINDS : KINDS - 2);
        return switch (kind) {
            case 0 -> spectral(rnd, n);
            case 1 -> gratings(rnd, n);
            case 2 -> dots(rnd, n);
            case 3 -> fibres(rnd, n, depth);
            case 4 -> cells(rnd, n);
            case 5 -> weave(rnd, n);
            case 6 -> deadLeaves(rnd, n, depth);
            default -> mixture(rnd, n, depth);
        };
    }

    /** Fractal noise with a random spectrum slope, anisotropy and orientation, through a colour ramp. */
    private static float[][] spectral(SplittableRandom rnd, int n) {
        long seed = rnd.nextLong();
        double scale = Math.exp(rnd.nextDouble(Math.log(1.5), Math.log(n / 4.0)));
        double stretch = rnd.nextDouble() < 0.4 ? rnd.nextDouble(2, 12) : 1;
        double angle = rnd.nextDouble(0, Math.PI);
        double persistence = rnd.nextDouble(0.3, 0.8);
        int octaves = 2 + rnd.nextInt(4);
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        float[] v = new float[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double u = (x * cos + y * sin) / scale;
                double w = (-x * sin + y * cos) / (scale * stretch);
                v[y * n + x] = (float) ValueNoise.fractal(seed, u, w, octaves, persistence);
            }
        }
        return ramp(rnd, v);
    }

    /** One or two sinusoidal or square gratings (a plaid), random period and orientation. */
    private static float[][] gratings(SplittableRandom rnd, int n) {
        int count = 1 + rnd.nextInt(2);
        double[] period = new double[count];
        double[] angle = new double[count];
        double[] phase = new double[count];
        for (int k = 0; k < count; k++) {
            period[k] = Math.exp(rnd.nextDouble(Math.log(2.2), Math.log(n / 3.0)));
            angle[k] = rnd.nextDouble(0, Math.PI);
            phase[k] = rnd.nextDouble(0, 2 * Math.PI);
        }
        boolean square = rnd.nextDouble() < 0.3;
        double wobble = rnd.nextDouble() < 0.3 ? rnd.nextDouble(0.5, 3) : 0;
        long seed = rnd.nextLong();
        float[] v = new float[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double s = 0;
                for (int k = 0; k < count; k++) {
                    double t = (x * Math.cos(angle[k]) + y * Math.sin(angle[k])) / period[k] * 2 * Math.PI
                            + phase[k]
                            + wobble * ValueNoise.noise(seed + k, x / 12.0, y / 12.0);
                    double g = Math.sin(t);
                    s += square ? Math.signum(g) : g;
                }
                v[y * n + x] = (float) (s / count);
            }
        }
        return ramp(rnd, v);
    }

    /** A jittered lattice of discs (bright or dark, optionally with a lit rim) on a background texture. */
    private static float[][] dots(SplittableRandom rnd, int n) {
        float[][] img = rnd.nextBoolean() ? flat(rnd, n) : spectral(rnd, n);
        double spacing = rnd.nextDouble(4, n / 4.0);
        double radius = spacing * rnd.nextDouble(0.15, 0.4);
        double angle = rnd.nextDouble(0, Math.PI / 2);
        double jitter = rnd.nextDouble(0, 0.25) * spacing;
        double[] colour = colour(rnd);
        boolean rim = rnd.nextBoolean();
        double ox = rnd.nextDouble(0, spacing);
        double oy = rnd.nextDouble(0, spacing);
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        int m = (int) Math.ceil(1.5 * n / spacing) + 2;
        for (int i = -m; i <= m; i++) {
            for (int j = -m; j <= m; j++) {
                double gx = i * spacing + ox + rnd.nextDouble(-1, 1) * jitter;
                double gy = j * spacing + oy + rnd.nextDouble(-1, 1) * jitter;
                double cx = n / 2.0 + gx * cos - gy * sin;
                double cy = n / 2.0 + gx * sin + gy * cos;
                if (cx < -radius - 2 || cy < -radius - 2 || cx > n + radius + 2 || cy > n + radius + 2) {
                    continue;
                }
                disc(img, n, cx, cy, radius, colour, rim ? 0.15 : 0);
            }
        }
        return img;
    }

    /** Random curves of random widths over a background: hair, grass, fabric, cracks. */
    private static float[][] fibres(SplittableRandom rnd, int n, int depth) {
        float[][] img = depth < 1 && rnd.nextDouble() < 0.3 ? texture(rnd, n, depth + 1) : flat(rnd, n);
        int count = 5 + rnd.nextInt(Math.max(6, n));
        double direction = rnd.nextDouble(0, Math.PI);
        double spread = rnd.nextDouble() < 0.5 ? rnd.nextDouble(0.05, 0.5) : Math.PI;
        double[] base = colour(rnd);
        for (int k = 0; k < count; k++) {
            double len = rnd.nextDouble(0.1, 1.0) * n;
            double ang = direction + rnd.nextDouble(-spread, spread);
            double cx = rnd.nextDouble(-0.1, 1.1) * n;
            double cy = rnd.nextDouble(-0.1, 1.1) * n;
            double bend = rnd.nextDouble(-0.3, 0.3) * len;
            double width = Math.exp(rnd.nextDouble(Math.log(0.4), Math.log(3)));
            double[] c = jitterColour(rnd, base, 0.25);
            double ax = cx - Math.cos(ang) * len / 2;
            double ay = cy - Math.sin(ang) * len / 2;
            double bx = cx + Math.cos(ang) * len / 2;
            double by = cy + Math.sin(ang) * len / 2;
            double px = cx - Math.sin(ang) * bend;
            double py = cy + Math.cos(ang) * bend;
            int steps = (int) Math.ceil(len * 2) + 1;
            for (int s = 0; s <= steps; s++) {
                double t = (double) s / steps;
                double x = (1 - t) * (1 - t) * ax + 2 * (1 - t) * t * px + t * t * bx;
                double y = (1 - t) * (1 - t) * ay + 2 * (1 - t) * t * py + t * t * by;
                disc(img, n, x, y, width / 2, c, 0);
            }
        }
        return img;
    }

    /** Voronoi cells: per-cell colours near a base, darker or lighter borders, optional shading. */
    private static float[][] cells(SplittableRandom rnd, int n) {
        int count = 4 + rnd.nextInt(Math.max(5, n * n / 40));
        double[] px = new double[count];
        double[] py = new double[count];
        double[][] cc = new double[count][];
        double[] base = colour(rnd);
        double variation = rnd.nextDouble(0.05, 0.5);
        for (int k = 0; k < count; k++) {
            px[k] = rnd.nextDouble(0, n);
            py[k] = rnd.nextDouble(0, n);
            cc[k] = jitterColour(rnd, base, variation);
        }
        double border = rnd.nextDouble(0, 2.5);
        double borderShade = rnd.nextDouble(-0.5, 0.5);
        double shading = rnd.nextDouble() < 0.4 ? rnd.nextDouble(0.005, 0.04) : 0;
        float[][] img = new float[3][n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double d1 = Double.MAX_VALUE;
                double d2 = Double.MAX_VALUE;
                int best = 0;
                for (int k = 0; k < count; k++) {
                    double d = Math.hypot(x - px[k], y - py[k]);
                    if (d < d1) {
                        d2 = d1;
                        d1 = d;
                        best = k;
                    } else if (d < d2) {
                        d2 = d;
                    }
                }
                double edge = (d2 - d1) / 2 < border ? borderShade : 0;
                double shade = -shading * d1;
                for (int c = 0; c < 3; c++) {
                    img[c][y * n + x] = (float) (cc[best][c] + edge + shade);
                }
            }
        }
        return img;
    }

    /** Two orthogonal sets of bands passing over and under each other. */
    private static float[][] weave(SplittableRandom rnd, int n) {
        double period = rnd.nextDouble(3, n / 6.0);
        double fill = rnd.nextDouble(0.5, 0.95);
        double angle = rnd.nextBoolean() ? 0 : rnd.nextDouble(0, Math.PI / 2);
        double[] warp = colour(rnd);
        double[] weft = rnd.nextBoolean() ? warp : colour(rnd);
        double[] gap = jitterColour(rnd, warp, 0.4);
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        float[][] img = new float[3][n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double u = (x * cos + y * sin) / period;
                double v = (-x * sin + y * cos) / period;
                int iu = (int) Math.floor(u);
                int iv = (int) Math.floor(v);
                double fu = u - iu;
                double fv = v - iv;
                boolean inU = Math.abs(fu - 0.5) < fill / 2;
                boolean inV = Math.abs(fv - 0.5) < fill / 2;
                boolean uOnTop = ((iu + iv) & 1) == 0;
                double[] c;
                double shade;
                if (inU && (!inV || uOnTop)) {
                    c = warp;
                    shade = 0.15 * Math.cos((fu - 0.5) * Math.PI);
                } else if (inV) {
                    c = weft;
                    shade = 0.15 * Math.cos((fv - 0.5) * Math.PI);
                } else {
                    c = gap;
                    shade = -0.1;
                }
                for (int ch = 0; ch < 3; ch++) {
                    img[ch][y * n + x] = (float) (c[ch] + shade);
                }
            }
        }
        return img;
    }

    /** Occluding shapes with power-law sizes, each flat-coloured or filled with another texture. */
    private static float[][] deadLeaves(SplittableRandom rnd, int n, int depth) {
        float[][] img = flat(rnd, n);
        int count = 150 + rnd.nextInt(450);
        double rMin = rnd.nextDouble(2, 6);
        double rMax = n * rnd.nextDouble(0.1, 0.4);
        for (int k = 0; k < count; k++) {
            // r with density ~ r^-3 between rMin and rMax (scale-invariant dead leaves).
            double u = rnd.nextDouble();
            double r = 1 / Math.sqrt(1 / (rMin * rMin) - u * (1 / (rMin * rMin) - 1 / (rMax * rMax)));
            double cx = rnd.nextDouble(-r, n + r);
            double cy = rnd.nextDouble(-r, n + r);
            boolean textured = depth < 1 && r > n / 10.0 && rnd.nextDouble() < 0.3;
            float[][] fill = textured ? texture(rnd, n, depth + 1) : null;
            double[] c = colour(rnd);
            boolean square = rnd.nextBoolean();
            double angle = rnd.nextDouble(0, Math.PI);
            double aspect = rnd.nextDouble(0.4, 1);
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            int x0 = (int) Math.max(0, Math.floor(cx - r));
            int x1 = (int) Math.min(n - 1, Math.ceil(cx + r));
            int y0 = (int) Math.max(0, Math.floor(cy - r));
            int y1 = (int) Math.min(n - 1, Math.ceil(cy + r));
            for (int y = y0; y <= y1; y++) {
                for (int x = x0; x <= x1; x++) {
                    double dx = x - cx;
                    double dy = y - cy;
                    double a = (dx * cos + dy * sin) / r;
                    double b = (-dx * sin + dy * cos) / (r * aspect);
                    boolean in = square ? Math.abs(a) <= 1 && Math.abs(b) <= 1 : a * a + b * b <= 1;
                    if (in) {
                        for (int ch = 0; ch < 3; ch++) {
                            img[ch][y * n + x] = fill != null ? fill[ch][y * n + x] : (float) c[ch];
                        }
                    }
                }
            }
        }
        return img;
    }

    /** Two textures under a smooth random mask, with sharp or soft boundaries. */
    private static float[][] mixture(SplittableRandom rnd, int n, int depth) {
        float[][] a = texture(rnd, n, depth + 1);
        float[][] b = texture(rnd, n, depth + 1);
        long seed = rnd.nextLong();
        double scale = rnd.nextDouble(n / 8.0, n / 2.0);
        double softness = rnd.nextBoolean() ? 0.01 : rnd.nextDouble(0.05, 0.3);
        double level = rnd.nextDouble(-0.3, 0.3);
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double m = (ValueNoise.fractal(seed, x / scale, y / scale, 3, 0.5) - level) / softness;
                float w = (float) (1 / (1 + Math.exp(-m)));
                for (int c = 0; c < 3; c++) {
                    a[c][y * n + x] = w * a[c][y * n + x] + (1 - w) * b[c][y * n + x];
                }
            }
        }
        return a;
    }

    /** Blur, contrast, brightness, a lighting gradient and sensor noise, each at random. */
    private static void finish(SplittableRandom rnd, float[][] img, int n) {
        if (rnd.nextDouble() < 0.3) {
            double sigma = rnd.nextDouble(0.5, 2.5);
            for (int c = 0; c < 3; c++) {
                img[c] = GaussianBlur.blur(img[c], n, sigma);
            }
        }
        double contrast = Math.exp(rnd.nextDouble(Math.log(0.3), Math.log(1.5)));
        double brightness = rnd.nextDouble(-0.15, 0.15);
        double angle = rnd.nextDouble(0, 2 * Math.PI);
        double ramp = rnd.nextDouble() < 0.5 ? rnd.nextDouble(0, 0.3) / n : 0;
        double noise = rnd.nextDouble() < 0.6 ? rnd.nextDouble(0, 0.04) : 0;
        double[] mean = new double[3];
        for (int c = 0; c < 3; c++) {
            double s = 0;
            for (float v : img[c]) {
                s += v;
            }
            mean[c] = s / img[c].length;
        }
        double gx = Math.cos(angle) * ramp;
        double gy = Math.sin(angle) * ramp;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double light = brightness + gx * (x - n / 2.0) + gy * (y - n / 2.0);
                double grain = noise * rnd.nextGaussian();
                for (int c = 0; c < 3; c++) {
                    int i = y * n + x;
                    img[c][i] = (float) (mean[c]
                            + (img[c][i] - mean[c]) * contrast
                            + light
                            + grain
                            + noise * 0.3 * rnd.nextGaussian());
                }
            }
        }
    }

    private static float[][] flat(SplittableRandom rnd, int n) {
        double[] c = colour(rnd);
        float[][] img = new float[3][n * n];
        for (int ch = 0; ch < 3; ch++) {
            java.util.Arrays.fill(img[ch], (float) c[ch]);
        }
        return img;
    }

    /** A scalar field in any range mapped through a random two- or three-colour ramp. */
    private static float[][] ramp(SplittableRandom rnd, float[] v) {
        float lo = Float.MAX_VALUE;
        float hi = -Float.MAX_VALUE;
        for (float f : v) {
            lo = Math.min(lo, f);
            hi = Math.max(hi, f);
        }
        double[] a = colour(rnd);
        double[] b = rnd.nextDouble() < 0.5 ? jitterColour(rnd, a, rnd.nextDouble(0.1, 0.6)) : colour(rnd);
        double gamma = Math.exp(rnd.nextDouble(-0.7, 0.7));
        float[][] img = new float[3][v.length];
        for (int i = 0; i < v.length; i++) {
            double t = hi > lo ? Math.pow((v[i] - lo) / (hi - lo), gamma) : 0.5;
            for (int c = 0; c < 3; c++) {
                img[c][i] = (float) (a[c] + t * (b[c] - a[c]));
            }
        }
        return img;
    }

    /** A random colour: mostly muted (greys, metals, earth tones), sometimes saturated. */
    private static double[] colour(SplittableRandom rnd) {
        double grey = rnd.nextDouble(0.05, 0.95);
        double saturation = rnd.nextDouble() < 0.7 ? rnd.nextDouble(0, 0.15) : rnd.nextDouble(0.15, 0.6);
        double[] c = new double[3];
        for (int k = 0; k < 3; k++) {
            c[k] = grey + saturation * rnd.nextDouble(-1, 1);
        }
        return c;
    }

    private static double[] jitterColour(SplittableRandom rnd, double[] base, double amount) {
        double shift = rnd.nextDouble(-amount, amount);
        double[] c = new double[3];
        for (int k = 0; k < 3; k++) {
            c[k] = base[k] + shift + rnd.nextDouble(-amount, amount) * 0.3;
        }
        return c;
    }

    /** Paints a disc; with {@code rim} > 0 its edge is lit from the top left. */
    private static void disc(float[][] img, int n, double cx, double cy, double r, double[] colour, double rim) {
        double outer = r + (rim > 0 ? 1.5 : 0.5);
        int x0 = (int) Math.max(0, Math.floor(cx - outer));
        int x1 = (int) Math.min(n - 1, Math.ceil(cx + outer));
        int y0 = (int) Math.max(0, Math.floor(cy - outer));
        int y1 = (int) Math.min(n - 1, Math.ceil(cy + outer));
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double dx = x - cx;
                double dy = y - cy;
                double d = Math.hypot(dx, dy);
                int i = y * n + x;
                if (d <= r) {
                    for (int c = 0; c < 3; c++) {
                        img[c][i] = (float) colour[c];
                    }
                } else if (rim > 0 && d <= outer) {
                    double light = -(dx + dy) / (d * Math.sqrt(2));
                    for (int c = 0; c < 3; c++) {
                        img[c][i] += (float) (rim * light);
                    }
                } else if (d <= r + 0.5) {
                    float w = (float) (r + 0.5 - d);
                    for (int c = 0; c < 3; c++) {
                        img[c][i] = w * (float) colour[c] + (1 - w) * img[c][i];
                    }
                }
            }
        }
    }
}
