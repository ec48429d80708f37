package dev.stad.runtime.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * How an image file becomes a network input; defined once here so training and inference
 * cannot disagree. Steps: decode from the raster to [0, 1]; grey is replicated to 3 channels;
 * resize to {@code height x width} with {@link Resampler} (antialiased bilinear); then
 * {@code (x - mean[c]) / std[c]} per channel.
 *
 * @param width network input width in pixels
 * @param height network input height in pixels
 * @param mean per-channel mean subtracted after scaling to [0, 1]
 * @param std per-channel standard deviation divided by
 */
public record Preprocessing(
        @JsonProperty("width") int width,
        @JsonProperty("height") int height,
        @JsonProperty("mean") float[] mean,
        @JsonProperty("std") float[] std) {

    /** ImageNet statistics: the usual choice, and what a teacher brought from elsewhere expects. */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};

    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    @JsonCreator
    public Preprocessing {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("input size must be positive, found " + width + "x" + height);
        }
        mean = mean == null ? IMAGENET_MEAN.clone() : mean.clone();
        std = std == null ? IMAGENET_STD.clone() : std.clone();
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException(
                    "mean and std need 3 values (R, G, B), found " + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0f) || !Float.isFinite(s)) {
                throw new IllegalArgumentException("std values must be positive, found " + Arrays.toString(std));
            }
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw new IllegalArgumentException("mean values must be finite, found " + Arrays.toString(mean));
            }
        }
    }

    public static Preprocessing imagenet(int width, int height) {
        return new Preprocessing(width, height, IMAGENET_MEAN, IMAGENET_STD);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** Decodes and preprocesses one file; errors name the file. */
    public FloatImage load(Path file) throws IOException {
        return apply(ImageDecoder.read(file));
    }

    /** Preprocesses a decoded [0, 1] image of 1 or 3 channels. */
    public FloatImage apply(FloatImage decoded) {
        Objects.requireNonNull(decoded, "decoded must not be null");
        FloatImage rgb = toRgb(decoded);
        return Resampler.resize(rgb, height, width).standardize(mean, std);
    }

    /** A grey image as three equal channels; an RGB image as it is. */
    public static FloatImage toRgb(FloatImage img) {
        if (img.channels() == 3) {
            return img;
        }
        if (img.channels() != 1) {
            throw new IllegalArgumentException("expected 1 or 3 channels, found " + img.channels());
        }
        int plane = img.height() * img.width();
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(img.data(), 0, out, c * plane, plane);
        }
        return new FloatImage(3, img.height(), img.width(), out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p
                && p.width == width
                && p.height == height
                && Arrays.equals(p.mean, mean)
                && Arrays.equals(p.std, std);
    }

    @Override
    public int hashCode() {
        return Objects.hash(width, height, Arrays.hashCode(mean), Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        return "Preprocessing[" + width + "x" + height + ", mean=" + Arrays.toString(mean) + ", std="
                + Arrays.toString(std) + "]";
    }
}
