package dev.stad.runtime.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.stad.runtime.image.FloatImage;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class HeatmapsTest {

    @Test
    void scaleRunsFromBlackAtZeroToPaleYellowAtTwiceTheThreshold() {
        assertEquals(0x000004, Heatmaps.colour(0, Heatmaps.top(5)));
        assertEquals(0x000004, Heatmaps.colour(-3, Heatmaps.top(5)), "clamped below");
        assertEquals(0xfcffa4, Heatmaps.colour(10, Heatmaps.top(5)));
        assertEquals(0xfcffa4, Heatmaps.colour(99, Heatmaps.top(5)), "clamped above");
        assertEquals(0xbc3754, Heatmaps.colour(5, Heatmaps.top(5)), "the threshold is the middle anchor");
    }

    @Test
    void overlayOutlinesAreasAboveTheThresholdAndKeepsTheImageElsewhere() {
        int n = 7;
        float[] m = new float[n * n];
        for (int y = 2; y <= 4; y++) {
            for (int x = 2; x <= 4; x++) {
                m[y * n + x] = 10; // a 3x3 square above threshold 4
            }
        }
        float[] grey = new float[n * n];
        java.util.Arrays.fill(grey, 0.5f);
        BufferedImage o = Heatmaps.overlay(new FloatImage(1, n, n, grey), new FloatImage(1, n, n, m), 4);
        assertEquals(Heatmaps.CONTOUR_RGB, o.getRGB(2, 2) & 0xffffff, "edge of the area");
        assertEquals(Heatmaps.CONTOUR_RGB, o.getRGB(4, 3) & 0xffffff);
        assertNotEquals(Heatmaps.CONTOUR_RGB, o.getRGB(3, 3) & 0xffffff, "inside is not outlined");
        assertEquals(0x808080, o.getRGB(0, 0) & 0xffffff, "map 0: the image unchanged");
        BufferedImage h = Heatmaps.heatmap(new FloatImage(1, n, n, m), 4);
        assertEquals(n, h.getWidth());
        assertEquals(Heatmaps.colour(10, 8), h.getRGB(3, 3) & 0xffffff);
    }
}
