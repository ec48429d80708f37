package dev.stad.exporter.onnx;

import ai.onnx.proto.OnnxMl;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.spec.NetworkForm;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.OnnxOperator;
import dev.stad.runtime.engine.InteriorSides;
import dev.stad.runtime.score.DescriptorGaussian;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.score.ScoreStatistics;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The graphs of a bundle, with the tensor names the runtime relies on:
 *
 * <ul>
 *   <li>patch form: {@code patch [batch, 3, rf, rf] -> descriptors [batch, D, 1, 1]};
 *   <li>dense form: {@code image [1, 3, height, width] -> descriptors [1, D, height - rf + 1, width - rf + 1]},
 *       the descriptors of every patch that lies wholly inside the image;
 *   <li>detector: {@code image [1, 3, height, width] -> anomaly_map [1, 1, height, width]}, with
 *       teacher, students, e, v and the validation normalisation per scale, and the
 *       {@link ScaleCombination} (bands, border fill, smoothing) inside; with scales of
 *       different margins also {@code interior}, whose shape says which sides of a cut a scale
 *       of a smaller patch may compute less of ({@link InteriorSides}).
 * </ul>
 *
 * Inputs are preprocessed images ({@link dev.stad.runtime.image.Preprocessing}).
 */
public final class Graphs {
    public static final String PATCH_INPUT = "patch";
    public static final String IMAGE_INPUT = "image";
    public static final String DESCRIPTORS = "descriptors";
    public static final String ANOMALY_MAP = "anomaly_map";

    /**
     * One scale of a detector.
     *
     * @param spec the teacher's architecture, which is the scale's
     * @param teacher teacher weights with the descriptor normalisation folded in
     * @param students each student's weights
     * @param statistics e / v statistics from the validation images
     * @param studentSpec the students' architecture: {@code spec} (also when null), or their own
     *     (same patch and descriptor length) under an imported teacher
     */
    public record ScaleNetworks(
            NetworkSpec spec,
            Map<String, FloatTensor> teacher,
            List<Map<String, FloatTensor>> students,
            ScoreStatistics statistics,
            DescriptorGaussian gaussian,
            NetworkSpec studentSpec) {

        /** A scale whose students share the teacher's architecture. */
        public ScaleNetworks(
                NetworkSpec spec,
                Map<String, FloatTensor> teacher,
                List<Map<String, FloatTensor>> students,
                ScoreStatistics statistics,
                DescriptorGaussian gaussian) {
            this(spec, teacher, students, statistics, gaussian, spec);
        }

        public ScaleNetworks {
            students = List.copyOf(students);
            if (studentSpec == null) {
                studentSpec = spec;
            }
            studentSpec.requireStudentOf(spec);
            if ((statistics.hasCalmTerm() || statistics.hasDistanceTerm()) && gaussian == null) {
                throw new IllegalArgumentException(
                        "scale " + spec.name() + " weighs a calm or distance term but has no descriptor Gaussian");
            }
            if (students.size() == 1) {
                throw new IllegalArgumentException(
                        "scale " + spec.name() + " needs no students or at least 2, found 1");
            }
            if (students.isEmpty() && statistics.vWeight() != 0) {
                throw new IllegalArgumentException("scale " + spec.name()
                        + " has no students, so no v to weigh (vWeight " + statistics.vWeight() + ")");
            }
        }

        /** The same networks normalised by {@code other} statistics. */
        public ScaleNetworks withStatistics(ScoreStatistics other) {
            return new ScaleNetworks(spec, teacher, students, other, gaussian, studentSpec);
        }

        /** Whether the students have an architecture of their own, not the teacher's. */
        public boolean ownStudentArchitecture() {
            return !studentSpec.equals(spec);
        }
    }

    private Graphs() {}

    public static OnnxMl.ModelProto patch(
            NetworkSpec spec, Map<String, FloatTensor> weights, String version, Map<String, String> metadata) {
        OnnxGraph g = new OnnxGraph(spec.name() + "_patch");
        int rf = spec.receptiveField();
        String in = g.input(PATCH_INPUT, "batch", 3L, (long) rf, (long) rf);
        String out = NetworkEmitter.emit(g, spec, weights, in, NetworkForm.PATCH);
        g.output(g.rename(out, DESCRIPTORS), "batch", (long) spec.descriptorDim(), 1L, 1L);
        return g.model(version, metadata);
    }

