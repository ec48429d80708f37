package dev.stad.trainer.data;

/** Smooth lattice noise in [-1, 1], a pure function of (seed, x, y): no state, no Random. */
public final class ValueNoise {
    private ValueNoise() {}

    /** Sum of {@code octaves} noise layers, each at twice the frequency and half the amplitude. */
    public static double fractal(long seed, double x, double y, int octaves) {
        return fractal(seed, x, y, octaves, 0.5);
    }

    /** As above, each octave at {@code persistence} times the amplitude of the one before. */
    public static double fractal(long seed, double x, double y, int octaves, double persistence) {
        double sum = 0;
        double amp = 1;
        double norm = 0;
        for (int o = 0; o < octaves; o++) {
            sum += amp * noise(seed + o * 1013, x, y);
            norm += amp;
            amp *= persistence;
            x *= 2;
            y *= 2;
        }
        return sum / norm;
    }

    public static double noise(long seed, double x, double y) {
        long ix = (long) Math.floor(x);
        long iy = (long) Math.floor(y);
        double fx = smooth(x - ix);
        double fy = smooth(y - iy);
        double a = lattice(seed, ix, iy);
        double b = lattice(seed, ix + 1, iy);
        double c = lattice(seed, ix, iy + 1);
        double d = lattice(seed, ix + 1, iy + 1);
        return (a + (b - a) * fx) + ((c + (d - c) * fx) - (a + (b - a) * fx)) * fy;
    }

    private static double smooth(double t) {
        return t * t * (3 - 2 * t);
    }

    private static double lattice(long seed, long x, long y) {
        long h = seed ^ (x * 0x9E3779B97F4A7C15L) ^ (y * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53 * 2 - 1;
    }
}
