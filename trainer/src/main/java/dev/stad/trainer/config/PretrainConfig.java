package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Self-supervised teacher pretraining: triplets of (anchor patch, the same patch shifted by up to
 * {@code positiveShift} pixels plus Gaussian noise, a patch of another image), all taken densely
 * from random crops so one forward pass yields {@code cropSize^2} descriptors per crop.
 *
 * @param steps optimiser steps
 * @param batchSize anchor crops per step, each from a different image
 * @param cropSize side of the descriptor grid per crop
 * @param learningRate Adam step size
 * @param weightDecay L2 penalty added to the gradient
 * @param margin triplet margin delta
 * @param compactnessWeight weight of the decorrelation (compactness) loss
 * @param positiveShift largest shift in pixels between anchor and positive
 * @param positiveNoise standard deviation of the noise added to positives, in normalised units
 */
public record PretrainConfig(
        @JsonProperty("steps") Integer steps,
        @JsonProperty("batchSize") Integer batchSize,
        @JsonProperty("cropSize") Integer cropSize,
        @JsonProperty("learningRate") Double learningRate,
        @JsonProperty("weightDecay") Double weightDecay,
        @JsonProperty("margin") Double margin,
        @JsonProperty("compactnessWeight") Double compactnessWeight,
        @JsonProperty("positiveShift") Integer positiveShift,
        @JsonProperty("positiveNoise") Double positiveNoise) {

    @JsonCreator
    public PretrainConfig {
        steps = Checks.orDefault(steps, 200);
        batchSize = Checks.orDefault(batchSize, 4);
        cropSize = Checks.orDefault(cropSize, 16);
        learningRate = Checks.orDefault(learningRate, 2e-4);
        weightDecay = Checks.orDefault(weightDecay, 1e-5);
        margin = Checks.orDefault(margin, 1.0);
        compactnessWeight = Checks.orDefault(compactnessWeight, 1.0);
        positiveShift = Checks.orDefault(positiveShift, 2);
        positiveNoise = Checks.orDefault(positiveNoise, 0.1);
        Checks.atLeast("teacher.pretrain.steps", steps, 1);
        Checks.atLeast("teacher.pretrain.batchSize", batchSize, 2);
        Checks.atLeast("teacher.pretrain.cropSize", cropSize, 2);
        Checks.positive("teacher.pretrain.learningRate", learningRate);
        Checks.nonNegative("teacher.pretrain.weightDecay", weightDecay);
        Checks.positive("teacher.pretrain.margin", margin);
        Checks.nonNegative("teacher.pretrain.compactnessWeight", compactnessWeight);
        Checks.atLeast("teacher.pretrain.positiveShift", positiveShift, 0);
        Checks.nonNegative("teacher.pretrain.positiveNoise", positiveNoise);
    }
}
