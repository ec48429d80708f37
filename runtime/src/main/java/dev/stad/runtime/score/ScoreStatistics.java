package dev.stad.runtime.score;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Mean and standard deviation of the per-pixel terms over all pixels of the anomaly-free
 * validation images, for one scale: the regression error e, the predictive uncertainty v and
 * the calm term c (how much closer the teacher's descriptor lies to the centre of its good
 * descriptors than good texture does) and the distance term d (the teacher descriptor's squared
 * Mahalanobis distance from its good descriptors, {@link DescriptorGaussian}). They turn the
 * terms into the normalised per-pixel score {@code (e - eMean) / eStd + w (v - vMean) / vStd +
 * wc (c - cMean) / cStd + wd (d - dMean) / dStd}, with {@code w} the weight of the uncertainty
 * term (1 as in the paper, 0 for e alone), {@code wc} that of the calm term and {@code wd} that
 * of the distance term (0: not computed).
 *
 * @param vWeight weight of the uncertainty term; absent (bundles before it existed) means 1
 * @param cMean mean of c; absent (bundles before it existed) means 0
 * @param cStd standard deviation of c; absent means 1
 * @param cWeight weight of the calm term; absent means 0
 * @param dMean mean of d; absent (bundles before it existed) means 0
 * @param dStd standard deviation of d; absent means 1
 * @param dWeight weight of the distance term; absent means 0
 */
public record ScoreStatistics(
        @JsonProperty("eMean") double eMean,
        @JsonProperty("eStd") double eStd,
        @JsonProperty("vMean") double vMean,
        @JsonProperty("vStd") double vStd,
        @JsonProperty("vWeight") Double vWeight,
        @JsonProperty("cMean") Double cMean,
        @JsonProperty("cStd") Double cStd,
        @JsonProperty("cWeight") Double cWeight,
        @JsonProperty("dMean") Double dMean,
        @JsonProperty("dStd") Double dStd,
        @JsonProperty("dWeight") Double dWeight) {

    @JsonCreator
    public ScoreStatistics {
        if (dMean == null) {
            dMean = 0.0;
        }
        if (dStd == null) {
            dStd = 1.0;
        }
        if (dWeight == null) {
            dWeight = 0.0;
        }
        requireTerm("distance", "d", dMean, dStd, dWeight);
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
        requireTerm("calm", "c", cMean, cStd, cWeight);
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

    private static void requireTerm(String term, String symbol, double mean, double std, double weight) {
        if (!Double.isFinite(mean)
                || !(std > 0)
                || !Double.isFinite(std)
                || !(weight >= 0)
                || !Double.isFinite(weight)) {
            throw new IllegalArgumentException(term + " term statistics must be finite with a positive deviation and a"
                    + " non-negative weight, found " + symbol + "Mean=" + mean + " " + symbol + "Std=" + std + " "
                    + symbol + "Weight=" + weight);
        }
    }

    /** Statistics without a distance term. */
    public ScoreStatistics(
            double eMean,
            double eStd,
            double vMean,
            double vStd,
            Double vWeight,
            Double cMean,
            Double cStd,
            Double cWeight) {
        this(eMean, eStd, vMean, vStd, vWeight, cMean, cStd, cWeight, null, null, null);
    }

    /** Statistics scoring {@code e + v} (weight 1), as the paper does. */
    public ScoreStatistics(double eMean, double eStd, double vMean, double vStd) {
        this(eMean, eStd, vMean, vStd, 1.0, null, null, null);
    }

    /** The same statistics with another weight of the uncertainty term. */
    public ScoreStatistics withVWeight(double weight) {
        return new ScoreStatistics(eMean, eStd, vMean, vStd, weight, cMean, cStd, cWeight, dMean, dStd, dWeight);
    }

    /** The same measured statistics weighing v with {@code vWeight} and c with {@code cWeight}, d with 0. */
    public ScoreStatistics withWeights(double vWeight, double cWeight) {
        return withWeights(vWeight, cWeight, 0);
    }

    /** The same measured statistics weighing v, c and d with these weights. */
    public ScoreStatistics withWeights(double vWeight, double cWeight, double dWeight) {
        return new ScoreStatistics(eMean, eStd, vMean, vStd, vWeight, cMean, cStd, cWeight, dMean, dStd, dWeight);
    }

    /** The same statistics with the calm term's mean, deviation and weight. */
    public ScoreStatistics withCalm(double mean, double std, double weight) {
        return new ScoreStatistics(eMean, eStd, vMean, vStd, vWeight, mean, std, weight, dMean, dStd, dWeight);
    }

    /** The same statistics with the distance term's mean, deviation and weight. */
    public ScoreStatistics withDistance(double mean, double std, double weight) {
        return new ScoreStatistics(eMean, eStd, vMean, vStd, vWeight, cMean, cStd, cWeight, mean, std, weight);
    }

    /** Whether the score has a calm term (its weight is not 0). */
    public boolean hasCalmTerm() {
        return cWeight != 0;
    }

    /** Whether the score has a distance term (its weight is not 0). */
    public boolean hasDistanceTerm() {
        return dWeight != 0;
    }

    /** The normalised score of one pixel without a calm or distance term. */
    public float score(float e, float v) {
        return score(e, v, 0f, 0f);
    }

    /** The normalised score of one pixel without a distance term. */
    public float score(float e, float v, float c) {
        return score(e, v, c, 0f);
    }

    /** The normalised score of one pixel; a term whose weight is 0 is ignored. */
    public float score(float e, float v, float c, float d) {
        double s = (e - eMean) / eStd;
        if (vWeight != 0) {
            s += vWeight * (v - vMean) / vStd;
        }
        if (cWeight != 0) {
            s += cWeight * (c - cMean) / cStd;
        }
        if (dWeight != 0) {
            s += dWeight * (d - dMean) / dStd;
        }
        return (float) s;
    }
}
