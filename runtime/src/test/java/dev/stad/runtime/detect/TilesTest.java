package dev.stad.runtime.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.stad.runtime.spec.NetworkSpec;
import org.junit.jupiter.api.Test;

class TilesTest {
    private static final NetworkSpec.Margin HALO = new NetworkSpec.Margin(10, 12);
    private static final NetworkSpec.Margin BAND = new NetworkSpec.Margin(4, 4);

    private static Tiles.Geometry geometry(int minimumSide) {
        return new Tiles.Geometry(HALO, BAND, minimumSide);
    }

    @Test
    void aCutIsTheTilePlusItsHaloClippedToTheImage() {
        assertArrayEquals(new int[] {30, 92}, Tiles.cut(40, 80, 200, geometry(20)));
        assertArrayEquals(new int[] {0, 52}, Tiles.cut(0, 40, 200, geometry(20)));
        assertArrayEquals(new int[] {150, 200}, Tiles.cut(160, 200, 200, geometry(20)));
    }

    @Test
    void aShortCutAtTheImageEndIsWidenedInwardToTheLargestReceptiveField() {
        // The last tile is 2 px: its cut of 12 px (halo before only) would be smaller than a patch.
        assertArrayEquals(new int[] {140, 200}, Tiles.cut(198, 200, 200, geometry(60)));
        assertArrayEquals(new int[] {0, 60}, Tiles.cut(0, 2, 200, geometry(60)));
        // An image smaller than the minimum is taken whole.
        assertArrayEquals(new int[] {0, 50}, Tiles.cut(0, 20, 50, geometry(60)));
    }

    @Test
    void aTileInsideTheOuterBandIsCutWithTheReachOfTheBandsInnerEdge() {
        // Rows 0 to 3 copy row 4, whose value reaches 12 rows further in: the cut must hold row 16.
        assertArrayEquals(new int[] {0, 17}, Tiles.cut(0, 2, 200, geometry(8)));
        // The same at the far end: rows 196 to 199 copy row 195, which reaches back to row 185.
        assertArrayEquals(new int[] {185, 200}, Tiles.cut(198, 200, 200, geometry(8)));
    }
}