    public static OnnxMl.ModelProto dense(
            NetworkSpec spec, Map<String, FloatTensor> weights, String version, Map<String, String> metadata) {
        OnnxGraph g = new OnnxGraph(spec.name() + "_dense");
        String in = g.input(IMAGE_INPUT, 1L, 3L, "height", "width");
        String out = NetworkEmitter.emit(g, spec, weights, in, NetworkForm.DENSE);
        g.output(g.rename(out, DESCRIPTORS), 1L, (long) spec.descriptorDim(), "descriptor_height", "descriptor_width");
        return g.model(version, metadata);
    }

    /**
     * The detector: every scale's networks and score on the valid region, then the scales
     * combined into one map over the whole image exactly as {@link ScaleCombination#combine}
     * does it: per level the mean of its scales' scores, standardised; the levels nested into
     * one map with Slice and Concat (no arithmetic, so the bands are exact); the Gaussian as two
     * 1-D zero-padded convolutions; the outer band filled from the patches that contain it.
     *
     * @param scales the scales; their names must be those of {@code combination}
     */
    public static OnnxMl.ModelProto detector(
            List<ScaleNetworks> scales,
            ScaleCombination combination,
            DetectorLayout layout,
            String version,
            Map<String, String> metadata) {
        return detector(scales, combination, layout, Quantizer.none(), version, metadata);
    }

    /**
     * The detector with {@code quantizer} at the networks' quantization points; the scoring tail
     * (e, v, the combination, smoothing) stays fp32. A probe quantizer's points become extra
     * graph outputs, named as the points are, for calibration.
     */
    public static OnnxMl.ModelProto detector(
            List<ScaleNetworks> scales,
            ScaleCombination combination,
            DetectorLayout layout,
            Quantizer quantizer,
            String version,
            Map<String, String> metadata) {
        OnnxGraph g = new OnnxGraph("detector");
        String image = g.input(IMAGE_INPUT, 1L, 3L, "height", "width");
        NetworkSpec.Margin widest =
                combination.levels().get(combination.levels().size() - 1).margin();
        String inside = null;
        if (scales.stream().anyMatch(s -> !s.spec().margin().equals(widest))) {
            String sides =
                    g.input(InteriorSides.INPUT, "interior_top", "interior_left", "interior_bottom", "interior_right");
            // 1 on each side the cut has image beyond, 0 on the image's own edge.
            inside = g.node(OnnxOperator.SUB, g.node(OnnxOperator.SHAPE, sides), g.ints("one", 1, 1, 1, 1));
        }
        Map<String, String> scores = new LinkedHashMap<>();
        Map<String, NetworkSpec.Margin> margins = new LinkedHashMap<>();
        for (ScaleNetworks s : scales) {
            List<Map<String, FloatTensor>> nets = new ArrayList<>();
            nets.add(s.teacher());
            nets.addAll(s.students());
            SideCrop crop = inside == null
                    ? null
                    : SideCrop.of(g, image, inside, widest, s.spec().margin());
            List<String> outs = new ArrayList<>();
            outs.addAll(networks(g, s, nets, crop == null ? image : crop.image(), layout, quantizer));
            // Everything after the networks is the scoring tail, which TensorRT keeps in fp32 by name.
            g.prefixNodeNames(BundleManifest.DetectorGraph.FP32_NODE_PREFIX);
            String score = score(g, outs.get(0), outs.subList(1, outs.size()), s.statistics(), s.gaussian());
            scores.put(s.spec().name(), crop == null ? score : g.node(OnnxOperator.PAD, score, crop.pads()));
            g.prefixNodeNames("");
            margins.put(s.spec().name(), s.spec().margin());
        }
        g.prefixNodeNames(BundleManifest.DetectorGraph.FP32_NODE_PREFIX);
        if (!margins.keySet().equals(new HashSet<>(combination.scaleNames()))) {
            throw new IllegalArgumentException("the combination covers scales " + combination.scaleNames()
                    + ", the detector has " + margins.keySet());
        }
        List<ScaleCombination.Level> levels = combination.levels();
        List<String> standardised = new ArrayList<>();
        for (ScaleCombination.Level level : levels) {
            List<String> parts = new ArrayList<>();
            for (String name : level.scales()) {
                parts.add(crop(g, scores.get(name), margins.get(name), level.margin()));
            }
            String mean = parts.size() == 1
                    ? parts.get(0)
                    : g.node(
                            OnnxOperator.MUL,
                            g.node(OnnxOperator.SUM, parts, Map.of()),
                            g.scalar("inv_scales", 1f / parts.size()));
            standardised.add(g.node(
                    OnnxOperator.ADD,
                    g.node(OnnxOperator.MUL, mean, g.scalar("inv_level_std", (float) (1 / level.std()))),
                    g.scalar("level_offset", (float) (-level.mean() / level.std()))));
        }
        String map = standardised.get(levels.size() - 1);
        for (int k = levels.size() - 2; k >= 0; k--) {
            map = nest(
                    g,
                    standardised.get(k),
                    map,
                    levels.get(k).margin(),
                    levels.get(k + 1).margin());
        }
        int r = combination.smoothingRadius();
        if (r > 0) {
            // Zero padding: the same as ScaleCombination's, which counts no value twice.
            float[] k = combination.smoothingKernel();
            map = g.node(
                    OnnxOperator.CONV,
                    List.of(map, g.floats("gauss_rows", new long[] {1, 1, k.length, 1}, k)),
                    Map.of("pads", new long[] {r, 0, r, 0}));
            map = g.node(
                    OnnxOperator.CONV,
                    List.of(map, g.floats("gauss_cols", new long[] {1, 1, 1, k.length}, k)),
                    Map.of("pads", new long[] {0, r, 0, r}));
        }
        map = fillOuterBand(g, map, levels.get(0).margin(), combination.outerBand());
        g.output(g.rename(map, ANOMALY_MAP), 1L, 1L, "height", "width");
        g.prefixNodeNames(""); // the probes are values inside the networks
        for (Map.Entry<String, String> p : quantizer.probes().entrySet()) {
            g.output(g.rename(p.getValue(), p.getKey()), 1L, "channels", "rows", "columns");
        }
        return g.model(version, metadata);
    }

