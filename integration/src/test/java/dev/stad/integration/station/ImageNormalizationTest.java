package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.image.Normalization;
import dev.stad.runtime.progress.Progress;
import dev.stad.trainer.TinyModel;
import dev.stad.trainer.TinyRuns;
import dev.stad.trainer.TrainingRun;
import dev.stad.trainer.config.TrainingConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model trained with {@code "normalization": "image"}: the bundle records it, and the station
 * centres each image on its own medians, so a part under dimmer light scores as the part.
 */
class ImageNormalizationTest {
    @TempDir
    static Path root;

    private static Path bundle;

    @BeforeAll
    static void train() throws Exception {
        TrainingConfig c = TinyRuns.config(TinyModel.data(), root.resolve("run"), 4, 2e-3, 16);
        TrainingConfig own = new TrainingConfig(
                "tiny-image-normalization",
                c.seed(),
                c.out(),
                c.bundle(),
                c.data(),
                c.input().normalizedBy(Normalization.IMAGE),
                c.scales(),
                c.teacher(),
                c.students(),
                c.calibration());
        new TrainingRun(own, Progress.silent(), false).run();
        bundle = Path.of(own.bundle());
    }

    private static FloatImage dimmed(FloatImage img, float by) {
        float[] px = img.data().clone();
        for (int i = 0; i < px.length; i++) {
            px[i] -= by;
        }
        return new FloatImage(img.channels(), img.height(), img.width(), px);
    }

    private static double worstRelativeChange(Path model, List<Path> images, float by) throws Exception {
        double worst = 0;
        try (Detector d = Detector.open(model)) {
            for (Path f : images) {
                FloatImage img = ImageDecoder.read(f);
                double a = d.score(img).score();
                double b = d.score(dimmed(img, by)).score();
                worst = Math.max(worst, Math.abs(b - a) / Math.abs(a));
            }
        }
        return worst;
    }

    @Test
    void theBundleRecordsItAndDimmerLightBarelyMovesTheScore() throws Exception {
        assertEquals(
                Normalization.IMAGE,
                ModelBundle.open(bundle).manifest().preprocessing().normalization());
        List<Path> images = TinyModel.testImages().subList(0, 6);
        // Ten grey levels darker: only the histogram's quantisation of the medians is left.
        double own = worstRelativeChange(bundle, images, 0.04f);
        double dataset = worstRelativeChange(TinyModel.bundle(), images, 0.04f);
        assertTrue(own < 0.01, "10 grey levels darker moved an image-normalised score by " + own);
        assertTrue(dataset > 5 * own, "with the dataset's statistics it moved by " + dataset + ", vs " + own);
    }
}
