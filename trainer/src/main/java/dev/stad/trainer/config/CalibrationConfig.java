package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How the default image-level threshold is set from the validation images: the
 * {@code thresholdQuantile} quantile (linear interpolation) of their image scores (max of the
 * anomaly map). With 1.0 it is the highest validation score: no validation image is flagged.
 */
public record CalibrationConfig(@JsonProperty("thresholdQuantile") Double thresholdQuantile) {

    @JsonCreator
    public CalibrationConfig {
        thresholdQuantile = Checks.orDefault(thresholdQuantile, 0.99);
        if (!(thresholdQuantile > 0 && thresholdQuantile <= 1)) {
            throw new IllegalArgumentException(
                    "calibration.thresholdQuantile must be in (0, 1], found " + thresholdQuantile);
        }
    }
}
