package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Calibration on the validation images.
 *
 * @param thresholdQuantile the default image threshold is this quantile (linear interpolation)
 *     of the validation images' scores; with 1.0 it is the highest, so no validation image is flagged
 * @param smoothingSigma standard deviation in pixels of the Gaussian applied to the anomaly map
 *     before its maximum is taken as the image score; 0 turns smoothing off
 */
public record CalibrationConfig(
        @JsonProperty("thresholdQuantile") Double thresholdQuantile,
        @JsonProperty("smoothingSigma") Double smoothingSigma) {

    /**
     * Default smoothing: none. Measured on the synthetic set, smoothing gained nothing that holds
     * at the border (see docs/method.md).
     */
    public static final double DEFAULT_SMOOTHING_SIGMA = 0.0;

    @JsonCreator
    public CalibrationConfig {
        thresholdQuantile = Checks.orDefault(thresholdQuantile, 0.99);
        smoothingSigma = Checks.orDefault(smoothingSigma, DEFAULT_SMOOTHING_SIGMA);
        Checks.nonNegative("calibration.smoothingSigma", smoothingSigma);
        if (!(thresholdQuantile > 0 && thresholdQuantile <= 1)) {
            throw new IllegalArgumentException(
                    "calibration.thresholdQuantile must be in (0, 1], found " + thresholdQuantile);
        }
    }
}
