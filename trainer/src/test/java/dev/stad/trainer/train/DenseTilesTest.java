package dev.stad.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.score.DescriptorNormalization;
import dev.stad.checkpoint.score.ErrorAndUncertainty;
import dev.stad.checkpoint.spec.NetworkForm;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.score.DescriptorGaussian;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.WeightInit;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Full-size images are computed in tiles of the descriptor grid during training and
 * calibration; the statistics, targets and maps must be those of the whole image.
 */
class DenseTilesTest {
    /** A pooled network (dilations in dense form), channel counts multiples of 16. */
    private static final NetworkSpec SPEC = new NetworkSpec(
            "t9", List.of(Layer.conv(16, 3), Layer.maxPool(2, 2), Layer.conv(32, 3), Layer.conv(16, 2)));

    /** Images of two sizes, neither a multiple of the tile. */
    private static final List<FloatImage> IMAGES = List.of(image(41, 53, 1), image(37, 30, 2));

    private static final int TILE = 6;

    @Test
    void tilesCoverTheGridOnceAndWindowsHoldTheirPatches() {
        List<DenseTiles.Tile> tiles = DenseTiles.of(13, 8, 6);
        int[] covered = new int[13 * 8];
        for (DenseTiles.Tile t : tiles) {
            for (int y = t.y(); y < t.y() + t.height(); y++) {
                for (int x = t.x(); x < t.x() + t.width(); x++) {
                    covered[y * 8 + x]++;
                }
            }
        }
        for (int c : covered) {
            assertEquals(1, c);
        }
        FloatImage window = tiles.get(tiles.size() - 1).window(image(13 + 8, 8 + 8, 3), 9);
        assertEquals(1 + 8, window.height(), "a 1-row tile needs rf rows");
        assertEquals(2 + 8, window.width());
    }

    @Test
    void teacherStatisticsAndTargetsInTilesEqualThoseOfWholeImages() throws Exception {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            PatchNetwork teacher = network(manager, 5);
            TeacherTargets whole = TeacherTargets.compute(
                    manager, teacher, IMAGES, null, 1L << 30, Progress.silent(), "teacher", 1 << 20);
            TeacherTargets tiled = TeacherTargets.compute(
                    manager, teacher, IMAGES, null, 1L << 30, Progress.silent(), "teacher", TILE);
            assertClose(whole.normalization().mean(), tiled.normalization().mean(), "mu_T");
            assertClose(whole.normalization().std(), tiled.normalization().std(), "sigma_T");
            assertTrue(tiled.cached());
            ParameterStore ps = new ParameterStore(manager, false);
            List<TeacherTargets.Crop> crops = List.of(
                    new TeacherTargets.Crop(0, 20, 30, 12, false, false),
                    new TeacherTargets.Crop(1, 15, 8, 12, false, false));
            float[] a = whole.targets(manager, ps, crops, null).toFloatArray();
            float[] b = tiled.targets(manager, ps, crops, null).toFloatArray();
            assertClose(a, b, "targets of crops that straddle tiles");
        }
    }

    @Test
    void calibrationMapsAndTheGaussianInTilesEqualThoseOfWholeImages() throws Exception {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            PatchNetwork teacher = network(manager, 5);
            List<PatchNetwork> students = List.of(network(manager, 6), network(manager, 7));
            DescriptorNormalization norm = TeacherTargets.compute(
                            manager, teacher, IMAGES, null, 0, Progress.silent(), "teacher", 1 << 20)
                    .normalization();
            DescriptorGaussian g1 = Calibrator.fitGaussian(manager, teacher, norm, IMAGES, Progress.silent(), 1 << 20);
            DescriptorGaussian g2 = Calibrator.fitGaussian(manager, teacher, norm, IMAGES, Progress.silent(), TILE);
            assertClose(g1.mean(), g2.mean(), "Gaussian mean (the stride must sample the same positions)");
            Calibrator.ScaleCalibration c1 =
                    Calibrator.calibrate(manager, teacher, norm, g1, students, IMAGES, Progress.silent(), 1 << 20);
            Calibrator.ScaleCalibration c2 =
                    Calibrator.calibrate(manager, teacher, norm, g1, students, IMAGES, Progress.silent(), TILE);
            for (int i = 0; i < IMAGES.size(); i++) {
                ErrorAndUncertainty a = c1.maps().get(i);
                ErrorAndUncertainty b = c2.maps().get(i);
                assertEquals(a.height(), b.height());
                assertEquals(a.width(), b.width());
                assertClose(a.e(), b.e(), "e of image " + i);
                assertClose(a.v(), b.v(), "v of image " + i);
                assertClose(a.c(), b.c(), "c of image " + i);
            }
            assertEquals(
                    c1.statistics().eMean(),
                    c2.statistics().eMean(),
                    1e-5 * Math.abs(c1.statistics().eMean()));
        }
    }

    private static PatchNetwork network(NDManager manager, long seed) {
        PatchNetwork dense = PatchNetwork.create(SPEC, NetworkForm.DENSE);
        dense.setParameters(manager, WeightInit.heUniform(SPEC, seed), "");
        return dense;
    }

    private static FloatImage image(int h, int w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] d = new float[3 * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return new FloatImage(3, h, w, d);
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-4 * Math.max(1, Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], tol, what + " at " + i);
        }
    }
}
