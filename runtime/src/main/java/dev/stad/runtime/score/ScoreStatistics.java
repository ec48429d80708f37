package dev.stad.runtime.score;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Mean and standard deviation of the regression error e and the predictive uncertainty v over
 * all pixels of the anomaly-free validation images, for one scale. They turn e and v into the
 * normalised per-pixel score {@code (e - eMean) / eStd + (v - vMean) / vStd}.
 */
public record ScoreStatistics(
        @JsonProperty("eMean") double eMean,
        @JsonProperty("eStd") double eStd,
        @JsonProperty("vMean") double vMean,
        @JsonProperty("vStd") double vStd) {

    @JsonCreator
    public ScoreStatistics {
        if (!Double.isFinite(eMean)
                || !Double.isFinite(vMean)
                || !(eStd > 0)
                || !(vStd > 0)
                || !Double.isFinite(eStd)
                || !Double.isFinite(vStd)) {
            throw new IllegalArgumentException("score statistics must be finite with positive deviations, found"
                    + " eMean=" + eMean + " eStd=" + eStd + " vMean=" + vMean + " vStd=" + vStd);
        }
    }

    /** The normalised score of one pixel. */
    public float score(float e, float v) {
        return (float) ((e - eMean) / eStd + (v - vMean) / vStd);
    }
}
