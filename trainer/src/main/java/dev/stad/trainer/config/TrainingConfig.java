package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.model.EnergyTeacher;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A whole training run as read from a JSON file under {@code configs/}. Every field but
 * {@code data} and {@code input} has a default; unknown fields are rejected so a typo cannot be
 * silently ignored.
 *
 * @param name model name, used for the default output folder
 * @param seed the one seed all randomness (data, init, crops) derives from
 * @param out run folder for checkpoints and training metadata; default {@code runs/<name>}
 * @param bundle where the finished model bundle is exported; default {@code models/<name>}
 *     (a folder, or a .zip file)
 */
@JsonPropertyOrder({"name", "seed", "out", "bundle", "data", "input", "scales", "teacher", "students", "calibration"})
public record TrainingConfig(
        @JsonProperty("name") String name,
        @JsonProperty("seed") Long seed,
        @JsonProperty("out") String out,
        @JsonProperty("bundle") String bundle,
        @JsonProperty("data") DataConfig data,
        @JsonProperty("input") Preprocessing input,
        @JsonProperty("scales") List<ScaleConfig> scales,
        @JsonProperty("teacher") TeacherConfig teacher,
        @JsonProperty("students") StudentConfig students,
        @JsonProperty("calibration") CalibrationConfig calibration) {

    @JsonCreator
    public TrainingConfig {
        name = Checks.orDefault(name, "model");
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("name must be letters, digits, '.', '_' or '-', found '" + name + "'");
        }
        seed = Checks.orDefault(seed, 0L);
        out = Checks.orDefault(out, "runs/" + name);
        bundle = Checks.orDefault(bundle, "models/" + name);
        data = Checks.orDefault(data, new DataConfig(null, null, null));
        Objects.requireNonNull(input, "\"input\" is required (at least \"width\" and \"height\")");
        if (scales == null || scales.isEmpty()) {
            throw new IllegalArgumentException("\"scales\" needs at least one scale");
        }
        scales = List.copyOf(scales);
        teacher = Checks.orDefault(teacher, new TeacherConfig(null, null, null));
        students = Checks.orDefault(students, new StudentConfig(null, null, null, null, null, null, null, null));
        calibration = Checks.orDefault(calibration, new CalibrationConfig(null, null, null, null, null));
        Set<String> names = new HashSet<>();
        List<NetworkSpec> known = new java.util.ArrayList<>();
        int imported = 0;
        for (ScaleConfig s : scales) {
            String scaleName = s.specName();
            if (!names.add(scaleName)) {
                throw new IllegalArgumentException("two scales are named '" + scaleName + "'; names must differ");
            }
            if (s.isImported()) {
                imported++;
            } else {
                known.add(s.toSpec());
            }
        }
        if (teacher.source() == TeacherConfig.Source.ONNX && imported != 1) {
            throw new IllegalArgumentException("an onnx teacher is one network: give one scale with"
                    + " \"architecture\": \"teacher\" (its students may have their own: \"studentArchitecture\")");
        }
        if (teacher.source() == TeacherConfig.Source.ONNX && scales.size() != 1 && !teacher.randomOthers()) {
            throw new IllegalArgumentException("an onnx teacher is one scale's; scales of our own architectures next to"
                    + " it need teachers too: set teacher.otherScales to \"random\" (fixed random weights) or give"
                    + " only the imported scale");
        }
        if (imported > 0 && teacher.source() != TeacherConfig.Source.ONNX) {
            throw new IllegalArgumentException(
                    "\"architecture\": \"teacher\" needs a teacher read from ONNX (\"source\": \"onnx\")");
        }
        if (!known.isEmpty()) {
            requireFits(known, input, students);
        }
        if (students.none() && calibration.uncertaintyWeight() != null && calibration.uncertaintyWeight() > 0) {
            throw new IllegalArgumentException("calibration.uncertaintyWeight weighs v, the students' disagreement;"
                    + " with students.count 0 there is none: leave it out or set it to 0");
        }
        if (teacher.source() == TeacherConfig.Source.ENERGY) {
            known.forEach(EnergyTeacher::spec); // a patch or descriptor length it cannot fill fails here
        }
        PretrainConfig p = teacher.pretrain();
        if (p != null) {
            // A corpus teacher learns on the corpus images, a self-supervised one on the inputs.
            int largest =
                    known.stream().mapToInt(NetworkSpec::receptiveField).max().orElse(1);
            int positions = Math.min(input.width(), input.height()) - largest + 1;
            int pretrainPositions = p.corpus() != null ? p.corpusImageSize() - largest + 1 : positions;
            if (p.positionsNeeded() > pretrainPositions) {
                throw new IllegalArgumentException("teacher.pretrain.cropSize plus twice positiveShift must fit the "
                        + pretrainPositions + " patch positions per side of the "
                        + (p.corpus() != null ? "corpus images (corpusImageSize)" : "input"));
            }
        }
    }

    /**
     * Checks that every scale's patches fit the input and leave room for the students' crops:
     * at construction for the scales a config spells out, and by the run for an imported one.
     */
    public static void requireFits(List<NetworkSpec> specs, Preprocessing input, StudentConfig students) {
        int side = Math.min(input.width(), input.height());
        int largest = 0;
        for (NetworkSpec spec : specs) {
            if (spec.receptiveField() > side) {
                throw new IllegalArgumentException("scale " + spec.name() + " sees " + spec.receptiveField()
                        + " pixels; an input of " + input.width() + "x" + input.height() + " is too small for it");
            }
            largest = Math.max(largest, spec.receptiveField());
        }
        // Crops hold whole patches only: a crop of c descriptors spans c + rf - 1 pixels.
        int positions = side - largest + 1;
        if (!students.none() && students.cropSize() > positions) {
            throw new IllegalArgumentException("students.cropSize " + students.cropSize() + " exceeds the "
                    + positions + " patch positions per side that an input of " + input.width() + "x" + input.height()
                    + " has for a receptive field of " + largest);
        }
    }

    /** The weight of v in each scale's score: the configured one, and 0 where there are no students. */
    public double uncertaintyWeight() {
        return students.none() ? 0 : calibration.uncertaintyWeightOrDefault();
    }

    /**
     * Every scale's network; a scale with an imported architecture takes {@code importedSpec}'s
     * layers under its own name.
     *
     * @param importedSpec the imported teacher's network; null when no scale imports one
     */
    public List<NetworkSpec> networkSpecs(NetworkSpec importedSpec) {
        return scales.stream()
                .map(s -> s.isImported()
                        ? new NetworkSpec(s.name(), importedSpec.inputChannels(), importedSpec.layers())
                        : s.toSpec())
                .toList();
    }

    /**
     * Every scale's students' network, in scale order: the teacher's ({@code teachers}, as
     * {@link #networkSpecs(NetworkSpec)} gives them) unless the scale names the students' own.
     *
     * @throws IllegalArgumentException if a scale's students cannot learn its teacher's descriptors
     */
    public List<NetworkSpec> studentSpecs(List<NetworkSpec> teachers) {
        List<NetworkSpec> out = new java.util.ArrayList<>();
        for (int i = 0; i < scales.size(); i++) {
            out.add(scales.get(i).studentSpec(teachers.get(i)));
        }
        return List.copyOf(out);
    }

    /** Every scale's network, for configs whose scales are all spelled out (no imported teacher). */
    public List<NetworkSpec> networkSpecs() {
        return scales.stream().map(ScaleConfig::toSpec).toList();
    }

    public TrainingConfig withData(String path) {
        return new TrainingConfig(
                name, seed, out, bundle, data.withPath(path), input, scales, teacher, students, calibration);
    }

    public TrainingConfig withOut(String path) {
        return new TrainingConfig(name, seed, path, bundle, data, input, scales, teacher, students, calibration);
    }

    public TrainingConfig withBundle(String path) {
        return new TrainingConfig(name, seed, out, path, data, input, scales, teacher, students, calibration);
    }

    public TrainingConfig withTeacher(TeacherConfig newTeacher) {
        return new TrainingConfig(name, seed, out, bundle, data, input, scales, newTeacher, students, calibration);
    }

    public TrainingConfig withScales(List<ScaleConfig> newScales) {
        return new TrainingConfig(name, seed, out, bundle, data, input, newScales, teacher, students, calibration);
    }

    public TrainingConfig withSeed(long newSeed) {
        return new TrainingConfig(name, newSeed, out, bundle, data, input, scales, teacher, students, calibration);
    }
}
