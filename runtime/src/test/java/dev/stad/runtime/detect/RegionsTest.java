package dev.stad.runtime.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.image.FloatImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegionsTest {

    private static FloatImage map(float[][] rows) {
        int h = rows.length;
        int w = rows[0].length;
        float[] d = new float[h * w];
        for (int y = 0; y < h; y++) {
            System.arraycopy(rows[y], 0, d, y * w, w);
        }
        return new FloatImage(1, h, w, d);
    }

    @Test
    void mapBelowThresholdHasNoRegions() {
        assertTrue(
                Regions.find(map(new float[][] {{0, 1}, {2, 3}}), 3).isEmpty(), "equal to the threshold is not above");
    }

    @Test
    void diagonalNeighboursFormOneRegion() {
        List<Region> r = Regions.find(
                map(new float[][] {
                    {5, 0, 0},
                    {0, 6, 0},
                    {0, 0, 7}
                }),
                1);
        assertEquals(List.of(new Region(0, 0, 3, 3, 3, 7f, 2, 2)), r);
    }

    @Test
    void separateAreasAreSortedByPeakWithBoxesAndAreas() {
        List<Region> r = Regions.find(
                map(new float[][] {
                    {2, 2, 0, 0, 0},
                    {2, 0, 0, 0, 9},
                    {0, 0, 0, 0, 0},
                    {0, 0, 3, 0, 0}
                }),
                1);
        assertEquals(3, r.size());
        assertEquals(new Region(4, 1, 1, 1, 1, 9f, 4, 1), r.get(0), "a one-pixel region");
        assertEquals(new Region(2, 3, 1, 1, 1, 3f, 2, 3), r.get(1));
        assertEquals(new Region(0, 0, 2, 2, 3, 2f, 0, 0), r.get(2), "ties: the first peak pixel in row order");
    }

    @Test
    void nanPixelsAreNeverAboveTheThreshold() {
        List<Region> r = Regions.find(map(new float[][] {{Float.NaN, 5}, {Float.NaN, Float.NaN}}), 1);
        assertEquals(List.of(new Region(1, 0, 1, 1, 1, 5f, 1, 0)), r);
    }

    @Test
    void aRingIsOneRegionWithTheHoleOutside() {
        float[][] rows = new float[5][5];
        for (int i = 0; i < 5; i++) {
            rows[0][i] = rows[4][i] = rows[i][0] = rows[i][4] = 2;
        }
        List<Region> r = Regions.find(map(rows), 1);
        assertEquals(1, r.size());
        assertEquals(16, r.get(0).area());
        assertEquals(5, r.get(0).width());
    }
}
