package dev.stad.runtime.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * A planar float image, channels first ({@code data[(c * height + y) * width + x]}). This is the
 * layout every network input and output uses, so it converts to a tensor without copying order.
 */
public final class FloatImage {
    private final int channels;
    private final int height;
    private final int width;
    private final float[] data;

    public FloatImage(int channels, int height, int width, float[] data) {
        Objects.requireNonNull(data, "data must not be null");
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException(
                    "image dimensions must be positive, found " + channels + "x" + height + "x" + width);
        }
        if ((long) channels * height * width != data.length) {
            throw new IllegalArgumentException("data holds " + data.length + " floats, expected " + channels + "x"
                    + height + "x" + width + " = " + (long) channels * height * width);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.data = data;
    }

    public static FloatImage zeros(int channels, int height, int width) {
        return new FloatImage(channels, height, width, new float[channels * height * width]);
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** The backing array (not a copy): callers that must not share it copy it themselves. */
    public float[] data() {
        return data;
    }

    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    public void set(int c, int y, int x, float v) {
        data[(c * height + y) * width + x] = v;
    }

    /**
     * The middle {@code side x side} window (rounded down toward the top left), or all of the
     * image along a side no longer than {@code side}; the image itself when both are.
     */
    public FloatImage centreCrop(int side) {
        int h = Math.min(height, side);
        int w = Math.min(width, side);
        if (h == height && w == width) {
            return this;
        }
        return crop((height - h) / 2, (width - w) / 2, h, w);
    }

    /** A copy of the window with top-left (y, x), all channels. */
    public FloatImage crop(int y, int x, int h, int w) {
        if (y < 0 || x < 0 || y + h > height || x + w > width || h < 1 || w < 1) {
            throw new IllegalArgumentException("crop " + h + "x" + w + " at (" + y + ", " + x
                    + ") does not fit an image of " + height + "x" + width);
        }
        float[] out = new float[channels * h * w];
        for (int c = 0; c < channels; c++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(data, (c * height + y + r) * width + x, out, (c * h + r) * w, w);
            }
        }
        return new FloatImage(channels, h, w, out);
    }

    /** A copy with {@code (x - mean[c]) / std[c]} in every channel c. */
    public FloatImage standardize(float[] mean, float[] std) {
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException(
                    "need " + channels + " means and deviations, found " + mean.length + " and " + std.length);
        }
        int plane = height * width;
        float[] out = new float[data.length];
        for (int c = 0; c < channels; c++) {
            float m = mean[c];
            float inv = 1f / std[c];
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                out[i] = (data[i] - m) * inv;
            }
        }
        return new FloatImage(channels, height, width, out);
    }

    /** A mirrored copy: left-right if {@code horizontal}, top-bottom if {@code vertical}. */
    public FloatImage flip(boolean horizontal, boolean vertical) {
        float[] out = new float[data.length];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                int sy = vertical ? height - 1 - y : y;
                int src = (c * height + sy) * width;
                int dst = (c * height + y) * width;
                if (horizontal) {
                    for (int x = 0; x < width; x++) {
                        out[dst + x] = data[src + width - 1 - x];
                    }
                } else {
                    System.arraycopy(data, src, out, dst, width);
                }
            }
        }
        return new FloatImage(channels, height, width, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatImage f
                && f.channels == channels
                && f.height == height
                && f.width == width
                && Arrays.equals(f.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(channels, height, width, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "FloatImage[" + channels + "x" + height + "x" + width + "]";
    }
}
