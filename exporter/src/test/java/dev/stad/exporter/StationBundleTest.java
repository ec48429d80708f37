package dev.stad.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.checkpoint.spec.Architectures;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.detect.Tiles;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.progress.Progress;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A station bundle holds what a station runs and nothing else, scores exactly as the full bundle
 * does; and a memory budget picks tiles without changing a map.
 */
class StationBundleTest {
    @TempDir
    static Path dir;

    static Path full;
    static Path station;
    static Exporter.Result fullResult;
    static Exporter.Result stationResult;

    @BeforeAll
    static void export() throws Exception {
        Path run = RandomRun.write(dir.resolve("run"), List.of(Architectures.P17), 2, 3, 6, 56);
        full = dir.resolve("full");
        station = dir.resolve("station");
        fullResult = Exporter.export(run, full, Exporter.Options.defaults().withInt8(true), Progress.silent());
        stationResult = Exporter.export(
                run, station, Exporter.Options.defaults().withInt8(true).withStation(true), Progress.silent());
    }

    @Test
    void stationBundleHoldsTheManifestAndTheDetectorsOnly() throws Exception {
        BundleManifest m = ModelBundle.open(station).manifest();
        assertEquals(Set.of("detector.onnx", "detector.int8.onnx"), m.files().keySet());
        assertFalse(m.hasNetworkGraphs());
        assertEquals(3, stationResult.files());
        assertTrue(
                stationResult.bytes() < fullResult.bytes() / 2,
                stationResult.bytes() + " vs full " + fullResult.bytes());
        BundleManifest f = ModelBundle.open(full).manifest();
        assertEquals(f.files().get("detector.onnx"), m.files().get("detector.onnx"));
        assertEquals(f.files().get("detector.int8.onnx"), m.files().get("detector.int8.onnx"));
    }

    @Test
    void stationBundleScoresExactlyAsTheFullBundle() throws Exception {
        FloatImage image = random(56, 56, 4);
        for (Precision p : List.of(Precision.FP32, Precision.INT8)) {
            DetectorOptions o = DetectorOptions.defaults().withPrecision(p);
            try (Detector a = Detector.open(full, o);
                    Detector b = Detector.open(station, o)) {
                Detection x = a.score(image);
                Detection y = b.score(image);
                assertEquals(p, b.precision());
                assertArrayEquals(x.map().data(), y.map().data());
                assertEquals(a.threshold(), b.threshold());
            }
        }
    }

    @Test
    void theCheckNeedsTheFullBundle() throws Exception {
        ModelBundle b = ModelBundle.open(station);
        assertThrows(IllegalArgumentException.class, () -> ExportCheck.verify(b, 40, 1));
    }

    @Test
    void aSmallMemoryBudgetComputesInTilesAndLeavesTheMapAsItIs() throws Exception {
        BundleManifest m = ModelBundle.open(full).manifest();
        long perPixel = Tiles.workingBytesPerPixel(m, Precision.FP32);
        assertEquals(0, Tiles.tileFor(m, Precision.FP32, 56, 56, 56L * 56 * perPixel));
        long budget = 40L * 40 * perPixel;
        int tile = Tiles.tileFor(m, Precision.FP32, 56, 56, budget);
        assertTrue(tile >= 8 && tile < 56, "tile " + tile);
        FloatImage image = random(56, 56, 9);
        for (Precision p : List.of(Precision.FP32, Precision.INT8)) {
            DetectorOptions o = DetectorOptions.defaults().withPrecision(p);
            try (Detector whole = Detector.open(full, o.withMemoryBudgetMb(0))) {
                assertEquals(0, whole.tile());
                float[] a = whole.score(image).map().data();
                // The budget's tile, and tiles as narrow as the outer band (8 px for p17) and odd
                // ones whose edges fall inside it: the band's maxima reach across tile borders.
                for (int t : new int[] {tile, 8, 5, 13}) {
                    try (Detector tiled =
                            Detector.open(full, o.withMemoryBudgetMb(1).withTile(t))) {
                        assertEquals(t, tiled.tile());
                        float[] b = tiled.score(image).map().data();
                        double d = ExportCheck.relativeDifference(a, b);
                        assertTrue(d < 1e-5, p + ", tile " + t + ": " + d);
                    }
                }
            }
        }
    }

    @Test
    void defaultsRunTheFp32DetectorAndInt8UsesItsOwnThreshold() throws Exception {
        BundleManifest m = ModelBundle.open(full).manifest();
        try (Detector d = Detector.open(full)) {
            assertEquals(Precision.FP32, d.precision());
            assertEquals(m.threshold().value(), d.threshold());
        }
        try (Detector d = Detector.open(full, DetectorOptions.defaults().withPrecision(Precision.INT8))) {
            assertEquals(m.int8Detector().threshold().value(), d.threshold());
        }
    }

    private static FloatImage random(int h, int w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] d = new float[3 * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextDouble();
        }
        return new FloatImage(3, h, w, d);
    }
}
