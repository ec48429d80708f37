package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Student ensemble training, per scale. Each student is trained on its own stream of crops, as
 * the paper's students are independent models: an epoch visits every training image once, in the
 * student's own seeded order, taking one crop of each at a position drawn uniformly from those
 * that keep the crop's patches inside the image; {@code batchSize} crops make one step.
 *
 * @param count students per scale: M, at least 2 (the uncertainty term needs an ensemble), or 0
 *     for none: each scale then scores how far the teacher's normalised descriptor lies from its
 *     mean over the training images ({@code e = ||T||^2}, the students' prediction replaced by
 *     that mean), which is what students that learn nothing of a fixed descriptor end up scoring,
 *     without their cost; the other settings here are then unused
 * @param epochs passes over the training images
 * @param batchSize crops per step. Default 1: the students' fit is limited by the number of
 *     optimiser steps, not by the noise of a step, so for the same computation one crop per
 *     step fits far better than four (on the default set, after 10 epochs, the validation error e
 *     of p17 was 1.24 with one crop per step, 2.91 with four, and 1.60 with four for 20 epochs)
 * @param cropSize side of the descriptor grid each crop is trained on
 * @param learningRate Adam step size
 * @param weightDecay L2 penalty added to the gradient (as in PyTorch's Adam)
 * @param flip random mirroring of the crops (and the teacher's targets with them), for parts that
 *     look the same mirrored: {@code none} (default), {@code horizontal}, {@code vertical} or {@code both}
 * @param exposure random exposure of the crops: each crop's pixel values (before the input's
 *     normalisation) are multiplied by a gain drawn uniformly from {@code [1 - exposure, 1 +
 *     exposure]}, and the teacher's targets are computed on the same crop, so the students learn to
 *     follow the teacher under small changes of lighting. Default 0 (off); at most 0.5
 */
public record StudentConfig(
        @JsonProperty("count") Integer count,
        @JsonProperty("epochs") Integer epochs,
        @JsonProperty("batchSize") Integer batchSize,
        @JsonProperty("cropSize") Integer cropSize,
        @JsonProperty("learningRate") Double learningRate,
        @JsonProperty("weightDecay") Double weightDecay,
        @JsonProperty("flip") Flip flip,
        @JsonProperty("exposure") Double exposure) {

    /** Which mirrorings a crop may get, each with probability 1/2. */
    public enum Flip {
        @JsonProperty("none")
        NONE,
        @JsonProperty("horizontal")
        HORIZONTAL,
        @JsonProperty("vertical")
        VERTICAL,
        @JsonProperty("both")
        BOTH;

        public boolean horizontal() {
            return this == HORIZONTAL || this == BOTH;
        }

        public boolean vertical() {
            return this == VERTICAL || this == BOTH;
        }
    }

    @JsonCreator
    public StudentConfig {
        count = Checks.orDefault(count, 3);
        epochs = Checks.orDefault(epochs, 20);
        batchSize = Checks.orDefault(batchSize, 1);
        cropSize = Checks.orDefault(cropSize, 32);
        learningRate = Checks.orDefault(learningRate, 1e-4);
        weightDecay = Checks.orDefault(weightDecay, 1e-5);
        flip = Checks.orDefault(flip, Flip.NONE);
        exposure = Checks.orDefault(exposure, 0.0);
        if (!(exposure >= 0 && exposure <= 0.5)) {
            throw new IllegalArgumentException("students.exposure must be in [0, 0.5], found " + exposure);
        }
        if (count == 1 || count < 0) {
            // v, the ensemble's disagreement, needs two; none at all is a detector of its own.
            throw new IllegalArgumentException(
                    "students.count must be 0 (no students) or at least 2 (an ensemble), found " + count);
        }
        Checks.atLeast("students.epochs", epochs, 1);
        Checks.atLeast("students.batchSize", batchSize, 1);
        Checks.atLeast("students.cropSize", cropSize, 1);
        Checks.positive("students.learningRate", learningRate);
        Checks.nonNegative("students.weightDecay", weightDecay);
    }

    /** Whether the scales have students at all (see {@code count}). */
    public boolean none() {
        return count == 0;
    }

    /** These settings with {@code epochs} epochs. */
    public StudentConfig withEpochs(int epochs) {
        return new StudentConfig(count, epochs, batchSize, cropSize, learningRate, weightDecay, flip, exposure);
    }
}
