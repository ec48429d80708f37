package dev.stad.runtime.engine;

/**
 * The image shapes a graph will be run on: {@code [1..maxBatch, channels, height, width]} with
 * each side between its minimum and maximum. Engines that compile for fixed shapes (TensorRT)
 * build for this range and tune for the optimum; ONNX Runtime takes any shape and ignores it.
 */
public record InputProfile(
        int channels,
        int minHeight,
        int minWidth,
        int optHeight,
        int optWidth,
        int maxHeight,
        int maxWidth,
        int maxBatch) {
    public InputProfile {
        if (channels < 1 || maxBatch < 1) {
            throw new IllegalArgumentException(
                    "channels and maxBatch must be >= 1, found " + channels + ", " + maxBatch);
        }
        if (minHeight < 1
                || minWidth < 1
                || minHeight > optHeight
                || optHeight > maxHeight
                || minWidth > optWidth
                || optWidth > maxWidth) {
            throw new IllegalArgumentException("need 1 <= min <= opt <= max per side, found heights " + minHeight
                    + "/" + optHeight + "/" + maxHeight + " and widths " + minWidth + "/" + optWidth + "/"
                    + maxWidth);
        }
    }

    /** Exactly one shape, batch 1. */
    public static InputProfile fixed(int channels, int height, int width) {
        return new InputProfile(channels, height, width, height, width, height, width, 1);
    }

    /** Whether {@code [batch, channels, height, width]} lies in the profile. */
    public boolean admits(int batch, int c, int height, int width) {
        return batch >= 1
                && batch <= maxBatch
                && c == channels
                && height >= minHeight
                && height <= maxHeight
                && width >= minWidth
                && width <= maxWidth;
    }

    /** A stable text form, e.g. {@code 1..2x3x[64..256]x[64..256] opt 256x256}, for cache keys and messages. */
    public String describe() {
        return "1.." + maxBatch + "x" + channels + "x[" + minHeight + ".." + maxHeight + "]x[" + minWidth + ".."
                + maxWidth + "] opt " + optHeight + "x" + optWidth;
    }
}
