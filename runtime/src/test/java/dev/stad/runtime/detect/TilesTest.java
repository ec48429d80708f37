package dev.stad.runtime.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.stad.runtime.spec.NetworkSpec;
import org.junit.jupiter.api.Test;

class TilesTest {
    private static final NetworkSpec.Margin HALO = new NetworkSpec.Margin(10, 12);

    @Test
    void aCutIsTheTilePlusItsHaloClippedToTheImage() {
        assertArrayEquals(new int[] {30, 92}, Tiles.cut(40, 80, 200, HALO, 20));
        assertArrayEquals(new int[] {0, 52}, Tiles.cut(0, 40, 200, HALO, 20));
        assertArrayEquals(new int[] {150, 200}, Tiles.cut(160, 200, 200, HALO, 20));
    }

    @Test
    void aShortCutAtTheImageEndIsWidenedInwardToTheLargestReceptiveField() {
        // The last tile is 2 px: its cut of 12 px (halo before only) would be smaller than a patch.
        assertArrayEquals(new int[] {140, 200}, Tiles.cut(198, 200, 200, HALO, 60));
        assertArrayEquals(new int[] {0, 60}, Tiles.cut(0, 2, 200, HALO, 60));
        // An image smaller than the minimum is taken whole.
        assertArrayEquals(new int[] {0, 50}, Tiles.cut(0, 20, 50, HALO, 60));
    }
}
