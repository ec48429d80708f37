package dev.stad.runtime.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * How an image file becomes a network input; defined once here so training and inference
 * cannot disagree. Steps: decode from the raster to [0, 1]; grey is replicated to 3 channels;
 * resize with {@link Resampler} (antialiased bilinear): to {@code height x width} in
 * {@link InputMode#RESIZE} mode, by the factor {@code scale} in {@link InputMode#NATIVE} mode
 * (not at all at scale 1); then {@code (x - mean[c]) / std[c]} per channel.
 *
 * @param width network input width in pixels (resize mode); in native mode the reference width:
 *     a network input size (after the scale) that graphs are checked and warmed up at, never a
 *     resize target
 * @param height network input height in pixels, or the reference height in native mode
 * @param mean per-channel mean subtracted after scaling to [0, 1]
 * @param std per-channel standard deviation divided by
 * @param mode whether images are resized to {@code width x height} or keep their size; null:
 *     resize
 * @param scale native mode only: the fixed factor every image is resized by, in (0, 1] (a camera
 *     finer than the defects need); null: 1
 * @param normalization whether {@code mean} or each image's own medians centre it; null:
 *     dataset (the fixed statistics)
 */
public record Preprocessing(
        @JsonProperty("width") int width,
        @JsonProperty("height") int height,
        @JsonProperty("mean") float[] mean,
        @JsonProperty("std") float[] std,
        // Left out where they hold their defaults: resize bundles and run files read as before
        // this field existed, by older stations and by resume's comparison of configs alike.
        @JsonProperty("mode") @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = ResizeMode.class)
        InputMode mode,

        @JsonProperty("scale") @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = UnitScale.class)
        Double scale,

        @JsonProperty("normalization")
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = DatasetNormalization.class)
        Normalization normalization) {

    /** ImageNet statistics: the usual choice, and what a teacher brought from elsewhere expects. */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};

    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    @JsonCreator
    public Preprocessing {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("input size must be positive, found " + width + "x" + height);
        }
        mode = mode == null ? InputMode.RESIZE : mode;
        normalization = normalization == null ? Normalization.DATASET : normalization;
        if (scale == null) {
            scale = 1.0;
        }
        if (!(scale > 0 && scale <= 1)) {
            throw new IllegalArgumentException("scale must be in (0, 1], found " + scale);
        }
        if (mode == InputMode.RESIZE && scale != 1.0) {
            throw new IllegalArgumentException("scale " + scale + " is for native mode only; in resize mode images"
                    + " are resized to width x height");
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

    /** Jackson's filter for {@link #mode}: true (left out) for the default, resize. */
    static final class ResizeMode {
        @Override
        public boolean equals(Object o) {
            return o == null || o == InputMode.RESIZE;
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    /** Jackson's filter for {@link #normalization}: true (left out) for the default, dataset. */
    static final class DatasetNormalization {
        @Override
        public boolean equals(Object o) {
            return o == null || o == Normalization.DATASET;
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    /** Jackson's filter for {@link #scale}: true (left out) for the default, 1. */
    static final class UnitScale {
        @Override
        public boolean equals(Object o) {
            return o == null || o instanceof Double d && d == 1.0;
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    /** Resize mode: every image becomes {@code height x width}. */
    public Preprocessing(int width, int height, float[] mean, float[] std) {
        this(width, height, mean, std, InputMode.RESIZE, 1.0, Normalization.DATASET);
    }

    /** Dataset normalisation in {@code mode} at {@code scale}. */
    public Preprocessing(int width, int height, float[] mean, float[] std, InputMode mode, Double scale) {
        this(width, height, mean, std, mode, scale, Normalization.DATASET);
    }

    public static Preprocessing imagenet(int width, int height) {
        return new Preprocessing(width, height, IMAGENET_MEAN, IMAGENET_STD);
    }

    /** The same statistics in native mode at {@code scale}, {@code width x height} the reference size. */
    public Preprocessing asNative(double scale) {
        return new Preprocessing(width, height, mean, std, InputMode.NATIVE, scale, normalization);
    }

    /** The same sizes and statistics, normalised as {@code n} says. */
    public Preprocessing normalizedBy(Normalization n) {
        return new Preprocessing(width, height, mean, std, mode, scale, n);
    }

    /** The same statistics resizing to {@code width x height}: a native model's reference size, say. */
    public Preprocessing resizedTo(int newWidth, int newHeight) {
        return new Preprocessing(newWidth, newHeight, mean, std, InputMode.RESIZE, 1.0, normalization);
    }

    /** Whether images keep their own size ({@link InputMode#NATIVE}). */
    @JsonIgnore
    public boolean isNative() {
        return mode == InputMode.NATIVE;
    }

    /**
     * The network input's {@code {height, width}} for a decoded {@code height x width} image: the
     * bundle's size in resize mode, the image's own times {@code scale} in native mode.
     */
    public int[] inputSize(int imageHeight, int imageWidth) {
        if (mode == InputMode.RESIZE) {
            return new int[] {height, width};
        }
        return new int[] {scaled(imageHeight), scaled(imageWidth)};
    }

    private int scaled(int side) {
        return scale == 1.0 ? side : (int) Math.max(1, Math.round(side * scale));
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
        int[] size = inputSize(rgb.height(), rgb.width());
        if (mode == InputMode.NATIVE && size[0] == rgb.height() && size[1] == rgb.width()) {
            return normalize(rgb);
        }
        return normalize(Resampler.resize(rgb, size[0], size[1]));
    }

    /**
     * The last step alone: a 3-channel [0, 1] image at network size centred and scaled as {@link
     * #normalization} says. Crops a trainer takes from photos of its own go through this, so they
     * reach the networks as the station's inputs do.
     */
    public FloatImage normalize(FloatImage rgb) {
        return normalization == Normalization.IMAGE
                ? ImageStatistics.of(rgb).centre(rgb, std)
                : rgb.standardize(mean, std);
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
                && Arrays.equals(p.std, std)
                && p.mode == mode
                && p.scale.equals(scale)
                && p.normalization == normalization;
    }

    @Override
    public int hashCode() {
        return Objects.hash(width, height, Arrays.hashCode(mean), Arrays.hashCode(std), mode, scale, normalization);
    }

    @Override
    public String toString() {
        String size = mode == InputMode.RESIZE
                ? width + "x" + height
                : "native" + (scale == 1.0 ? "" : " x" + scale) + ", reference " + width + "x" + height;
        String norm = normalization == Normalization.IMAGE
                ? "mean=each image's own medians, std=" + Arrays.toString(std)
                : "mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std);
        return "Preprocessing[" + size + ", " + norm + "]";
    }
}
