package dev.stad.runtime.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A patch network (teacher or student) as data: a list of unpadded convolutions and pools, with a
 * LeakyReLU after every conv but the last unless a layer names its own activation (imported
 * teachers do). The same spec describes two forms that share weights:
 *
 * <ul>
 *   <li><b>patch form</b>: a {@code receptiveField() x receptiveField()} patch in, one descriptor
 *       out, layers exactly as written;
 *   <li><b>dense form</b> (fast dense feature extraction, Bailer et al. 2017): every layer gets
 *       stride 1 and every later layer's dilation is multiplied by the product of the earlier
 *       strides, so one pass over an image yields the patch-form descriptor of every position where
 *       the patch lies wholly inside the image (see {@link #margin()}).
 * </ul>
 *
 * @param name short name used in file names and logs, e.g. {@code p17}
 * @param inputChannels channels of the input image (3: grey images are replicated)
 * @param layers the layers, the last of which must be a conv giving the descriptor
 */
public record NetworkSpec(
        @JsonProperty("name") String name,
        @JsonProperty("inputChannels") int inputChannels,
        @JsonProperty("layers") List<Layer> layers) {

    /** LeakyReLU negative slope used after every conv but the last (as in the public re-implementations). */
    public static final float LEAKY_SLOPE = 5e-3f;

    @JsonCreator
    public NetworkSpec {
        Objects.requireNonNull(name, "network name must not be null");
        if (!name.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException(
                    "network name must be letters, digits, '_' or '-', found '" + name + "'");
        }
        if (inputChannels == 0) {
            inputChannels = 3;
        }
        if (inputChannels < 1) {
            throw new IllegalArgumentException(
                    "network " + name + ": inputChannels must be >= 1, found " + inputChannels);
        }
        Objects.requireNonNull(layers, "network " + name + ": layers must not be null");
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("network " + name + " has no layers");
        }
        if (!layers.get(layers.size() - 1).isConv()) {
            throw new IllegalArgumentException(
                    "network " + name + ": the last layer must be a conv (it yields the descriptor), found "
                            + layers.get(layers.size() - 1));
        }
        Layer last = layers.get(layers.size() - 1);
        if (last.activation() != null && last.activation() != Layer.Activation.NONE) {
            // The descriptor's normalisation is folded into the last conv, which an activation after it would break.
            throw new IllegalArgumentException(
                    "network " + name + ": the last conv yields the descriptor and takes no activation, found " + last);
        }
    }

    public NetworkSpec(String name, List<Layer> layers) {
        this(name, 3, layers);
    }

    /** Descriptor length: the last conv's output channels. */
    @JsonIgnore
    public int descriptorDim() {
        return layers.get(layers.size() - 1).out();
    }

    /** Input channels of layer {@code i}. */
    public int inChannels(int i) {
        int c = inputChannels;
        for (int j = 0; j < i; j++) {
            if (layers.get(j).isConv()) {
                c = layers.get(j).out();
            }
        }
        return c;
    }

    /**
     * What follows conv layer {@code i}: its own activation if it names one, else a LeakyReLU for
     * every conv but the last and nothing for the last.
     */
    public Layer.Activation activation(int i) {
        Layer l = layers.get(i);
        if (!l.isConv()) {
            throw new IllegalArgumentException("layer " + i + " of " + name + " is " + l + ", not a conv");
        }
        if (l.activation() != null) {
            return l.activation();
        }
        return i == layers.size() - 1 ? Layer.Activation.NONE : Layer.Activation.LEAKY;
    }

    /** The negative slope of conv layer {@code i}'s leaky activation. */
    public float leakySlope(int i) {
        float slope = layers.get(i).slope();
        return slope == 0 ? LEAKY_SLOPE : slope;
    }

    /** Indices of the conv layers, in order; parameter names are derived from them. */
    @JsonIgnore
    public List<Integer> convIndices() {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).isConv()) {
                idx.add(i);
            }
        }
        return idx;
    }

    /**
     * The side of the square input patch that influences one descriptor. For the preset
     * layouts this is 17, 32 and 60 (not the nominal 33 and 65: pooling floors away a border).
     */
    @JsonIgnore
    public int receptiveField() {
        int rf = 1;
        int jump = 1;
        for (Layer l : layers) {
            rf += (l.kernel() - 1) * jump;
            jump *= l.stride();
        }
        return rf;
    }

    /**
     * Dilation of layer {@code i} in dense form: the product of the strides before it.
     */
    public int denseDilation(int i) {
        int d = 1;
        for (int j = 0; j < i; j++) {
            d *= layers.get(j).stride();
        }
        return d;
    }

    /** Product of all strides: the spacing of patch-form outputs on a larger input. */
    @JsonIgnore
    public int totalStride() {
        return denseDilation(layers.size());
    }

    /**
     * Where the dense form's descriptors sit in the image. The dense form computes a descriptor
     * only where the whole receptive field lies inside the image (the valid region): an
     * {@code H x W} input yields {@code (H - rf + 1) x (W - rf + 1)} descriptors, and descriptor
     * (i, j) is the patch form applied to rows i..i+rf-1 and columns j..j+rf-1, which this
     * project assigns to pixel (i + before, j + before). See {@link Margin}.
     */
    @JsonIgnore
    public Margin margin() {
        int total = receptiveField() - 1;
        int before = total / 2;
        return new Margin(before, total - before);
    }

    /** Multiply-accumulates per output pixel of the dense form (the cost model's unit). */
    @JsonIgnore
    public long denseMacsPerPixel() {
        long macs = 0;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (l.isConv()) {
                macs += (long) inChannels(i) * l.out() * l.kernel() * l.kernel();
            }
        }
        return macs;
    }

    /**
     * Multiply-accumulates of the dense form on an {@code height x width} input. Each layer computes
     * only its valid outputs, which shrink by {@code (kernel - 1) x dilation} per layer, so this is
     * less than {@link #denseMacsPerPixel()} times the input's pixels: for p65 at 256x256, 71% of it.
     *
     * @throws IllegalArgumentException if the input is smaller than the receptive field
     */
    public long denseMacs(int height, int width) {
        if (height < receptiveField() || width < receptiveField()) {
            throw new IllegalArgumentException(name + ": a " + height + "x" + width
                    + " input is smaller than the receptive field (" + receptiveField() + ")");
        }
        long macs = 0;
        long h = height;
        long w = width;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            int shrink = (l.kernel() - 1) * denseDilation(i);
            h -= shrink;
            w -= shrink;
            if (l.isConv()) {
                macs += (long) inChannels(i) * l.out() * l.kernel() * l.kernel() * h * w;
            }
        }
        return macs;
    }

    /**
     * Multiply-accumulates of one patch-form forward pass on a receptive-field patch: what
     * evaluating the network patch by patch costs per output pixel. Its ratio to
     * {@link #denseMacsPerPixel()} is what fast dense extraction saves.
     */
    @JsonIgnore
    public long patchMacs() {
        long macs = 0;
        int side = receptiveField();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            side = (side - l.kernel()) / l.stride() + 1;
            if (l.isConv()) {
                macs += (long) side * side * inChannels(i) * l.out() * l.kernel() * l.kernel();
            }
        }
        return macs;
    }

    /** Number of trainable floats (weights and biases). */
    @JsonIgnore
    public long parameterCount() {
        long n = 0;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (l.isConv()) {
                n += (long) inChannels(i) * l.out() * l.kernel() * l.kernel() + l.out();
            }
        }
        return n;
    }

    /** Weight tensor name of conv layer {@code i}, shared by checkpoints and exporters. */
    public static String weightName(int layerIndex) {
        return "layer" + layerIndex + ".weight";
    }

    /** Bias tensor name of conv layer {@code i}. */
    public static String biasName(int layerIndex) {
        return "layer" + layerIndex + ".bias";
    }

    /** Shape of conv layer {@code i}'s weight: [out, in, k, k]. */
    public long[] weightShape(int layerIndex) {
        Layer l = layers.get(layerIndex);
        if (!l.isConv()) {
            throw new IllegalArgumentException("layer " + layerIndex + " of " + name + " is " + l + ", not a conv");
        }
        return new long[] {l.out(), inChannels(layerIndex), l.kernel(), l.kernel()};
    }

    /**
     * Checks that students of this architecture can learn {@code teacher}'s descriptors in its
     * scale: the same patch (receptive field), so their dense descriptors sit at the teacher's
     * positions, and descriptors of the teacher's length, so e and v compare like with like; and
     * the scale's name and input channels, which name the students' graphs and read its image.
     *
     * @throws IllegalArgumentException naming both architectures and what differs
     */
    public void requireStudentOf(NetworkSpec teacher) {
        if (!name.equals(teacher.name()) || inputChannels != teacher.inputChannels()) {
            throw new IllegalArgumentException("students named " + name + " reading " + inputChannels
                    + " channels belong to scale " + teacher.name() + ", whose teacher reads "
                    + teacher.inputChannels() + "; they must carry the scale's name and read its channels");
        }
        if (receptiveField() != teacher.receptiveField()) {
            throw new IllegalArgumentException("students of " + layers + " see " + receptiveField()
                    + "-pixel patches, the teacher of scale " + teacher.name() + " " + teacher.receptiveField()
                    + "; they must see the same patch");
        }
        if (descriptorDim() != teacher.descriptorDim()) {
            throw new IllegalArgumentException("students of " + layers + " yield " + descriptorDim()
                    + " channels, the teacher of scale " + teacher.name() + " " + teacher.descriptorDim()
                    + "; their last conv must give the teacher's descriptor length");
        }
    }

    @Override
    public String toString() {
        return name + layers + " rf=" + receptiveField();
    }

    /**
     * The band of the image, {@code before} rows and columns at the top and left and {@code after}
     * at the bottom and right, where a scale has no descriptor of its own: a patch centred there
     * would reach outside the image. Descriptors are never computed on padding: padded border
     * patches are a distribution of their own with very few examples per offset (one per
     * training image at a corner), which students learn poorly, so a good image's border became
     * its most anomalous part.
     *
     * <p>For an odd receptive field the patch of pixel (r, c) is centred on it; for an even one
     * ({@code after = before + 1}) its centre lies half a pixel below and to the right of (r, c).
     */
    public record Margin(int before, int after) {
        public Margin {
            if (before < 0 || after < 0) {
                throw new IllegalArgumentException("margins must be >= 0, found (" + before + ", " + after + ")");
            }
        }

        public int total() {
            return before + after;
        }
    }
}
