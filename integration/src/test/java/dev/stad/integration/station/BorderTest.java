package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.trainer.TinyModel;
import dev.stad.trainer.config.SyntheticConfig;
import dev.stad.trainer.data.SyntheticDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The anomaly map is right up to the image border: no artefact there, and defects there are seen. */
class BorderTest {
    @TempDir
    Path dir;

    /**
     * Good images the model never saw (same generator, another seed) should peak anywhere, not at
     * their border. The band is the widest scale margin, 5 px of 32: 53% of the area. If maxima
     * fell like random pixels, more than 25 of 32 in the band would have a binomial probability
     * under 0.3%; zero-padded borders put every one of them there.
     */
    @Test
    void goodImagesDoNotPeakInTheBorderBand() throws Exception {
        Path good = dir.resolve("good");
        new SyntheticDataset(new SyntheticConfig(32, 2, 32, 0), 12).generate(good);
        List<Path> files;
        try (var s = Files.list(good.resolve("test/good"))) {
            files = s.sorted().toList();
        }
        int band = 5;
        int inBand = 0;
        try (Detector d = Detector.open(TinyModel.bundle())) {
            for (Path f : files) {
                Detection r = d.score(f);
                if (peakDistanceToBorder(r.map()) < band) {
                    inBand++;
                }
            }
        }
        assertTrue(
                inBand <= 25,
                inBand + " of " + files.size() + " good images peak within " + band + " px of the border");
    }

    @Test
    void aDefectPlantedAtTheBorderRaisesTheScore() throws Exception {
        try (Detector d = Detector.open(TinyModel.bundle())) {
            for (Path f : TinyModel.testImages().stream()
                    .filter(p -> p.toString().contains("/good/"))
                    .toList()) {
                FloatImage image = ImageDecoder.read(f);
                double before = d.score(image).score();
                FloatImage planted = new FloatImage(
                        image.channels(),
                        image.height(),
                        image.width(),
                        image.data().clone());
                // A dark 3 x 6 px gouge touching the left border, in the band no scale has a patch centred on.
                for (int c = 0; c < planted.channels(); c++) {
                    for (int y = 13; y < 19; y++) {
                        for (int x = 0; x < 3; x++) {
                            planted.set(c, y, x, 0.05f);
                        }
                    }
                }
                double after = d.score(planted).score();
                assertTrue(
                        after > before + 1, f + ": score " + before + " -> " + after + " with a defect at the border");
            }
        }
    }

    /** Pixels from the peak to the border; of tied maxima (the border fill repeats values), the deepest. */
    static int peakDistanceToBorder(FloatImage map) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : map.data()) {
            max = Math.max(max, v);
        }
        int best = -1;
        for (int y = 0; y < map.height(); y++) {
            for (int x = 0; x < map.width(); x++) {
                if (map.get(0, y, x) >= max) {
                    int dist = Math.min(Math.min(x, map.width() - 1 - x), Math.min(y, map.height() - 1 - y));
                    best = Math.max(best, dist);
                }
            }
        }
        return best;
    }
}
