package dev.stad.exporter.onnx;

import ai.onnx.proto.OnnxMl;
import dev.stad.runtime.io.FloatTensor;
import dev.stad.runtime.score.ScoreStatistics;
import dev.stad.runtime.spec.NetworkForm;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The graphs of a bundle, with the tensor names the runtime relies on:
 *
 * <ul>
 *   <li>patch form: {@code patch [batch, 3, rf, rf] -> descriptors [batch, D, 1, 1]};
 *   <li>dense form: {@code image [1, 3, height, width] -> descriptors [1, D, height, width]},
 *       the zero padding inside the graph;
 *   <li>detector: {@code image [1, 3, height, width] -> anomaly_map [1, 1, height, width]} plus
 *       {@code score_<scale>} per scale, with teacher, students, e, v, the validation
 *       normalisation and the mean over scales inside.
 * </ul>
 *
 * Inputs are preprocessed images ({@link dev.stad.runtime.image.Preprocessing}).
 */
public final class Graphs {
    public static final String PATCH_INPUT = "patch";
    public static final String IMAGE_INPUT = "image";
    public static final String DESCRIPTORS = "descriptors";
    public static final String ANOMALY_MAP = "anomaly_map";
    public static final String SCORE_PREFIX = "score_";

    /** How the detector computes the networks of one scale. */
    public enum Layout {
        /** All networks of a scale as one stack of convs (grouped after the first). */
        FUSED,
        /** Each network on its own, as in the per-network graphs. */
        SEPARATE;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One scale of a detector.
     *
     * @param teacher teacher weights with the descriptor normalisation folded in
     * @param students each student's weights
     * @param statistics e / v statistics from the validation images
     */
    public record Scale(NetworkSpec spec, Map<String, FloatTensor> teacher, List<Map<String, FloatTensor>> students,
            ScoreStatistics statistics) {
        public Scale {
            students = List.copyOf(students);
            if (students.size() < 2) {
                throw new IllegalArgumentException("scale " + spec.name() + " needs at least 2 students, found "
                        + students.size());
            }
        }
    }

    private Graphs() {
    }

    public static OnnxMl.ModelProto patch(NetworkSpec spec, Map<String, FloatTensor> weights, String version,
            Map<String, String> metadata) {
        OnnxGraph g = new OnnxGraph(spec.name() + "_patch");
        int rf = spec.receptiveField();
        String in = g.input(PATCH_INPUT, "batch", 3L, (long) rf, (long) rf);
        String out = NetworkEmitter.emit(g, spec, weights, in, NetworkForm.PATCH);
        g.output(g.rename(out, DESCRIPTORS), "batch", (long) spec.descriptorDim(), 1L, 1L);
        return g.model(version, metadata);
    }

    public static OnnxMl.ModelProto dense(NetworkSpec spec, Map<String, FloatTensor> weights, String version,
            Map<String, String> metadata) {
        OnnxGraph g = new OnnxGraph(spec.name() + "_dense");
        String in = g.input(IMAGE_INPUT, 1L, 3L, "height", "width");
        String out = NetworkEmitter.emit(g, spec, weights, NetworkEmitter.pad(g, spec, in), NetworkForm.DENSE);
        g.output(g.rename(out, DESCRIPTORS), 1L, (long) spec.descriptorDim(), "height", "width");
        return g.model(version, metadata);
    }

    public static OnnxMl.ModelProto detector(List<Scale> scales, Layout layout, String version,
            Map<String, String> metadata) {
        OnnxGraph g = new OnnxGraph("detector");
        String image = g.input(IMAGE_INPUT, 1L, 3L, "height", "width");
        List<String> scores = new ArrayList<>();
        for (Scale s : scales) {
            String padded = NetworkEmitter.pad(g, s.spec(), image);
            List<Map<String, FloatTensor>> nets = new ArrayList<>();
            nets.add(s.teacher());
            nets.addAll(s.students());
            List<String> outs = new ArrayList<>();
            if (layout == Layout.FUSED) {
                outs.addAll(NetworkEmitter.emitFused(g, s.spec(), nets, padded, NetworkForm.DENSE));
            } else {
                for (Map<String, FloatTensor> n : nets) {
                    outs.add(NetworkEmitter.emit(g, s.spec(), n, padded, NetworkForm.DENSE));
                }
            }
            String score = score(g, outs.get(0), outs.subList(1, outs.size()), s.statistics());
            scores.add(g.rename(score, SCORE_PREFIX + s.spec().name()));
        }
        String sum = scores.size() == 1 ? scores.get(0) : g.node("Sum", scores, Map.of());
        String map = g.node("Mul", sum, g.scalar("inv_scales", 1f / scales.size()));
        g.output(g.rename(map, ANOMALY_MAP), 1L, 1L, "height", "width");
        for (String s : scores) {
            g.output(s, 1L, 1L, "height", "width");
        }
        return g.model(version, metadata);
    }

    /**
     * {@code (e - eMean)/eStd + (v - vMean)/vStd} with {@code mu = mean_i S_i},
     * {@code e = ||mu - T||^2}, {@code v = mean_i ||S_i||^2 - ||mu||^2}, norms over channels.
     */
    static String score(OnnxGraph g, String teacher, List<String> students, ScoreStatistics st) {
        int m = students.size();
        String axes = g.ints("channel_axis", 1);
        Map<String, Object> keep = Map.of("keepdims", 1L);
        String mu = g.node("Mul", g.node("Sum", students, Map.of()), g.scalar("inv_m", 1f / m));
        String diff = g.node("Sub", mu, teacher);
        String e = g.node("ReduceSum", List.of(g.node("Mul", diff, diff), axes), keep);
        List<String> squares = new ArrayList<>();
        for (String s : students) {
            squares.add(g.node("ReduceSum", List.of(g.node("Mul", s, s), axes), keep));
        }
        String meanSquare = g.node("Mul", g.node("Sum", squares, Map.of()), g.scalar("inv_m", 1f / m));
        String v = g.node("Sub", meanSquare, g.node("ReduceSum", List.of(g.node("Mul", mu, mu), axes), keep));
        float offset = (float) (-st.eMean() / st.eStd() - st.vMean() / st.vStd());
        String eTerm = g.node("Mul", e, g.scalar("inv_e_std", (float) (1 / st.eStd())));
        String vTerm = g.node("Mul", v, g.scalar("inv_v_std", (float) (1 / st.vStd())));
        return g.node("Add", g.node("Add", eTerm, vTerm), g.scalar("score_offset", offset));
    }

    /** Metadata every graph carries (provenance), plus what is particular to it. */
    public static Map<String, String> metadata(Map<String, String> common, String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(common);
        m.put(key, value);
        return m;
    }
}
