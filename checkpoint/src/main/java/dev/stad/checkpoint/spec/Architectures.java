package dev.stad.checkpoint.spec;

import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The three patch networks p17, p33 and p65, as they follow the public re-implementations.
 * Configs may name one of these ({@code "architecture": "p33"}) or spell out their own layers.
 */
public final class Architectures {

    public static final NetworkSpec P17 = new NetworkSpec(
            "p17", List.of(Layer.conv(128, 6), Layer.conv(256, 5), Layer.conv(256, 5), Layer.conv(128, 4)));

    public static final NetworkSpec P33 = new NetworkSpec(
            "p33",
            List.of(
                    Layer.conv(128, 5), Layer.maxPool(2, 2),
                    Layer.conv(256, 5), Layer.maxPool(2, 2),
                    Layer.conv(256, 2), Layer.conv(128, 4)));

    public static final NetworkSpec P65 = new NetworkSpec(
            "p65",
            List.of(
                    Layer.conv(128, 5), Layer.maxPool(2, 2),
                    Layer.conv(128, 5), Layer.maxPool(2, 2),
                    Layer.conv(256, 5), Layer.maxPool(2, 2),
                    Layer.conv(256, 4), Layer.conv(128, 1)));

    private static final Map<String, NetworkSpec> BY_NAME = Map.of("p17", P17, "p33", P33, "p65", P65);

    private Architectures() {}

    /**
     * Students of preset {@code name} for {@code teacher}'s scale, when the teacher is not of
     * that preset (one imported from ONNX): the preset with its first convolution widened (or
     * narrowed) by the difference of receptive fields, so the students see the teacher's whole
     * patch and their descriptors sit where the teacher's do, and its last convolution giving the
     * teacher's descriptor length. The first layer of every preset is a stride-1 conv, so its
     * kernel adds to the receptive field one for one.
     *
     * @throws IllegalArgumentException if the teacher's patch is too small for the preset
     */
    public static NetworkSpec studentsFor(String name, NetworkSpec teacher) {
        NetworkSpec preset = named(name);
        int grow = teacher.receptiveField() - preset.receptiveField();
        List<Layer> layers = new ArrayList<>(preset.layers());
        Layer first = layers.get(0);
        int kernel = first.kernel() + grow;
        if (kernel < 1) {
            throw new IllegalArgumentException("students of " + name + " see " + preset.receptiveField()
                    + "-pixel patches; the teacher of scale " + teacher.name() + " only " + teacher.receptiveField()
                    + ": narrowing " + name + "'s first convolution (kernel " + first.kernel() + ") fits teachers of "
                    + (preset.receptiveField() - first.kernel() + 1) + " pixels or more; give \"studentLayers\""
                    + " that see " + teacher.receptiveField() + " pixels instead");
        }
        layers.set(0, new Layer(first.type(), first.out(), kernel, first.stride(), first.activation(), first.slope()));
        int lastIndex = layers.size() - 1;
        Layer last = layers.get(lastIndex);
        layers.set(
                lastIndex,
                new Layer(
                        last.type(),
                        teacher.descriptorDim(),
                        last.kernel(),
                        last.stride(),
                        last.activation(),
                        last.slope()));
        NetworkSpec students = new NetworkSpec(teacher.name(), teacher.inputChannels(), layers);
        students.requireStudentOf(teacher);
        return students;
    }

    /** The preset called {@code name}. */
    public static NetworkSpec named(String name) {
        NetworkSpec spec = BY_NAME.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("Unknown architecture '" + name + "', expected one of "
                    + BY_NAME.keySet().stream().sorted().toList());
        }
        return spec;
    }
}
