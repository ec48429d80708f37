package dev.stad.integration.export;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.checkpoint.score.DescriptorNormalization;
import dev.stad.checkpoint.spec.Architectures;
import dev.stad.checkpoint.spec.NetworkForm;
import dev.stad.exporter.ExportCheck;
import dev.stad.exporter.onnx.Graphs;
import dev.stad.exporter.onnx.NetworkEmitter;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.TinyModel;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.Tensors;
import dev.stad.trainer.model.WeightInit;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every exported graph, run on ONNX Runtime, matches the DJL network it came from within 1e-4 relative. */
class ExportParityTest {
    private static final double TOLERANCE = ExportCheck.TOLERANCE;

    static Stream<NetworkSpec> designArchitectures() {
        return Stream.of(Architectures.P17, Architectures.P33, Architectures.P65);
    }

    @ParameterizedTest
    @MethodSource("designArchitectures")
    void patchAndDenseGraphsMatchTheDjlBlock(NetworkSpec spec) throws Exception {
        Map<String, FloatTensor> weights = WeightInit.heUniform(spec, 21);
        FloatImage image = random(3, spec.receptiveField() + 18, spec.receptiveField() + 21, 2);
        List<FloatImage> patches = List.of(
                random(3, spec.receptiveField(), spec.receptiveField(), 3),
                random(3, spec.receptiveField(), spec.receptiveField(), 4));
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            PatchNetwork dense = PatchNetwork.create(spec, NetworkForm.DENSE);
            dense.setParameters(manager, weights, "");
            compare(manager, dense, weights, image, patches, null);
        }
    }

    @Test
    void foldedTeacherGraphMatchesTheNormalisedDjlTeacher() throws Exception {
        NetworkSpec spec = Architectures.P33;
        Map<String, FloatTensor> weights = WeightInit.heUniform(spec, 22);
        SplittableRandom rnd = new SplittableRandom(1);
        float[] mu = new float[128];
        float[] sigma = new float[128];
        for (int c = 0; c < 128; c++) {
            mu[c] = (float) rnd.nextGaussian();
            sigma[c] = (float) rnd.nextDouble(0.3, 3);
        }
        DescriptorNormalization norm = new DescriptorNormalization(mu, sigma);
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            PatchNetwork dense = PatchNetwork.create(spec, NetworkForm.DENSE);
            dense.setParameters(manager, weights, "");
            compare(
                    manager,
                    dense,
                    NetworkEmitter.foldNormalization(spec, weights, norm),
                    random(3, 40, 40, 5),
                    List.of(random(3, 32, 32, 6)),
                    norm);
        }
    }

    @Test
    void bundleOfATrainedRunMatchesItsDjlNetworks() throws Exception {
        ModelBundle bundle = ModelBundle.open(TinyModel.bundle());
        RunDirectory run = new RunDirectory(TinyModel.run());
        FloatImage image = random(3, 24, 24, 7);
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            for (BundleManifest.Scale s : bundle.manifest().scales()) {
                NetworkSpec spec = s.spec();
                List<FloatImage> patches = List.of(random(3, spec.receptiveField(), spec.receptiveField(), 8));
                Safetensors.Contents teacher = Safetensors.read(run.teacherFile(spec.name()));
                DescriptorNormalization norm = new DescriptorNormalization(
                        teacher.tensor(RunDirectory.NORM_MEAN).data(),
                        teacher.tensor(RunDirectory.NORM_STD).data());
                PatchNetwork t = PatchNetwork.create(spec, NetworkForm.DENSE);
                t.setParameters(manager, teacher.tensors(), "");
                compareWithBundle(manager, ps, t, bundle, s.teacher(), image, patches, norm);
                Safetensors.Contents students = Safetensors.read(run.studentsFile(spec.name()));
                for (int i = 0; i < s.students(); i++) {
                    PatchNetwork st = PatchNetwork.create(spec, NetworkForm.DENSE);
                    st.setParameters(manager, students.tensors(), RunDirectory.studentPrefix(i));
                    compareWithBundle(manager, ps, st, bundle, s.studentGraphs().get(i), image, patches, null);
                }
            }
        }
    }

    private static void compare(
            NDManager manager,
            PatchNetwork dense,
            Map<String, FloatTensor> exportedWeights,
            FloatImage image,
            List<FloatImage> patches,
            DescriptorNormalization norm)
            throws Exception {
        NetworkSpec spec = dense.spec();
        byte[] denseGraph =
                Graphs.dense(spec, exportedWeights, "test", Map.of()).toByteArray();
        byte[] patchGraph =
                Graphs.patch(spec, exportedWeights, "test", Map.of()).toByteArray();
        check(manager, new ParameterStore(manager, false), dense, denseGraph, patchGraph, image, patches, norm);
    }

    private static void compareWithBundle(
            NDManager manager,
            ParameterStore ps,
            PatchNetwork dense,
            ModelBundle bundle,
            BundleManifest.NetworkFiles graphs,
            FloatImage image,
            List<FloatImage> patches,
            DescriptorNormalization norm)
            throws Exception {
        check(manager, ps, dense, bundle.read(graphs.dense()), bundle.read(graphs.patch()), image, patches, norm);
    }

    private static void check(
            NDManager manager,
            ParameterStore ps,
            PatchNetwork dense,
            byte[] denseGraph,
            byte[] patchGraph,
            FloatImage image,
            List<FloatImage> patches,
            DescriptorNormalization norm)
            throws Exception {
        NetworkSpec spec = dense.spec();
        FloatImage djlDense = Tensors.image(dense.predict(ps, Tensors.batch(manager, List.of(image))), 0);
        List<FloatImage> djlPatch = new java.util.ArrayList<>();
        var patchOut = dense.withForm(NetworkForm.PATCH).predict(ps, Tensors.batch(manager, patches));
        for (int i = 0; i < patches.size(); i++) {
            djlPatch.add(Tensors.image(patchOut, i));
        }
        if (norm != null) {
            djlDense = norm.normalize(djlDense);
            djlPatch = djlPatch.stream().map(norm::normalize).toList();
        }
        try (GraphSession d = ExportCheck.session(denseGraph, "dense", Graphs.IMAGE_INPUT, Graphs.DESCRIPTORS);
                GraphSession p = ExportCheck.session(patchGraph, "patch", Graphs.PATCH_INPUT, Graphs.DESCRIPTORS)) {
            FloatImage ortDense = d.run(image).get(Graphs.DESCRIPTORS);
            double diff = ExportCheck.relativeDifference(djlDense.data(), ortDense.data());
            assertTrue(diff <= TOLERANCE, spec.name() + " dense: ONNX Runtime vs DJL " + diff);
            List<FloatImage> ortPatch = p.runBatch(patches).stream()
                    .map(o -> o.get(Graphs.DESCRIPTORS))
                    .toList();
            for (int i = 0; i < patches.size(); i++) {
                diff = ExportCheck.relativeDifference(
                        djlPatch.get(i).data(), ortPatch.get(i).data());
                assertTrue(diff <= TOLERANCE, spec.name() + " patch " + i + ": ONNX Runtime vs DJL " + diff);
            }
        }
    }

    private static FloatImage random(int c, int h, int w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] d = new float[c * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return new FloatImage(c, h, w, d);
    }
}
