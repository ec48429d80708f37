package dev.stad.trainer.train;

import java.nio.charset.StandardCharsets;

/**
 * Derives independent seeds from the run seed and a purpose ("students/p17/1", "crops/p17/3"),
 * so each random stream can be recreated on its own, e.g. the crops of epoch 7 after a resume.
 */
public final class Seeds {
    private Seeds() {}

    public static long derive(long seed, String purpose) {
        long h = seed ^ 0x9E3779B97F4A7C15L;
        for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xFF));
        }
        return mix(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
