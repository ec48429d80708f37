package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stad.checkpoint.spec.Architectures;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.List;

/**
 * One scale of the detector: a preset ({@code "architecture": "p33"}), an explicit layer list
 * ({@code "name": "p17", "layers": [...]}), or the architecture of a teacher imported from ONNX
 * ({@code "name": "vgg", "architecture": "teacher"}). Teacher and students of the scale share it,
 * except under an imported teacher whose scale names the students' own: a preset
 * ({@code "studentArchitecture": "p17"}, adapted to the teacher's patch and descriptor length by
 * {@link Architectures#studentsFor}) or layers ({@code "studentLayers"}, which must see the
 * teacher's patch and give its descriptor length). {@code epochs}, where given, replaces
 * {@code students.epochs} for this scale's students: scales differ in cost per step by an order
 * of magnitude or more (an imported stem against p17).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScaleConfig(
        @JsonProperty("architecture") String architecture,
        @JsonProperty("name") String name,
        @JsonProperty("layers") List<Layer> layers,
        @JsonProperty("epochs") Integer epochs,
        @JsonProperty("studentArchitecture") String studentArchitecture,
        @JsonProperty("studentLayers") List<Layer> studentLayers) {

    /** The architecture name that stands for an imported teacher's. */
    public static final String TEACHER = "teacher";

    /** A scale whose students train for {@code students.epochs}. */
    public ScaleConfig(String architecture, String name, List<Layer> layers) {
        this(architecture, name, layers, null);
    }

    /** A scale whose students share the teacher's architecture. */
    public ScaleConfig(String architecture, String name, List<Layer> layers, Integer epochs) {
        this(architecture, name, layers, epochs, null, null);
    }

    @JsonCreator
    public ScaleConfig {
        if (studentArchitecture != null || studentLayers != null) {
            if (!TEACHER.equals(architecture)) {
                throw new IllegalArgumentException("\"studentArchitecture\" and \"studentLayers\" belong to the scale"
                        + " of a teacher imported from ONNX (\"architecture\": \"teacher\"); other scales' students"
                        + " share their teacher's architecture");
            }
            if (studentArchitecture != null && studentLayers != null) {
                throw new IllegalArgumentException(
                        "give the students one of \"studentArchitecture\" (p17, p33, p65) or \"studentLayers\"");
            }
            if (studentArchitecture != null) {
                Architectures.named(studentArchitecture); // an unknown preset fails when the config is read
            } else {
                requireLearnable(new NetworkSpec("studentLayers", studentLayers)); // so does a bad layer list
            }
        }
        if (epochs != null && epochs < 1) {
            throw new IllegalArgumentException("a scale's epochs must be >= 1, found " + epochs);
        }
        if ((architecture == null) == (layers == null)) {
            throw new IllegalArgumentException(
                    "a scale needs exactly one of \"architecture\" (p17, p33, p65) or \"layers\"");
        }
        if (layers != null && name == null) {
            throw new IllegalArgumentException("a scale with explicit \"layers\" needs a \"name\"");
        }
        if (TEACHER.equals(architecture)) { // the parameter: the fields are set when this body ends
            if (name == null) {
                throw new IllegalArgumentException("a scale with \"architecture\": \"teacher\" needs a \"name\"");
            }
            new NetworkSpec(name, List.of(Layer.conv(1, 1))); // the name's rules
        } else {
            spec(architecture, name, layers); // validate now, so a bad layer list fails when the config is read
        }
    }

    /** The scale's network's name: its own, or its preset's. */
    @JsonIgnore
    public String specName() {
        return isImported() || name != null
                ? name
                : Architectures.named(architecture).name();
    }

    /** Whether the scale takes the architecture of the teacher imported from ONNX. */
    @JsonIgnore
    public boolean isImported() {
        return TEACHER.equals(architecture);
    }

    /**
     * The students' network for this scale, whose teacher's is {@code teacher}: the teacher's
     * unless the scale names the students' own.
     *
     * @throws IllegalArgumentException if the students' own cannot learn that teacher's
     *     descriptors (another patch or descriptor length)
     */
    public NetworkSpec studentSpec(NetworkSpec teacher) {
        if (studentArchitecture != null) {
            return Architectures.studentsFor(studentArchitecture, teacher);
        }
        if (studentLayers != null) {
            NetworkSpec students = new NetworkSpec(teacher.name(), teacher.inputChannels(), studentLayers);
            students.requireStudentOf(teacher);
            return students;
        }
        return teacher;
    }

    /**
     * The scale's network.
     *
     * @throws IllegalStateException for an imported architecture, which only the teacher's file gives
     */
    public NetworkSpec toSpec() {
        if (isImported()) {
            throw new IllegalStateException(
                    "scale " + name + " takes its architecture from the teacher's ONNX file; import it first");
        }
        return spec(architecture, name, layers);
    }

    private static NetworkSpec spec(String architecture, String name, List<Layer> layers) {
        if (architecture != null) {
            NetworkSpec preset = Architectures.named(architecture);
            return name == null ? preset : new NetworkSpec(name, preset.inputChannels(), preset.layers());
        }
        return requireLearnable(new NetworkSpec(name, 3, layers));
    }

    /**
     * Refuses the logarithm in a network that trains: only the energy teacher, whose weights keep
     * its inputs positive, has one; a conv that learns could feed it zero or less.
     */
    private static NetworkSpec requireLearnable(NetworkSpec spec) {
        for (Layer l : spec.layers()) {
            if (l.isConv() && l.activation() == Layer.Activation.LOG) {
                throw new IllegalArgumentException("network " + spec.name() + ": \"activation\": \"log\" belongs to the"
                        + " energy teacher (\"teacher\": {\"source\": \"energy\"}), not to a network that learns");
            }
        }
        return spec;
    }
}
