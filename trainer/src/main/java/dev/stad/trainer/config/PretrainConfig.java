package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Self-supervised teacher pretraining: triplets of (anchor patch, the same patch shifted by up to
 * {@code positiveShift} pixels with Gaussian noise and a small brightness and tint change, a
 * patch of another image), all taken densely from random crops so one forward pass yields
 * {@code cropSize^2} descriptors per crop.
 *
 * @param steps optimiser steps
 * @param batchSize anchor crops per step, each from a different image
 * @param cropSize side of the descriptor grid per crop
 * @param learningRate Adam step size
 * @param weightDecay L2 penalty added to the gradient
 * @param margin triplet margin delta
 * @param compactnessWeight weight of the decorrelation (compactness) loss, a sum over channel
 *     pairs as in the paper: 1.0 is the paper's strength
 * @param positiveShift largest shift in pixels between anchor and positive
 * @param positiveNoise standard deviation of the noise added to positives, in normalised units
 * @param positiveJitter largest brightness change of a positive, as a fraction of the full
 *     intensity range, with a tint of up to half that per channel; so the descriptor does not
 *     encode the global lighting. Contrast and sharpness are never jittered: a descriptor blind
 *     to them could not see a smoothed or faded defect
 * @param distillationWeight weight of the knowledge-distillation term (descriptors decoded to the
 *     texture energy of their patch); 0 turns it off
 * @param corpus for a pretrained teacher: {@code procedural} (images generated in-process) or a
 *     folder of photos; absent for a self-supervised teacher, which learns on the training images
 * @param corpusImages images in the corpus pool (procedural images, or crops of the photos)
 * @param corpusImageSize side of each pool image in pixels
 * @param seed for a pretrained teacher, the seed of its own pretraining (default 0), so runs of any
 *     seed can share it; a self-supervised teacher uses the run's seed
 * @param degradedNegatives share of the negatives that are the anchor's own window made calmer
 *     (blurred with sigma 1 to 3 px, or its contrast pulled to 20-50% around its local mean)
 *     instead of a window of another image, so the descriptor learns that sharpness and
 *     contrast are part of what a patch is; absent or 0: none (the negatives of the paper)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PretrainConfig(
        @JsonProperty("steps") Integer steps,
        @JsonProperty("batchSize") Integer batchSize,
        @JsonProperty("cropSize") Integer cropSize,
        @JsonProperty("learningRate") Double learningRate,
        @JsonProperty("weightDecay") Double weightDecay,
        @JsonProperty("margin") Double margin,
        @JsonProperty("compactnessWeight") Double compactnessWeight,
        @JsonProperty("positiveShift") Integer positiveShift,
        @JsonProperty("positiveNoise") Double positiveNoise,
        @JsonProperty("positiveJitter") Double positiveJitter,
        @JsonProperty("distillationWeight") Double distillationWeight,
        @JsonProperty("corpus") String corpus,
        @JsonProperty("corpusImages") Integer corpusImages,
        @JsonProperty("corpusImageSize") Integer corpusImageSize,
        @JsonProperty("seed") Long seed,
        @JsonProperty("degradedNegatives") Double degradedNegatives) {

    /** The share of degraded negatives: as configured, else 0. */
    public double degradedNegativesOrDefault() {
        return degradedNegatives == null ? 0.0 : degradedNegatives;
    }

    /** The corpus name for images generated in-process ({@code ProceduralImages}). */
    public static final String PROCEDURAL = "procedural";

    /** The same settings on another corpus (its pool size, image size and seed kept, or defaulted). */
    public PretrainConfig withCorpus(String newCorpus) {
        return new PretrainConfig(
                steps,
                batchSize,
                cropSize,
                learningRate,
                weightDecay,
                margin,
                compactnessWeight,
                positiveShift,
                positiveNoise,
                positiveJitter,
                distillationWeight,
                newCorpus,
                corpusImages,
                corpusImageSize,
                seed,
                degradedNegatives);
    }

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
        positiveJitter = Checks.orDefault(positiveJitter, 0.05);
        distillationWeight = Checks.orDefault(distillationWeight, 0.0);
        if (corpus != null) {
            corpusImages = Checks.orDefault(corpusImages, 1024);
            corpusImageSize = Checks.orDefault(corpusImageSize, 96);
            seed = Checks.orDefault(seed, 0L);
            Checks.atLeast("teacher.pretrain.corpusImages", corpusImages, 2);
            Checks.atLeast("teacher.pretrain.corpusImageSize", corpusImageSize, 16);
        } else if (corpusImages != null || corpusImageSize != null || seed != null) {
            throw new IllegalArgumentException("teacher.pretrain.corpusImages, corpusImageSize and seed belong to a"
                    + " pretrained teacher's corpus; set teacher.pretrain.corpus too, or leave them out");
        }
        Checks.atLeast("teacher.pretrain.steps", steps, 1);
        Checks.atLeast("teacher.pretrain.batchSize", batchSize, 2);
        Checks.atLeast("teacher.pretrain.cropSize", cropSize, 2);
        Checks.positive("teacher.pretrain.learningRate", learningRate);
        Checks.nonNegative("teacher.pretrain.weightDecay", weightDecay);
        Checks.positive("teacher.pretrain.margin", margin);
        Checks.nonNegative("teacher.pretrain.compactnessWeight", compactnessWeight);
        Checks.atLeast("teacher.pretrain.positiveShift", positiveShift, 0);
        Checks.nonNegative("teacher.pretrain.positiveNoise", positiveNoise);
        Checks.nonNegative("teacher.pretrain.positiveJitter", positiveJitter);
        Checks.nonNegative("teacher.pretrain.distillationWeight", distillationWeight);
        // Left absent when not given, so configs written before the setting existed compare equal.
        if (degradedNegatives != null && !(degradedNegatives >= 0 && degradedNegatives <= 1)) {
            throw new IllegalArgumentException(
                    "teacher.pretrain.degradedNegatives must be in [0, 1], found " + degradedNegatives);
        }
    }

    /**
     * Patch positions per side a pretraining image must have: a crop plus the positive's shift
     * either way.
     */
    public int positionsNeeded() {
        return cropSize + 2 * positiveShift;
    }
}
