package dev.stad.runtime.score;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Mean and standard deviation of the regression error e and the predictive uncertainty v over
 * all pixels of the anomaly-free validation images, for one scale. They turn e and v into the
 * normalised per-pixel score {@code (e - eMean) / eStd + w (v - vMean) / vStd}, with {@code w}
 * the weight of the uncertainty term: 1 as in the paper, 0 for e alone.
 *
 * @param vWeight weight of the uncertainty term; absent (bundles before it existed) means 1
 */
public record ScoreStatistics(
        @JsonProperty("eMean") double eMean,
        @JsonProperty("eStd") double eStd,
        @JsonProperty("vMean") double vMean,
        @JsonProperty("vStd") double vStd,
        @JsonProperty("vWeight") Double vWeight) {

    @JsonCreator
    public ScoreStatistics {
        if (vWeight == null) {
            vWeight = 1.0;
        }
        if (!Double.isFinite(eMean)
                || !Double.isFinite(vMean)
                || !(eStd > 0)
                || !(vStd > 0)
                || !Double.isFinite(eStd)
                || !Double.isFinite(vStd)
                || !(vWeight >= 0)
                || !Double.isFinite(vWeight)) {
            throw new IllegalArgumentException("score statistics must be finite with positive deviations and a"
                    + " non-negative weight, found eMean=" + eMean + " eStd=" + eStd + " vMean=" + vMean + " vStd="
                    + vStd + " vWeight=" + vWeight);
        }
    }

    /** Statistics scoring {@code e + v} (weight 1), as the paper does. */
    public ScoreStatistics(double eMean, double eStd, double vMean, double vStd) {
        this(eMean, eStd, vMean, vStd, 1.0);
    }

    /** The same statistics with another weight of the uncertainty term. */
    public ScoreStatistics withVWeight(double weight) {
        return new ScoreStatistics(eMean, eStd, vMean, vStd, weight);
    }

    /** The normalised score of one pixel. */
    public float score(float e, float v) {
        double s = (e - eMean) / eStd;
        return (float) (vWeight == 0 ? s : s + vWeight * (v - vMean) / vStd);
    }
}
