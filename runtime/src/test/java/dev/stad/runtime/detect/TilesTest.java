package dev.stad.runtime.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.engine.InteriorSides;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TilesTest {
    private static final NetworkSpec.Margin HALO = new NetworkSpec.Margin(10, 12);
    private static final NetworkSpec.Margin BAND = new NetworkSpec.Margin(4, 4);

    private static Tiles.Geometry geometry(int minimumSide) {
        return new Tiles.Geometry(HALO, BAND, minimumSide, List.of());
    }

    @Test
    void aCutIsTheTilePlusItsHaloClippedToTheImage() {
        assertArrayEquals(new int[] {30, 92}, Tiles.cut(40, 80, 200, geometry(20), false));
        assertArrayEquals(new int[] {0, 52}, Tiles.cut(0, 40, 200, geometry(20), false));
        assertArrayEquals(new int[] {150, 200}, Tiles.cut(160, 200, 200, geometry(20), false));
    }

    @Test
    void aShortCutAtTheImageEndIsWidenedInwardToTheLargestReceptiveField() {
        // The last tile is 2 px: its cut of 12 px (halo before only) would be smaller than a patch.
        assertArrayEquals(new int[] {140, 200}, Tiles.cut(198, 200, 200, geometry(60), false));
        assertArrayEquals(new int[] {0, 60}, Tiles.cut(0, 2, 200, geometry(60), false));
        // An image smaller than the minimum is taken whole.
        assertArrayEquals(new int[] {0, 50}, Tiles.cut(0, 20, 50, geometry(60), false));
    }

    /** A bundle whose band is standardised ring by ring: its band is filled once the tiles are put together. */
    private static Tiles.Geometry ringGeometry(int minimumSide) {
        return new Tiles.Geometry(HALO, BAND, minimumSide, List.of(new ScaleCombination.Affine(0, 1)));
    }

    @Test
    void aTileInsideTheOuterBandIsCutWithTheHaloAloneWhereTheBandIsFilledAfterTheTiles() {
        assertTrue(ringGeometry(8).fillsBandAfterTiles());
        // Rows 0 and 1 are band rows: their cut is theirs plus the halo, widened to the minimum side.
        assertArrayEquals(new int[] {0, 14}, Tiles.cut(0, 2, 200, ringGeometry(8), false));
        assertArrayEquals(new int[] {0, 20}, Tiles.cut(0, 2, 200, ringGeometry(20), false));
        assertArrayEquals(new int[] {188, 200}, Tiles.cut(198, 200, 200, ringGeometry(8), false));
        // The other axis's band does not widen a cut either.
        assertArrayEquals(new int[] {30, 92}, Tiles.cut(40, 80, 200, ringGeometry(8), true));
    }

    /** A detector that records the sides each cut is given and returns a map of zeros. */
    private static final class RecordingSession implements GraphSession {
        final List<int[]> cuts = new ArrayList<>();
        final List<InteriorSides> sides = new ArrayList<>();

        @Override
        public String description() {
            return "recording";
        }

        @Override
        public List<Map<String, FloatImage>> runBatch(List<FloatImage> batch, InteriorSides interior) {
            FloatImage input = batch.get(0);
            cuts.add(new int[] {input.height(), input.width()});
            sides.add(interior);
            return List.of(Map.of("map", FloatImage.zeros(1, input.height(), input.width())));
        }

        @Override
        public void close() {}
    }

    @Test
    void eachCutTellsTheDetectorWhichOfItsSidesHoldTheWholeHaloInsideTheImage() throws Exception {
        RecordingSession session = new RecordingSession();
        // One ring per pixel of the 4-pixel band, as the combination fills it.
        Tiles.Geometry rings =
                new Tiles.Geometry(HALO, BAND, 8, java.util.Collections.nCopies(4, new ScaleCombination.Affine(0, 1)));
        Tiles.run(session, "map", FloatImage.zeros(3, 150, 200), 50, rings);
        // 3 rows of 4 tiles (cuts of at most 50 + 22): inner sides hold the halo (10 before, 12
        // after), the image's edges none.
        assertEquals(12, session.sides.size());
        assertEquals(new InteriorSides(false, false, true, true), session.sides.get(0));
        assertEquals(new InteriorSides(false, true, true, true), session.sides.get(1));
        assertEquals(new InteriorSides(false, true, true, false), session.sides.get(3));
        assertEquals(new InteriorSides(true, true, true, true), session.sides.get(5));
        assertEquals(new InteriorSides(true, true, false, false), session.sides.get(11));
        // Rows 53, 43 and 54 (cuts of 65), columns 55, 45, 45 and 55 (cuts of 67).
        assertArrayEquals(new int[] {65, 67}, session.cuts.get(5));
        // A cut along the image's edge, clipped short of the halo, is not inside on that side.
        assertEquals(
                new InteriorSides(false, true, false, true),
                Tiles.interiorSides(5, 55, 60, 110, new int[] {0, 66}, new int[] {50, 122}, ringGeometry(8)));
        // Bundles that fill the band in each cut are cut wider along the border: nothing is spared.
        RecordingSession old = new RecordingSession();
        Tiles.run(old, "map", FloatImage.zeros(3, 150, 200), 50, geometry(8));
        assertTrue(old.sides.stream().allMatch(InteriorSides.NONE::equals), old.sides.toString());
    }

    @Test
    void withoutRingsATileInsideTheOuterBandIsCutWithTheReachOfThePatchesThatContainIt() {
        assertFalse(geometry(8).fillsBandAfterTiles());
        // Rows 0 and 1 take the maximum over rows 4 and 5 (the first valid rows whose patches,
        // 4 rows up and 4 down, contain them); row 5 reaches 12 rows further in: the cut holds row 17.
        assertArrayEquals(new int[] {0, 18}, Tiles.cut(0, 2, 200, geometry(8), false));
        // The same at the far end: rows 198 and 199 take rows 194 and 195; 194 reaches back to 184.
        assertArrayEquals(new int[] {184, 200}, Tiles.cut(198, 200, 200, geometry(8), false));
    }

    @Test
    void withoutRingsATileAlongTheOtherAxissBandNeedsTheRowsAroundItsOwn() {
        // Columns 0 to 3 of rows 40 to 79 take maxima over rows 36 to 83; with the halo, 26 to 95.
        assertArrayEquals(new int[] {26, 96}, Tiles.cut(40, 80, 200, geometry(8), true));
        // Without band pixels in the other axis only the tile's own rows and the halo.
        assertArrayEquals(new int[] {30, 92}, Tiles.cut(40, 80, 200, geometry(8), false));
    }

    @Test
    void anAxisIsCutIntoAsManyTilesAsTheTileNeedsAllOfOneLength() {
        assertEquals(300, Tiles.evenTile(900, 352));
        assertEquals(350, Tiles.evenTile(2448, 352));
        assertEquals(226, Tiles.evenTile(901, 300), "four tiles: 226, 226, 226, 223");
        assertEquals(100, Tiles.evenTile(100, 352), "one tile");
        for (int n = 1; n < 400; n += 7) {
            for (int tile = 1; tile < 120; tile += 5) {
                int even = Tiles.evenTile(n, tile);
                assertTrue(even <= tile, n + " in " + tile + ": " + even);
                assertEquals((n + tile - 1) / tile, (n + even - 1) / even, n + " in " + tile + ": as many tiles");
            }
        }
    }

    @Test
    void tilesOnTheImagesEdgeAreLongerByTheHaloTheyNeedNotHoldAndNoCutExceedsTheTilesCut() {
        Tiles.Geometry g = new Tiles.Geometry(
                new NetworkSpec.Margin(16, 16),
                new NetworkSpec.Margin(8, 8),
                33,
                List.of(new ScaleCombination.Affine(0, 1)));
        // 900 under tiles of 295 (cuts of 327): three tiles, cuts of 322, 322 and 320, not four of 225.
        assertArrayEquals(new int[] {0, 306, 596, 900}, Tiles.tileStarts(900, 295, g));
        assertEquals(9, Tiles.count(900, 900, 295, g));
        assertEquals(16, Tiles.count(900, 900, 288, g), "cuts of 320 cannot hold 900 in three");
        // An axis its cut holds whole is one tile, even when longer than the tile.
        assertArrayEquals(new int[] {0, 320}, Tiles.tileStarts(320, 295, g));
        assertEquals(1, Tiles.count(320, 320, 295, g));
        Tiles.Geometry uneven = ringGeometry(8);
        for (Tiles.Geometry geometry : List.of(g, uneven)) {
            int before = geometry.halo().before();
            int after = geometry.halo().after();
            for (int n = 1; n < 700; n += 3) {
                for (int tile = 8; tile < 200; tile += 7) {
                    int[] starts = Tiles.tileStarts(n, tile, geometry);
                    int longest = tile + before + after;
                    assertEquals(0, starts[0]);
                    assertEquals(n, starts[starts.length - 1]);
                    int k = starts.length - 1;
                    for (int i = 0; i < k; i++) {
                        assertTrue(starts[i + 1] > starts[i], n + " in " + tile + ": empty tile " + i);
                        int[] cut = Tiles.cut(starts[i], starts[i + 1], n, geometry, false);
                        assertTrue(
                                cut[1] - cut[0] <= Math.max(longest, geometry.minimumSide()),
                                n + " in " + tile + ": cut " + (cut[1] - cut[0]) + " > " + longest);
                    }
                    // As few as the cuts allow: k - 1 cuts of the longest cover less than n.
                    if (k > 1) {
                        assertTrue(
                                (long) (k - 1) * longest - (long) (k - 2) * (before + after) < n,
                                n + " in " + tile + ": " + k + " tiles where " + (k - 1) + " would do");
                    }
                }
            }
        }
    }

    @Test
    void everyCutTheBudgetsTileMakesFitsTheBudget() throws Exception {
        Tiles.Geometry rings = new Tiles.Geometry(
                new NetworkSpec.Margin(15, 16),
                new NetworkSpec.Margin(8, 8),
                33,
                java.util.Collections.nCopies(8, new ScaleCombination.Affine(0, 1)));
        long perPixel = 1000;
        for (Tiles.Geometry g : List.of(rings, geometry(20))) {
            for (int[] size : new int[][] {{128, 128}, {150, 97}, {300, 300}, {64, 300}}) {
                for (long budget = 20_000; budget < 200_000_000; budget = budget * 5 / 4) {
                    int tile = Tiles.tileFor(perPixel, g, size[0], size[1], budget);
                    RecordingSession session = new RecordingSession();
                    Tiles.run(session, "map", FloatImage.zeros(3, size[0], size[1]), tile, g);
                    String what = size[0] + "x" + size[1] + " under " + budget + " in tiles of " + tile;
                    if (tile == 0) {
                        assertTrue((long) size[0] * size[1] * perPixel <= budget, what);
                        continue;
                    }
                    assertEquals(Tiles.count(size[0], size[1], tile, g), session.cuts.size(), what);
                    for (int[] cut : session.cuts) {
                        // Below the smallest tile the halo alone may exceed the budget (tileFor's floor of 8).
                        if (tile > 8) {
                            assertTrue(
                                    (long) cut[0] * cut[1] * perPixel <= budget,
                                    what + ": cut " + cut[0] + "x" + cut[1]);
                        }
                    }
                }
            }
        }
    }

    /** The default model's scales: the paper's p17 and p33. */
    private static final List<NetworkSpec> DEFAULT_SPECS = List.of(
            new NetworkSpec(
                    "p17", List.of(Layer.conv(128, 6), Layer.conv(256, 5), Layer.conv(256, 5), Layer.conv(128, 4))),
            new NetworkSpec(
                    "p33",
                    List.of(
                            Layer.conv(128, 5), Layer.maxPool(2, 2),
                            Layer.conv(256, 5), Layer.maxPool(2, 2),
                            Layer.conv(256, 2), Layer.conv(128, 4))));

    @Test
    void workingMemoryPerPixelFollowsEachPrecisionAndLayoutsBuffers() {
        // fp32 separate: three tensors of the widest layer of one network (256 channels) and the
        // 4 networks' 128-channel descriptors twice, times the margin of 1.4.
        assertEquals(
                (long) Math.ceil(1.4 * 4 * (3 * 256 + 2 * 4 * 128)),
                Tiles.workingBytesPerPixel(DEFAULT_SPECS, 3, Precision.FP32, DetectorLayout.SEPARATE));
        // fp32 fused: p17's 256-channel 5x5 column buffer (6,400 floats) and three stacked tensors
        // of the widest fused layer (4 networks x 256 channels).
        assertEquals(
                (long) Math.ceil(1.4 * 4 * (256 * 25 + 3 * 4 * 256)),
                Tiles.workingBytesPerPixel(DEFAULT_SPECS, 3, Precision.FP32, DetectorLayout.FUSED));
        // int8: the three stacked tensors at one byte, and the 4 networks' 128 float descriptors twice.
        assertEquals(
                (long) Math.ceil(1.4 * (3 * 4 * 256 + 2 * 4 * 4 * 128)),
                Tiles.workingBytesPerPixel(DEFAULT_SPECS, 3, Precision.INT8, DetectorLayout.SEPARATE));
    }

    @Test
    void underTheDefaultBudgetTheSeparateLayoutComputes256PixelsWholeWhereFusedTiles() {
        Tiles.Geometry g =
                new Tiles.Geometry(new NetworkSpec.Margin(16, 16), new NetworkSpec.Margin(8, 8), 33, List.of());
        long budget = 1024L << 20;
        for (Precision p : Precision.values()) {
            assertEquals(
                    0,
                    Tiles.tileFor(
                            Tiles.workingBytesPerPixel(DEFAULT_SPECS, 3, p, DetectorLayout.SEPARATE),
                            g,
                            256,
                            256,
                            budget),
                    p.id());
        }
        int fused = Tiles.tileFor(
                Tiles.workingBytesPerPixel(DEFAULT_SPECS, 3, Precision.FP32, DetectorLayout.FUSED),
                g,
                256,
                256,
                budget);
        assertTrue(fused > 0 && fused < 256, "fused tile " + fused);
        // A 900x900 image is cut by every layout and precision.
        assertTrue(Tiles.tileFor(
                        Tiles.workingBytesPerPixel(DEFAULT_SPECS, 3, Precision.FP32, DetectorLayout.SEPARATE),
                        g,
                        900,
                        900,
                        budget)
                > 0);
    }
}
