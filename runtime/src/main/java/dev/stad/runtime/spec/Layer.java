package dev.stad.runtime.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * One layer of a patch network as written in a config: an unpadded convolution, a max pool or an
 * average pool. In-channel counts are not stored; they follow from the previous layer. Strided
 * convolutions and average pools exist for imported teachers (a VGG or ResNet stem cut at some
 * layer); the project's own architectures use stride-1 convolutions and max pools.
 *
 * @param type conv, maxpool or avgpool
 * @param out output channels of a conv; 0 for a pool (it keeps its input's channels)
 * @param kernel square kernel size
 * @param stride the layer's stride; 1 by default for a conv, the kernel for a pool
 * @param activation what follows a conv; absent means this project's rule: a LeakyReLU of slope
 *     {@link NetworkSpec#LEAKY_SLOPE} after every conv but the last, nothing after the last
 * @param slope the negative slope of a {@code leaky} activation; 0 (absent) means
 *     {@link NetworkSpec#LEAKY_SLOPE}
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record Layer(
        @JsonProperty("type") Type type,
        @JsonProperty("out") int out,
        @JsonProperty("kernel") int kernel,
        @JsonProperty("stride") int stride,
        @JsonProperty("activation") Activation activation,
        @JsonProperty("slope") float slope) {

    /** The layer kinds a patch network may use. */
    public enum Type {
        @JsonProperty("conv")
        CONV,
        @JsonProperty("maxpool")
        MAXPOOL,
        @JsonProperty("avgpool")
        AVGPOOL
    }

    /** What follows a conv. */
    public enum Activation {
        /** max(x, slope * x). */
        @JsonProperty("leaky")
        LEAKY,
        /** max(x, 0). */
        @JsonProperty("relu")
        RELU,
        /** Nothing: the conv's output is the layer's. */
        @JsonProperty("none")
        NONE,
        /**
         * The natural logarithm: the energy teacher's, after a conv whose outputs are positive by
         * construction (non-negative weights over non-negative inputs, a positive bias). A network
         * that trains never has one: a conv that learns could make its input zero or negative.
         */
        @JsonProperty("log")
        LOG
    }

    @JsonCreator
    public Layer {
        Objects.requireNonNull(type, "layer type must not be null (expected \"conv\", \"maxpool\" or \"avgpool\")");
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
            if (activation == Activation.LEAKY ? !(slope >= 0 && slope < 1) : slope != 0) {
                throw new IllegalArgumentException(
                        activation == Activation.LEAKY
                                ? "a leaky activation's slope must be in [0, 1), found " + slope
                                : "\"slope\" belongs to a \"leaky\" activation, found it with " + activation);
            }
        } else {
            String name = type == Type.MAXPOOL ? "maxpool" : "avgpool";
            if (out != 0) {
                throw new IllegalArgumentException(name + " layer keeps its channels; remove \"out\": " + out);
            }
            if (activation != null || slope != 0) {
                throw new IllegalArgumentException(
                        name + " layer has no activation; put it on the conv before the pool");
            }
            if (stride == 0) {
                stride = kernel;
            }
        }
        if (stride < 1) {
            throw new IllegalArgumentException("layer stride must be >= 1, found " + stride);
        }
    }

    /** A conv of stride 1 with this project's activation rule (see {@link #activation}). */
    public static Layer conv(int out, int kernel) {
        return new Layer(Type.CONV, out, kernel, 1, null, 0f);
    }

    /** A conv with its stride and activation given, as an imported network has them. */
    public static Layer conv(int out, int kernel, int stride, Activation activation, float slope) {
        return new Layer(Type.CONV, out, kernel, stride, activation, slope);
    }

    public static Layer maxPool(int kernel, int stride) {
        return new Layer(Type.MAXPOOL, 0, kernel, stride, null, 0f);
    }

    public static Layer avgPool(int kernel, int stride) {
        return new Layer(Type.AVGPOOL, 0, kernel, stride, null, 0f);
    }

    @JsonIgnore
    public boolean isConv() {
        return type == Type.CONV;
    }

    @JsonIgnore
    public boolean isPool() {
        return type != Type.CONV;
    }

    @Override
    public String toString() {
        return switch (type) {
            case CONV ->
                "conv(" + out + ", k" + kernel + (stride == 1 ? "" : ", s" + stride)
                        + (activation == null ? "" : ", " + activationName()) + ")";
            case MAXPOOL -> "maxpool(k" + kernel + ", s" + stride + ")";
            case AVGPOOL -> "avgpool(k" + kernel + ", s" + stride + ")";
        };
    }

    private String activationName() {
        return switch (activation) {
            case LEAKY -> "leaky " + (slope == 0 ? NetworkSpec.LEAKY_SLOPE : slope);
            case RELU -> "relu";
            case NONE -> "none";
            case LOG -> "log";
        };
    }
}