    /**
     * What a scale of a smaller patch is spared on a cut of a larger image: on each side the
     * {@link InteriorSides} input marks as inside the image, the halo the widest margin needs
     * beyond the scale's own (on the image's edge nothing: the band and the levels are there).
     * The scale computes on {@code image}; its score map, padded back by {@code pads} with zeros
     * where it was not computed, has the size the rest of the graph expects. Those zeros lie
     * within the widest margin of the cut's inner sides, never in the tile a station keeps.
     *
     * @param image the cut less the spared sides
     * @param pads the Pad amounts putting the score map back ({@code [0, 0, top, left, 0, 0, bottom, right]})
     */
    private record SideCrop(String image, String pads) {
        /** Null where the scale of margin {@code own} needs all of the cut ({@code own} is the widest). */
        static SideCrop of(
                OnnxGraph g, String image, String inside, NetworkSpec.Margin widest, NetworkSpec.Margin own) {
            long before = Math.max(0, widest.before() - own.before());
            long after = Math.max(0, widest.after() - own.after());
            if (before == 0 && after == 0) {
                return null;
            }
            String spared = g.node(OnnxOperator.MUL, inside, g.ints("spared", before, before, after, after));
            String starts = g.node(OnnxOperator.SLICE, spared, g.ints("from", 0), g.ints("to", 2), g.ints("axis", 0));
            String ends = g.node(OnnxOperator.SLICE, spared, g.ints("from", 2), g.ints("to", 4), g.ints("axis", 0));
            String size = g.node(OnnxOperator.SHAPE, List.of(image), Map.of("start", 2L));
            String cut = g.node(
                    OnnxOperator.SLICE, image, starts, g.node(OnnxOperator.SUB, size, ends), g.ints("axes", 2, 3));
            String none = g.ints("no_pad", 0, 0);
            String pads = g.node(OnnxOperator.CONCAT, List.of(none, starts, none, ends), Map.of("axis", 0L));
            return new SideCrop(cut, pads);
        }
    }

    /** The part of a scale's score map (valid for margin {@code own}) inside the narrower region {@code to}. */
    private static String crop(OnnxGraph g, String map, NetworkSpec.Margin own, NetworkSpec.Margin to) {
        long start = to.before() - own.before();
        long cut = to.after() - own.after();
        if (start == 0 && cut == 0) {
            return map;
        }
        return slice(g, map, start, cut == 0 ? Long.MAX_VALUE : -cut, start, cut == 0 ? Long.MAX_VALUE : -cut);
    }

