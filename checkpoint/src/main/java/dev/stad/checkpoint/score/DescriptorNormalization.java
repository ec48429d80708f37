package dev.stad.checkpoint.score;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stad.runtime.image.FloatImage;
import java.util.Arrays;
import java.util.Objects;

/**
 * Per-channel mean and standard deviation of the teacher's descriptors over the training images
 * (mu_T, sigma_T). Students regress {@code (T - mean) / std}.
 */
public record DescriptorNormalization(
        @JsonProperty("mean") float[] mean,
        @JsonProperty("std") float[] std) {

    @JsonCreator
    public DescriptorNormalization {
        Objects.requireNonNull(mean, "mean must not be null");
        Objects.requireNonNull(std, "std must not be null");
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException(
                    "mean and std need the same, non-zero length, found " + mean.length + " and " + std.length);
        }
        for (int i = 0; i < std.length; i++) {
            if (!(std[i] > 0f) || !Float.isFinite(std[i]) || !Float.isFinite(mean[i])) {
                throw new IllegalArgumentException("channel " + i + " has mean " + mean[i] + " and std " + std[i]
                        + "; std must be positive and both finite (a dead teacher channel?)");
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    public int channels() {
        return mean.length;
    }

    /** A normalised copy of a [D, H, W] descriptor map. */
    public FloatImage normalize(FloatImage descriptors) {
        if (descriptors.channels() != mean.length) {
            throw new IllegalArgumentException(
                    "descriptor map has " + descriptors.channels() + " channels, normalisation has " + mean.length);
        }
        return descriptors.standardize(mean, std);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DescriptorNormalization n && Arrays.equals(n.mean, mean) && Arrays.equals(n.std, std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "DescriptorNormalization[" + mean.length + " channels]";
    }
}
