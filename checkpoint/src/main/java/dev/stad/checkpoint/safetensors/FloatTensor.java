package dev.stad.checkpoint.safetensors;

import java.util.Arrays;
import java.util.Objects;

/** A dense row-major float32 tensor: the unit of every weight file. */
public record FloatTensor(long[] shape, float[] data) {

    public FloatTensor {
        Objects.requireNonNull(shape, "shape must not be null");
        Objects.requireNonNull(data, "data must not be null");
        shape = shape.clone();
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + n + " elements but data has " + data.length);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long size() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatTensor t && Arrays.equals(t.shape, shape) && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
