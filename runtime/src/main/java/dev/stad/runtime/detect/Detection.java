package dev.stad.runtime.detect;

import dev.stad.runtime.image.FloatImage;
import java.util.List;

/**
 * What the detector says about one image.
 *
 * @param map the anomaly map at the scored image's resolution (one channel; higher is more
 *     anomalous; 0 is a typical value on good parts)
 * @param score the image score: the maximum of the map as the detector computes it at the
 *     network's input resolution, the quantity the threshold was calibrated on
 * @param topMean a robust alternative: the mean of the highest {@link DetectorOptions#topFraction()}
 *     of the map's values at input resolution (at least one pixel), less sensitive to a single
 *     hot pixel
 * @param threshold the threshold the decision used
 * @param anomalous {@code score > threshold}
 * @param regions connected areas of {@link #map} above the threshold, highest peak first
 * @param millis time from decoded image to this result (preprocessing, inference, map resize,
 *     regions)
 * @param inputMap the map as the detector computed it, at the network input's resolution, whose
 *     maximum is {@link #score}: the same object as {@link #map} where the two sizes agree
 */
public record Detection(
        FloatImage map,
        double score,
        double topMean,
        double threshold,
        boolean anomalous,
        List<Region> regions,
        double millis,
        FloatImage inputMap) {

    public int width() {
        return map.width();
    }

    public int height() {
        return map.height();
    }
}
