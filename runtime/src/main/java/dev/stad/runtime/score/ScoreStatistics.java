package dev.stad.runtime.score;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Mean and standard deviation of the per-pixel terms over all pixels of the anomaly-free
 * validation images, for one scale: the regression error e, the predictive uncertainty v and
 * the calm term c (how much closer the teacher's descriptor lies to the centre of its good
 * descriptors than good texture does). They turn the terms into the normalised per-pixel score
 * {@code (e - eMean) / eStd + w (v - vMean) / vStd + wc (c - cMean) / cStd}, with {@code w} the
 * weight of the uncertainty term (1 as in the paper, 0 for e alone) and {@code wc} that of the
 * calm term (0: not computed).
 *
 * @param vWeight weight of the uncertainty term; absent (bundles before it existed) means 1
 * @param cMean mean of c; absent (bundles before it existed) means 0
 * @param cStd standard deviation of c; absent means 1
 * @param cWeight weight of the calm term; absent means 0
 */
public record ScoreStatistics(
        @JsonProperty("eMean") double eMean,
        @JsonProperty("eStd") double eStd,
        @JsonProperty("vMean") double vMean,
        @JsonProperty("vStd") double vStd,
        @JsonProperty("vWeight") Double vWeight,
        @JsonProperty("cMean") Double cMean,
        @JsonProperty("cStd") Double cStd,
        @JsonProperty("cWeight") Double cWeight) {

    @JsonCreator
    public ScoreStatistics {
        if (vWeight == null) {
            vWeight = 1.0;
        }
        if (cMean == null) {
            cMean = 0.0;
        }
        if (cStd == null) {
            cStd = 1.0;
        }
        if (cWeight == null) {
            cWeight = 0.0;
        }
        if (!Double.isFinite(cMean)
                || !(cStd > 0)
                || !Double.isFinite(cStd)
                || !(cWeight >= 0)
                || !Double.isFinite(cWeight)) {
            throw new IllegalArgumentException("calm term statistics must be finite with a positive deviation and a"
                    + " non-negative weight, found cMean=" + cMean + " cStd=" + cStd + " cWeight=" + cWeight);
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
        this(eMean, eStd, vMean, vStd, 1.0, null, null, null);
    }

    /** The same statistics with another weight of the uncertainty term. */
    public ScoreStatistics withVWeight(double weight) {
        return new ScoreStatistics(eMean, eStd, vMean, vStd, weight, cMean, cStd, cWeight);
    }

    /** The same measured statistics weighing v with {@code vWeight} and c with {@code cWeight}. */
    public ScoreStatistics withWeights(double vWeight, double cWeight) {
        return new ScoreStatistics(eMean, eStd, vMean, vStd, vWeight, cMean, cStd, cWeight);
    }

    /** The same statistics with the calm term's mean, deviation and weight. */
    public ScoreStatistics withCalm(double mean, double std, double weight) {
        return new ScoreStatistics(eMean, eStd, vMean, vStd, vWeight, mean, std, weight);
    }

    /** Whether the score has a calm term (its weight is not 0). */
    public boolean hasCalmTerm() {
        return cWeight != 0;
    }

    /** The normalised score of one pixel without a calm term. */
    public float score(float e, float v) {
        return score(e, v, 0f);
    }

    /** The normalised score of one pixel; {@code c} is ignored when the calm term's weight is 0. */
    public float score(float e, float v, float c) {
        double s = (e - eMean) / eStd;
        if (vWeight != 0) {
            s += vWeight * (v - vMean) / vStd;
        }
        if (cWeight != 0) {
            s += cWeight * (c - cMean) / cStd;
        }
        return (float) s;
    }
}
