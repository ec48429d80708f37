package dev.stad.trainer.train;

import dev.stad.runtime.image.FloatImage;
import java.util.SplittableRandom;

/**
 * Input windows for dense training. Images are padded once per scale
 * ({@link dev.stad.runtime.spec.NetworkSpec#densePadding}); a window whose
 * descriptor grid starts at (y, x) of the unpadded image and spans {@code size x size}
 * descriptors covers {@code size + rf - 1} padded pixels from (y, x).
 */
final class Crops {
    private Crops() {
    }

    /**
     * A crop start in [0, n - size], drawn from [-(2 size - 1), n + size - 1] and clamped, so
     * crops touch the first and last positions far more often than a uniform start would (once
     * in n - size + 1 crops). Descriptors near the borders see padding and are a distribution
     * of their own; left rare in training, they made the borders the most anomalous pixels of
     * every good image.
     */
    static int coveringStart(SplittableRandom rnd, int n, int size) {
        int raw = rnd.nextInt(n + 3 * size - 1) - (2 * size - 1);
        return Math.max(0, Math.min(n - size, raw));
    }

    static FloatImage window(FloatImage padded, int y, int x, int size, int receptiveField) {
        int side = size + receptiveField - 1;
        return padded.crop(y, x, side, side);
    }
}
