package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Calibration on the validation images.
 *
 * @param thresholdQuantile the share of good images the bundle's threshold should pass: the
 *     threshold is this quantile of a good image's score (its map's maximum), estimated from the
 *     tail of the validation maps' block maxima and never below the validation scores' own
 *     quantile (see {@code ImageThreshold}); with 1.0 it is their highest score, so no validation
 *     image is flagged
 * @param smoothingSigma standard deviation in pixels of the Gaussian applied to the anomaly map
 *     before its maximum is taken as the image score; 0 turns smoothing off
 * @param uncertaintyWeight weight of the standardised predictive uncertainty v beside the
 *     standardised regression error e in each scale's score: 1 is the paper's {@code e + v}, 0 is
 *     e alone (v is then not computed by the detector)
 * @param calmWeight weight of the standardised calm term c: how much closer the teacher's
 *     descriptor lies to the centre of the training descriptors than good texture does (a
 *     blurred, faded or smoother-than-usual area). Absent means 1; 0 leaves it out
 * @param distanceWeight weight of the standardised distance term d: the teacher descriptor's
 *     squared Mahalanobis distance from its descriptors on the training images, which rises on
 *     whatever the good texture does not do, busier or calmer. Absent means 0 (left out)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CalibrationConfig(
        @JsonProperty("thresholdQuantile") Double thresholdQuantile,
        @JsonProperty("smoothingSigma") Double smoothingSigma,
        @JsonProperty("uncertaintyWeight") Double uncertaintyWeight,
        @JsonProperty("calmWeight") Double calmWeight,
        @JsonProperty("distanceWeight") Double distanceWeight) {

    /**
     * Default smoothing: none. Measured on the synthetic set, smoothing gained nothing that holds
     * at the border (see docs/method.md).
     */
    public static final double DEFAULT_SMOOTHING_SIGMA = 0.0;

    /** The weight of v: as configured, else 1 (the paper's e + v). */
    public double uncertaintyWeightOrDefault() {
        return uncertaintyWeight == null ? 1.0 : uncertaintyWeight;
    }

    /** The weight of c: as configured, else 1. */
    public double calmWeightOrDefault() {
        return calmWeight == null ? 1.0 : calmWeight;
    }

    /** The weight of d: as configured, else 0. */
    public double distanceWeightOrDefault() {
        return distanceWeight == null ? 0.0 : distanceWeight;
    }

    /** Whether the score needs the teacher descriptors' Gaussian (a calm or distance term). */
    public boolean needsGaussian() {
        return calmWeightOrDefault() != 0 || distanceWeightOrDefault() != 0;
    }

    @JsonCreator
    public CalibrationConfig {
        thresholdQuantile = Checks.orDefault(thresholdQuantile, 0.99);
        smoothingSigma = Checks.orDefault(smoothingSigma, DEFAULT_SMOOTHING_SIGMA);
        Checks.nonNegative("calibration.smoothingSigma", smoothingSigma);
        if (uncertaintyWeight != null) {
            // Left absent when not given, so configs written before the setting existed compare equal.
            Checks.nonNegative("calibration.uncertaintyWeight", uncertaintyWeight);
        }
        if (calmWeight != null) {
            Checks.nonNegative("calibration.calmWeight", calmWeight);
        }
        if (distanceWeight != null) {
            Checks.nonNegative("calibration.distanceWeight", distanceWeight);
        }
        if (!(thresholdQuantile > 0 && thresholdQuantile <= 1)) {
            throw new IllegalArgumentException(
                    "calibration.thresholdQuantile must be in (0, 1], found " + thresholdQuantile);
        }
    }
}
