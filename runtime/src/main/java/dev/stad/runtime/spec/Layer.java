package dev.stad.runtime.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * One layer of a patch network as written in a config: an unpadded convolution (stride 1) or a
 * max pool. In-channel counts are not stored; they follow from the previous layer.
 *
 * @param type conv or maxpool
 * @param out output channels of a conv; 0 for a pool (it keeps its input's channels)
 * @param kernel square kernel size
 * @param stride 1 for a conv; the pool's stride (usually equal to its kernel)
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record Layer(
        @JsonProperty("type") Type type,
        @JsonProperty("out") int out,
        @JsonProperty("kernel") int kernel,
        @JsonProperty("stride") int stride) {

    /** The layer kinds a patch network may use. */
    public enum Type {
        @JsonProperty("conv")
        CONV,
        @JsonProperty("maxpool")
        MAXPOOL
    }

    @JsonCreator
    public Layer {
        Objects.requireNonNull(type, "layer type must not be null (expected \"conv\" or \"maxpool\")");
        if (kernel < 1) {
            throw new IllegalArgumentException("layer kernel must be >= 1, found " + kernel);
        }
        if (type == Type.CONV) {
            if (out < 1) {
                throw new IllegalArgumentException("conv layer needs \"out\" >= 1, found " + out);
            }
            if (stride == 0) {
                stride = 1;
            }
            if (stride != 1) {
                throw new IllegalArgumentException(
                        "conv layers must have stride 1 (dense extraction relies on it), found " + stride);
            }
        } else {
            if (out != 0) {
                throw new IllegalArgumentException("maxpool layer keeps its channels; remove \"out\": " + out);
            }
            if (stride == 0) {
                stride = kernel;
            }
            if (stride < 1) {
                throw new IllegalArgumentException("maxpool stride must be >= 1, found " + stride);
            }
        }
    }

    public static Layer conv(int out, int kernel) {
        return new Layer(Type.CONV, out, kernel, 1);
    }

    public static Layer maxPool(int kernel, int stride) {
        return new Layer(Type.MAXPOOL, 0, kernel, stride);
    }

    @JsonIgnore
    public boolean isConv() {
        return type == Type.CONV;
    }

    @Override
    public String toString() {
        return isConv() ? "conv(" + out + ", k" + kernel + ")" : "maxpool(k" + kernel + ", s" + stride + ")";
    }
}