    /**
     * {@code outer} (valid for margin {@code outerMargin}) with its inner part replaced by
     * {@code inner} (valid for the narrower {@code innerMargin}): the rows above and below, and
     * the columns left and right of {@code inner}, taken from {@code outer}, concatenated around it.
     */
    private static String nest(
            OnnxGraph g, String outer, String inner, NetworkSpec.Margin outerMargin, NetworkSpec.Margin innerMargin) {
        return nest(g, outer, inner, outerMargin, innerMargin, (piece, depth, fromEnd, alongColumns) -> piece);
    }

    /**
     * What becomes of a piece of {@code outer} before it is put around {@code inner}: the piece,
     * {@code depth} rows deep (above or below) or columns deep (beside: {@code alongColumns}),
     * {@code fromEnd} when its last row or column is the one at the border.
     */
    @FunctionalInterface
    private interface BandPiece {
        String apply(String piece, int depth, boolean fromEnd, boolean alongColumns);
    }

    /** {@link #nest(OnnxGraph, String, String, NetworkSpec.Margin, NetworkSpec.Margin)}, each piece of {@code outer} passed through {@code band}. */
    private static String nest(
            OnnxGraph g,
            String outer,
            String inner,
            NetworkSpec.Margin outerMargin,
            NetworkSpec.Margin innerMargin,
            BandPiece band) {
        long top = innerMargin.before() - outerMargin.before();
        long bottom = innerMargin.after() - outerMargin.after();
        long max = Long.MAX_VALUE;
        long middleEnd = bottom == 0 ? max : -bottom;
        List<String> row = new ArrayList<>();
        if (top > 0) {
            row.add(band.apply(slice(g, outer, top, middleEnd, 0, top), (int) top, false, true));
        }
        row.add(inner);
        if (bottom > 0) {
            row.add(band.apply(slice(g, outer, top, middleEnd, -bottom, max), (int) bottom, true, true));
        }
        String middle = row.size() == 1 ? row.get(0) : g.node(OnnxOperator.CONCAT, row, Map.of("axis", 3L));
        List<String> column = new ArrayList<>();
        if (top > 0) {
            column.add(band.apply(slice(g, outer, 0, top, 0, max), (int) top, false, false));
        }
        column.add(middle);
        if (bottom > 0) {
            column.add(band.apply(slice(g, outer, -bottom, max, 0, max), (int) bottom, true, false));
        }
        return column.size() == 1 ? column.get(0) : g.node(OnnxOperator.CONCAT, column, Map.of("axis", 2L));
    }

    private static String slice(OnnxGraph g, String x, long rowStart, long rowEnd, long colStart, long colEnd) {
        return g.node(
                OnnxOperator.SLICE,
                List.of(x, g.ints("starts", rowStart, colStart), g.ints("ends", rowEnd, colEnd), g.ints("axes", 2, 3)),
                Map.of());
    }

    /**
     * The whole image's map from level 0's {@code map}: each pixel of the outer band takes the
     * largest value of the level-0 pixels whose patches contain it, as
     * {@link ScaleCombination#combine} does. Two 1-D max pools (rows, then columns) of side
     * {@code before + after + 1}, padded by that less one, give every pixel the maximum over the
     * patch centres around it (a pool's padding never wins a maximum); the level-0 region is then
     * put back in the middle with Slice and Concat, so only the band takes pooled values.
     */
    private static String fillOuterBand(
            OnnxGraph g, String map, NetworkSpec.Margin first, List<ScaleCombination.Affine> rings) {
        int pad = first.before() + first.after();
        if (pad == 0) {
            return map;
        }
        long k = pad + 1L;
        String pooled = g.node(
                OnnxOperator.MAX_POOL,
                List.of(map),
                Map.of("kernel_shape", new long[] {k, 1}, "strides", new long[] {1, 1}, "pads", new long[] {
                    pad, 0, pad, 0
                }));
        pooled = g.node(
                OnnxOperator.MAX_POOL,
                List.of(pooled),
                Map.of("kernel_shape", new long[] {1, k}, "strides", new long[] {1, 1}, "pads", new long[] {
                    0, pad, 0, pad
                }));
        // Each band piece standardised ring by ring (ScaleCombination.ring), where the band is.
        return rings.isEmpty()
                ? nest(g, pooled, map, new NetworkSpec.Margin(0, 0), first)
                : nest(
                        g,
                        pooled,
                        map,
                        new NetworkSpec.Margin(0, 0),
                        first,
                        (piece, depth, fromEnd, alongColumns) ->
                                standardiseRings(g, piece, rings, depth, fromEnd, alongColumns));
    }

