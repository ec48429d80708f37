package dev.stad.trainer.train;

import dev.stad.runtime.image.FloatImage;
import java.util.SplittableRandom;

/**
 * Input windows for dense training. A crop of {@code size x size} descriptors starting at
 * descriptor position (y, x) covers image rows y..y+size+rf-2: every patch of it lies inside the
 * image, so training sees exactly the descriptors inference computes, never padding.
 */
final class Crops {
    private Crops() {}

    /** A crop start drawn uniformly from [0, positions - size]: every valid position equally often. */
    static int uniformStart(SplittableRandom rnd, int positions, int size) {
        if (size > positions) {
            throw new IllegalArgumentException(
                    "a crop of " + size + " descriptors does not fit " + positions + " positions");
        }
        return rnd.nextInt(positions - size + 1);
    }

    /** The input window of a crop of {@code size x size} descriptors starting at (y, x). */
    static FloatImage window(FloatImage image, int y, int x, int size, int receptiveField) {
        int side = size + receptiveField - 1;
        return image.crop(y, x, side, side);
    }
}
