package dev.stad.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stad.runtime.image.FloatImage;
import java.util.List;

/** Conversions between runtime images and DJL arrays (both channel-first, so no reordering). */
public final class Tensors {
    private Tensors() {}

    /** Stacks same-sized images into a [B, C, H, W] array on {@code manager}. */
    public static NDArray batch(NDManager manager, List<FloatImage> images) {
        FloatImage first = images.get(0);
        int per = first.data().length;
        float[] data = new float[per * images.size()];
        for (int i = 0; i < images.size(); i++) {
            FloatImage im = images.get(i);
            if (im.channels() != first.channels() || im.height() != first.height() || im.width() != first.width()) {
                throw new IllegalArgumentException("batch images differ in size: " + first + " vs " + im);
            }
            System.arraycopy(im.data(), 0, data, i * per, per);
        }
        return manager.create(data, new Shape(images.size(), first.channels(), first.height(), first.width()));
    }

    /**
     * A 0-d array of {@code value} on {@code manager}, for arithmetic inside a gradient recording;
     * {@code manager} must stay open until the backward pass has run, which keeps the array and
     * the JVM buffer under it alive. Never use DJL's {@code x.mul(2f)}, {@code x.div(n)} or
     * {@code x.maximum(0f)} there: they wrap the number in such a buffer and close the array right
     * after the operation, but autograd keeps the operand for the backward pass, which then
     * multiplies by whatever the freed buffer holds by then. We measured gradients of 1e20 in one
     * step of a few hundred this way, intermittently, depending on when the garbage collector ran;
     * the loss stayed finite, so nothing else caught it.
     */
    public static NDArray scalar(NDManager manager, float value) {
        return manager.create(value);
    }

    /** Image {@code index} of a [B, C, H, W] array. */
    public static FloatImage image(NDArray array, int index) {
        Shape s = array.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("expected a [B, C, H, W] array, found " + s);
        }
        NDArray one = array.get(index);
        float[] data = one.toFloatArray();
        one.close();
        return new FloatImage((int) s.get(1), (int) s.get(2), (int) s.get(3), data);
    }
}