    /**
     * {@code (piece - mean_d) / std_d} per ring d of a band piece {@code n} rings deep: rows of a
     * piece above or below the middle, columns of one beside it; {@code fromEnd} when its last
     * row or column touches the border (bottom, right), so the ring counts from that end.
     */
    private static String standardiseRings(
            OnnxGraph g,
            String piece,
            List<ScaleCombination.Affine> rings,
            int n,
            boolean fromEnd,
            boolean alongColumns) {
        float[] scale = new float[n];
        float[] shift = new float[n];
        for (int i = 0; i < n; i++) {
            ScaleCombination.Affine a = rings.get(fromEnd ? n - 1 - i : i);
            scale[i] = (float) (1 / a.std());
            shift[i] = (float) (-a.mean() / a.std());
        }
        long[] shape = alongColumns ? new long[] {1, 1, 1, n} : new long[] {1, 1, n, 1};
        return g.node(
                OnnxOperator.ADD,
                g.node(OnnxOperator.MUL, piece, g.floats("ring_scale", shape, scale)),
                g.floats("ring_shift", shape, shift));
    }

    /**
     * {@code (e - eMean)/eStd + w (v - vMean)/vStd + wc (c - cMean)/cStd + wd (d - dMean)/dStd}
     * with {@code mu = mean_i S_i}, {@code e = ||mu - T||^2}, {@code v = mean_i ||S_i - mu||^2},
     * norms over channels, and c and d the calm and distance terms of T
     * ({@link DescriptorGaussian}). v is written as squared deviations so that it does not cancel
     * in half precision; a term of weight 0 is not computed at all.
     */
    static String score(
            OnnxGraph g, String teacher, List<String> students, ScoreStatistics st, DescriptorGaussian gaussian) {
        double w = st.vWeight();
        double offset = -st.eMean() / st.eStd();
        String sum;
        if (w == 0) {
            String e = error(g, teacher, students);
            sum = g.node(OnnxOperator.MUL, e, g.scalar("inv_e_std", (float) (1 / st.eStd())));
        } else {
            String[] ev = errorAndUncertainty(g, teacher, students);
            offset -= w * st.vMean() / st.vStd();
            String eTerm = g.node(OnnxOperator.MUL, ev[0], g.scalar("inv_e_std", (float) (1 / st.eStd())));
            String vTerm = g.node(OnnxOperator.MUL, ev[1], g.scalar("inv_v_std", (float) (w / st.vStd())));
            sum = g.node(OnnxOperator.ADD, eTerm, vTerm);
        }
        String m2 = st.hasCalmTerm() || st.hasDistanceTerm() ? squaredDistance(g, teacher, gaussian) : null;
        if (st.hasDistanceTerm()) {
            double k = st.dWeight() / st.dStd();
            offset -= k * st.dMean();
            sum = g.node(OnnxOperator.ADD, sum, g.node(OnnxOperator.MUL, m2, g.scalar("d_scale", (float) k)));
        }
        if (st.hasCalmTerm()) {
            double k = st.cWeight() / st.cStd();
            offset -= k * st.cMean();
            // k c = max(0, -k log((m2 + eps) / expected)), the log's factor folded into the Mul.
            String logRatio = logRatio(g, m2, gaussian);
            String cTerm = g.node(
                    OnnxOperator.MAX,
                    g.node(OnnxOperator.MUL, logRatio, g.scalar("neg_c_scale", (float) -k)),
                    g.scalar("zero", 0f));
            sum = g.node(OnnxOperator.ADD, sum, cTerm);
        }
        return g.node(OnnxOperator.ADD, sum, g.scalar("score_offset", (float) offset));
    }

