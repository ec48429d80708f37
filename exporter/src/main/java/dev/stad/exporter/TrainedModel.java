package dev.stad.exporter;

import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.RunMetadata;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.checkpoint.score.DescriptorNormalization;
import dev.stad.exporter.onnx.Graphs;
import dev.stad.exporter.onnx.NetworkEmitter;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.spec.NetworkSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A completed training run as the exporter needs it: the run's metadata and, per scale, the
 * teacher (with its descriptor normalisation) and the students' weights, read from the run
 * folder the trainer wrote ({@link RunDirectory}).
 */
public record TrainedModel(RunMetadata metadata, List<ScaleWeights> scales) {

    /**
     * One scale's networks.
     *
     * @param teacher raw teacher weights (normalisation not folded in)
     * @param normalization the teacher's mu_T and sigma_T
     * @param students each student's weights
     */
    public record ScaleWeights(
            RunMetadata.TrainedScale scale,
            Map<String, FloatTensor> teacher,
            DescriptorNormalization normalization,
            List<Map<String, FloatTensor>> students) {

        /** The teacher's architecture, which is the scale's. */
        public NetworkSpec spec() {
            return scale.spec();
        }

        /** The students' architecture: the teacher's unless they have their own. */
        public NetworkSpec studentSpec() {
            return scale.studentNetwork();
        }

        /** Teacher weights yielding normalised descriptors. */
        public Map<String, FloatTensor> foldedTeacher() {
            return NetworkEmitter.foldNormalization(spec(), teacher, normalization);
        }

        public Graphs.ScaleNetworks toGraphScale() {
            return new Graphs.ScaleNetworks(
                    spec(), foldedTeacher(), students, scale.statistics(), scale.gaussian(), studentSpec());
        }
    }

    public static TrainedModel load(Path runFolder) throws IOException {
        RunDirectory dir = new RunDirectory(runFolder);
        RunMetadata m = dir.readMetadata()
                .orElseThrow(() -> new IOException(runFolder + ": no " + RunDirectory.RUN_FILE
                        + " here; expected a run folder written by the trainer (e.g. runs/default)"));
        if (!RunMetadata.COMPLETE.equals(m.status())) {
            throw new IOException(dir.runFile() + ": the run is not complete (status '" + m.status()
                    + "'); finish training (run the same train command again) before exporting");
        }
        if (m.scales() == null
                || m.scales().isEmpty()
                || m.preprocessing() == null
                || m.threshold() == null
                || m.combination() == null) {
            throw new IOException(dir.runFile() + ": lacks scales, combination, preprocessing or threshold");
        }
        List<ScaleWeights> scales = new ArrayList<>();
        for (RunMetadata.TrainedScale s : m.scales()) {
            if (s.spec() == null || s.statistics() == null) {
                throw new IOException(dir.runFile() + ": scale " + s.name() + " lacks its spec or statistics");
            }
            if (s.studentSpec() != null) {
                try {
                    s.studentSpec().requireStudentOf(s.spec());
                } catch (IllegalArgumentException e) {
                    throw new IOException(dir.runFile() + ": " + e.getMessage(), e);
                }
            }
            Safetensors.Contents t = Safetensors.read(runFolder.resolve(s.teacherFile()));
            DescriptorNormalization norm = new DescriptorNormalization(
                    t.tensor(RunDirectory.NORM_MEAN).data(),
                    t.tensor(RunDirectory.NORM_STD).data());
            Map<String, FloatTensor> teacher = weightsOf(s.spec(), t.tensors(), "");
            List<Map<String, FloatTensor>> students = new ArrayList<>();
            if (s.students() > 0) {
                if (s.studentsFile() == null) {
                    throw new IOException(
                            dir.runFile() + ": scale " + s.name() + " has " + s.students() + " students but no file");
                }
                Safetensors.Contents st = Safetensors.read(runFolder.resolve(s.studentsFile()));
                for (int i = 0; i < s.students(); i++) {
                    students.add(weightsOf(s.studentNetwork(), st.tensors(), RunDirectory.studentPrefix(i)));
                }
            }
            scales.add(new ScaleWeights(s, teacher, norm, students));
        }
        TrainedModel model = new TrainedModel(m, scales);
        if (!m.combination().hasLevelsOf(model.specs())) {
            throw new IOException(dir.runFile() + ": the combination's levels do not match the run's scales");
        }
        return model;
    }

    /** The scales' architectures, in run order. */
    public List<NetworkSpec> specs() {
        return scales.stream().map(ScaleWeights::spec).toList();
    }

    /** The run's calibrated combination of its scales. */
    public ScaleCombination combination() {
        return metadata.combination();
    }

    /** The conv weights of one network, prefix stripped, shapes checked against the spec. */
    private static Map<String, FloatTensor> weightsOf(NetworkSpec spec, Map<String, FloatTensor> all, String prefix)
            throws IOException {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (int i : spec.convIndices()) {
            for (String name : List.of(NetworkSpec.weightName(i), NetworkSpec.biasName(i))) {
                FloatTensor t = all.get(prefix + name);
                if (t == null) {
                    throw new IOException("checkpoint lacks tensor '" + prefix + name + "' of scale " + spec.name());
                }
                long[] expected = name.endsWith("weight")
                        ? spec.weightShape(i)
                        : new long[] {spec.layers().get(i).out()};
                if (!Arrays.equals(t.shape(), expected)) {
                    throw new IOException("tensor '" + prefix + name + "' of scale " + spec.name() + " has shape "
                            + Arrays.toString(t.shape()) + ", the spec needs " + Arrays.toString(expected));
                }
                out.put(name, t);
            }
        }
        return out;
    }
}
