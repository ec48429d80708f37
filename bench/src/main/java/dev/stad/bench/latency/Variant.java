package dev.stad.bench.latency;

import dev.stad.exporter.TrainedModel;
import dev.stad.exporter.onnx.Graphs;
import dev.stad.runtime.StadVersion;
import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.detect.Tiles;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One detector graph to time: some scales of a model with some number of students each.
 *
 * @param name e.g. {@code p17+p33 M=3}
 * @param networks the architecture of each of its dense networks, teacher and students of every scale
 * @param onnx the detector graph (fused layout)
 * @param precision the bundle detector's precision; null for a variant built from a training run
 */
public record Variant(
        String name,
        List<String> scales,
        int students,
        List<NetworkSpec> networks,
        byte[] onnx,
        Precision precision,
        ScaleCombination combination) {

    /** How this detector is cut into tiles and its band filled: its own combination's geometry. */
    public Tiles.Geometry geometry() {
        return Tiles.Geometry.of(combination);
    }

    /**
     * FLOPs (2 per MAC) of the convolutions one {@code height x width} anomaly map computes when
     * computed whole: each layer's valid outputs only ({@link NetworkSpec#denseMacs}). Tiles
     * compute their halos on top, which is not counted.
     */
    public double gflop(int height, int width) {
        double macs = 0;
        for (NetworkSpec n : networks) {
            macs += n.denseMacs(height, width);
        }
        return 2.0 * macs / 1e9;
    }

    private static void addNetworks(
            List<NetworkSpec> networks, NetworkSpec teacher, NetworkSpec student, int students) {
        networks.add(teacher);
        for (int i = 0; i < students; i++) {
            networks.add(student);
        }
    }

    /** The bundle's own fp32 detector. */
    public static Variant ofBundle(ModelBundle bundle) throws BundleException {
        return ofBundle(bundle, Precision.FP32);
    }

    /** The bundle's own detector of {@code precision}; the bundle must have it. */
    public static Variant ofBundle(ModelBundle bundle, Precision precision) throws BundleException {
        BundleManifest m = bundle.manifest();
        List<NetworkSpec> networks = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (BundleManifest.Scale s : m.scales()) {
            addNetworks(networks, s.spec(), s.studentNetwork(), s.students());
            names.add(s.name());
        }
        int students = m.scales().get(0).students();
        BundleManifest.DetectorGraph d = m.detector(precision)
                .orElseThrow(() -> new IllegalArgumentException("the bundle has no " + precision.id() + " detector"));
        return new Variant(
                String.join("+", names) + " M=" + students + " " + precision.id(),
                names,
                students,
                List.copyOf(networks),
                bundle.read(d.file()),
                precision,
                d.combination() != null ? d.combination() : m.combination());
    }

    /**
     * A detector of the given scales of a trained run, each with its first {@code students}
     * students. The run's combination is calibrated for all its scales; a subset gets the same
     * levels with placeholder statistics, which changes the map's values but not its cost.
     */
    public static Variant of(TrainedModel model, List<String> scales, int students) {
        List<Graphs.ScaleNetworks> gs = new ArrayList<>();
        List<NetworkSpec> networks = new ArrayList<>();
        for (TrainedModel.ScaleWeights w : model.scales()) {
            if (!scales.contains(w.spec().name())) {
                continue;
            }
            if (students > w.students().size()) {
                throw new IllegalArgumentException("scale " + w.spec().name() + " has "
                        + w.students().size() + " students, asked for " + students);
            }
            gs.add(new Graphs.ScaleNetworks(
                    w.spec(),
                    w.foldedTeacher(),
                    w.students().subList(0, students),
                    w.scale().statistics(),
                    w.scale().gaussian(),
                    w.studentSpec()));
            addNetworks(networks, w.spec(), w.studentSpec(), students);
        }
        if (gs.size() != scales.size()) {
            throw new IllegalArgumentException("the run has scales "
                    + model.scales().stream().map(s -> s.spec().name()).toList() + ", asked for " + scales);
        }
        List<NetworkSpec> specs = gs.stream().map(Graphs.ScaleNetworks::spec).toList();
        ScaleCombination combination = gs.size() == model.scales().size()
                ? model.combination()
                : ScaleCombination.uncalibrated(specs, model.combination().smoothingSigma());
        byte[] onnx = Graphs.detector(gs, combination, DetectorLayout.DEFAULT, StadVersion.get(), Map.of())
                .toByteArray();
        return new Variant(
                String.join("+", scales) + " M=" + students,
                List.copyOf(scales),
                students,
                List.copyOf(networks),
                onnx,
                null,
                combination);
    }
}