    /**
     * {@code m2 = ||W (T - mean)||^2}, [1, 1, h, w], the distance term: the whitening a 1x1
     * convolution whose bias is {@code -W mean}.
     */
    private static String squaredDistance(OnnxGraph g, String teacher, DescriptorGaussian gaussian) {
        int d = gaussian.channels();
        float[] bias = gaussian.whitenedMean();
        for (int i = 0; i < d; i++) {
            bias[i] = -bias[i];
        }
        String z = g.node(
                OnnxOperator.CONV,
                List.of(
                        teacher,
                        g.floats("whitening", new long[] {d, d, 1, 1}, gaussian.whitening()),
                        g.floats("whitened_mean", new long[] {d}, bias)),
                Map.of());
        return g.node(
                OnnxOperator.REDUCE_SUM,
                List.of(g.node(OnnxOperator.MUL, z, z), g.ints("channel_axis", 1)),
                Map.of("keepdims", 1L));
    }

    /** {@code log((m2 + eps) / expected)}, [1, 1, h, w], of a {@link #squaredDistance} map. */
    private static String logRatio(OnnxGraph g, String m2, DescriptorGaussian gaussian) {
        double expected = gaussian.expected();
        String ratio = g.node(
                OnnxOperator.MUL,
                g.node(OnnxOperator.ADD, m2, g.scalar("calm_eps", (float) (DescriptorGaussian.EPSILON * expected))),
                g.scalar("inv_expected", (float) (1 / expected)));
        return g.node(OnnxOperator.LOG, ratio);
    }

    /** The calm term c, [1, 1, h, w], of a {@link #squaredDistance} map: {@code max(0, -log((m2 + eps) / expected))}. */
    private static String calm(OnnxGraph g, String m2, DescriptorGaussian gaussian) {
        return g.node(
                OnnxOperator.MAX,
                g.node(OnnxOperator.MUL, logRatio(g, m2, gaussian), g.scalar("minus_one", -1f)),
                g.scalar("zero", 0f));
    }

    /**
     * {@code e = ||mean_i S_i - T||^2}, [1, 1, h, w]; without students {@code ||T||^2}, the
     * distance from the teacher's training mean (0 after its normalisation).
     */
    private static String error(OnnxGraph g, String teacher, List<String> students) {
        // Without students the prediction is 0, and its difference from T is T itself (squared alike).
        String diff = students.isEmpty()
                ? teacher
                : g.node(
                        OnnxOperator.SUB,
                        g.node(
                                OnnxOperator.MUL,
                                g.node(OnnxOperator.SUM, students, Map.of()),
                                g.scalar("inv_m", 1f / students.size())),
                        teacher);
        return g.node(
                OnnxOperator.REDUCE_SUM,
                List.of(g.node(OnnxOperator.MUL, diff, diff), g.ints("channel_axis", 1)),
                Map.of("keepdims", 1L));
    }

    /** {@code e} and {@code v}, [1, 1, h, w] each, of a teacher and its students (v 0 without students). */
    private static String[] errorAndUncertainty(OnnxGraph g, String teacher, List<String> students) {
        if (students.isEmpty()) {
            String e = error(g, teacher, students);
            return new String[] {e, g.node(OnnxOperator.MUL, e, g.scalar("zero", 0f))};
        }
        int m = students.size();
        String axes = g.ints("channel_axis", 1);
        Map<String, Object> keep = Map.of("keepdims", 1L);
        String mu = g.node(OnnxOperator.MUL, g.node(OnnxOperator.SUM, students, Map.of()), g.scalar("inv_m", 1f / m));
        String diff = g.node(OnnxOperator.SUB, mu, teacher);
        String e = g.node(OnnxOperator.REDUCE_SUM, List.of(g.node(OnnxOperator.MUL, diff, diff), axes), keep);
        List<String> squares = new ArrayList<>();
        for (String s : students) {
            String dev = g.node(OnnxOperator.SUB, s, mu);
            squares.add(g.node(OnnxOperator.REDUCE_SUM, List.of(g.node(OnnxOperator.MUL, dev, dev), axes), keep));
        }
        String v = g.node(OnnxOperator.MUL, g.node(OnnxOperator.SUM, squares, Map.of()), g.scalar("inv_m", 1f / m));
        return new String[] {e, v};
    }

