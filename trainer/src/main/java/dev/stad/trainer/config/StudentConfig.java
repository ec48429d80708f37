package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Student ensemble training, per scale. An epoch visits every training image once, in a seeded
 * order, taking one random crop of each; {@code batchSize} crops make one step.
 *
 * @param count students per scale (M, at least 2: the uncertainty term needs an ensemble)
 * @param epochs passes over the training images
 * @param batchSize crops per step
 * @param cropSize side of the descriptor grid each crop is trained on
 * @param learningRate Adam step size
 * @param weightDecay L2 penalty added to the gradient (as in PyTorch's Adam)
 */
public record StudentConfig(
        @JsonProperty("count") Integer count,
        @JsonProperty("epochs") Integer epochs,
        @JsonProperty("batchSize") Integer batchSize,
        @JsonProperty("cropSize") Integer cropSize,
        @JsonProperty("learningRate") Double learningRate,
        @JsonProperty("weightDecay") Double weightDecay) {

    @JsonCreator
    public StudentConfig {
        count = Checks.orDefault(count, 3);
        epochs = Checks.orDefault(epochs, 20);
        batchSize = Checks.orDefault(batchSize, 4);
        cropSize = Checks.orDefault(cropSize, 32);
        learningRate = Checks.orDefault(learningRate, 1e-4);
        weightDecay = Checks.orDefault(weightDecay, 1e-5);
        Checks.atLeast("students.count", count, 2); // v, the ensemble's disagreement, needs two
        Checks.atLeast("students.epochs", epochs, 1);
        Checks.atLeast("students.batchSize", batchSize, 1);
        Checks.atLeast("students.cropSize", cropSize, 1);
        Checks.positive("students.learningRate", learningRate);
        Checks.nonNegative("students.weightDecay", weightDecay);
    }
}
