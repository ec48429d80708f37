/**
 * Turning per-scale scores into one map: the validation statistics that normalise e and v
 * ({@link dev.stad.runtime.score.ScoreStatistics}) and the per-band combination of the scales
 * valid at each pixel ({@link dev.stad.runtime.score.ScaleCombination}), the same computation
 * the detector graph performs.
 */
package dev.stad.runtime.score;