    /**
     * The dense networks of one scale in {@code layout}; each network's descriptors, in order
     * (the teacher's first). Students of their own architecture cannot share a stack with the
     * teacher: it runs alone (its quantization points under {@code <scale>/teacher}) and they,
     * fused or separately, as the layout says.
     */
    private static List<String> networks(
            OnnxGraph g,
            ScaleNetworks s,
            List<Map<String, FloatTensor>> nets,
            String image,
            DetectorLayout layout,
            Quantizer quantizer) {
        if (s.students().isEmpty()) {
            return NetworkEmitter.emitFused(g, s.spec(), nets, image, NetworkForm.DENSE, quantizer);
        }
        if (!s.ownStudentArchitecture()) {
            return layout == DetectorLayout.FUSED
                    ? NetworkEmitter.emitFused(g, s.spec(), nets, image, NetworkForm.DENSE, quantizer)
                    : NetworkEmitter.emitSeparately(g, s.spec(), nets, image, NetworkForm.DENSE, quantizer);
        }
        List<String> outs = new ArrayList<>(NetworkEmitter.emitStack(
                g,
                s.spec(),
                nets.subList(0, 1),
                image,
                NetworkForm.DENSE,
                quantizer,
                s.spec().name() + "/teacher"));
        List<Map<String, FloatTensor>> students = nets.subList(1, nets.size());
        outs.addAll(
                layout == DetectorLayout.FUSED
                        ? NetworkEmitter.emitFused(g, s.studentSpec(), students, image, NetworkForm.DENSE, quantizer)
                        : NetworkEmitter.emitSeparately(
                                g, s.studentSpec(), students, image, NetworkForm.DENSE, quantizer));
        return outs;
    }

    /** Name of the output of {@link #errorAndUncertainty} holding e of {@code scale}. */
    public static String errorOutput(String scale) {
        return "e_" + scale;
    }

    /** Name of the output holding v of {@code scale}. */
    public static String uncertaintyOutput(String scale) {
        return "v_" + scale;
    }

    /** Name of the output holding the calm term c of {@code scale} (scales with a Gaussian only). */
    public static String calmOutput(String scale) {
        return "c_" + scale;
    }

    /** Name of the output holding the distance term d of {@code scale} (scales with a Gaussian only). */
    public static String distanceOutput(String scale) {
        return "d_" + scale;
    }

    /**
     * The networks of every scale as the detector computes them (in {@code layout}, with
     * {@code quantizer} at its points), up to each scale's raw e and v on the valid region:
     * outputs {@link #errorOutput} and {@link #uncertaintyOutput} per scale, and {@link #calmOutput}
     * and {@link #distanceOutput} per scale with a descriptor Gaussian. What an int8
     * detector's own score statistics are measured on: its networks are not the fp32 ones.
     */
    public static OnnxMl.ModelProto errorAndUncertainty(
            List<ScaleNetworks> scales, DetectorLayout layout, Quantizer quantizer, String version) {
        OnnxGraph g = new OnnxGraph("error_and_uncertainty");
        String image = g.input(IMAGE_INPUT, 1L, 3L, "height", "width");
        for (ScaleNetworks s : scales) {
            List<Map<String, FloatTensor>> nets = new ArrayList<>();
            nets.add(s.teacher());
            nets.addAll(s.students());
            List<String> outs = networks(g, s, nets, image, layout, quantizer);
            String[] ev = errorAndUncertainty(g, outs.get(0), outs.subList(1, outs.size()));
            String name = s.spec().name();
            g.output(g.rename(ev[0], errorOutput(name)), 1L, 1L, "rows_" + name, "columns_" + name);
            g.output(g.rename(ev[1], uncertaintyOutput(name)), 1L, 1L, "rows_" + name, "columns_" + name);
            if (s.gaussian() != null) {
                String m2 = squaredDistance(g, outs.get(0), s.gaussian());
                g.output(
                        g.rename(calm(g, m2, s.gaussian()), calmOutput(name)),
                        1L,
                        1L,
                        "rows_" + name,
                        "columns_" + name);
                g.output(g.rename(m2, distanceOutput(name)), 1L, 1L, "rows_" + name, "columns_" + name);
            }
        }
        return g.model(version, Map.of());
    }

    /** Metadata every graph carries (provenance), plus what is particular to it. */
    public static Map<String, String> metadata(Map<String, String> common, String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(common);
        m.put(key, value);
        return m;
    }
}
