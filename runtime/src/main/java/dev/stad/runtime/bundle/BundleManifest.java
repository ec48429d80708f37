package dev.stad.runtime.bundle;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.score.DescriptorGaussian;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.score.ScoreStatistics;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a model bundle: everything a station needs besides the ONNX files,
 * and the sha256 of every one of them.
 *
 * @param formatVersion {@link #FORMAT_VERSION}; bundles of other versions are refused
 * @param name model name
 * @param preprocessing how an image becomes the graphs' input (input size, mean, std)
 * @param resize the resize filter of {@link dev.stad.runtime.image.Resampler}: {@value #RESIZE_FILTER}
 * @param detector the fp32 detector graph
 * @param int8Detector the int8 detector graph (QDQ, calibrated on training images); null when
 *     the bundle has none
 * @param scales per scale: architecture, receptive field, margin, students, statistics, graphs
 * @param combination how the scales' maps become one map that covers the image, and its smoothing
 * @param threshold default image-level threshold
 * @param provenance how the model was trained (versions, data, config)
 * @param files sha256 (lowercase hex) of every file of the bundle but this manifest, by relative path
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BundleManifest(
        @JsonProperty("formatVersion") int formatVersion,
        @JsonProperty("name") String name,
        @JsonProperty("preprocessing") Preprocessing preprocessing,
        @JsonProperty("resize") String resize,
        @JsonProperty("detector") DetectorGraph detector,
        @JsonProperty("int8Detector") DetectorGraph int8Detector,
        @JsonProperty("scales") List<Scale> scales,
        @JsonProperty("combination") ScaleCombination combination,
        @JsonProperty("threshold") Threshold threshold,
        @JsonProperty("provenance") Map<String, Object> provenance,
        @JsonProperty("files") Map<String, String> files) {

    /**
     * 2: descriptors on the valid region only, the combination of scales, smoothing; 1 (refused):
     * descriptors of zero-padded borders.
     */
    public static final int FORMAT_VERSION = 2;

    public static final String FILE_NAME = "manifest.json";
    public static final String RESIZE_FILTER = "triangle";

    /**
     * A detector graph.
     *
     * @param file path in the bundle
     * @param input name of the image input [1, 3, height, width]
     * @param output name of the anomaly map output [1, 1, height, width]: the combined, smoothed map
     * @param layout how the networks of a scale are computed; null (bundles before layouts were
     *     recorded) is fused
     * @param precision of its networks, fp32 or int8; null (bundles before int8) is fp32
     * @param threshold the default threshold for this graph's maps where it is not the manifest's
     *     (an int8 detector's, set by the same rule on its own validation scores); null: the manifest's
     * @param calibrationImages how many good images set an int8 detector's ranges; null for fp32
     * @param statistics the e / v statistics by scale this graph's networks were normalised with,
     *     where they are its own (an int8 detector's); null: those of the manifest's scales
     * @param combination the band calibration of this graph, where it is its own; null: the
     *     manifest's
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DetectorGraph(
            @JsonProperty("file") String file,
            @JsonProperty("input") String input,
            @JsonProperty("output") String output,
            @JsonProperty("layout") DetectorLayout layout,
            @JsonProperty("precision") Precision precision,
            @JsonProperty("threshold") Threshold threshold,
            @JsonProperty("calibrationImages") Integer calibrationImages,
            @JsonProperty("statistics") Map<String, ScoreStatistics> statistics,
            @JsonProperty("combination") ScaleCombination combination) {

        /**
         * Start of the node names of the scoring tail, every node after the networks (e, v and the
         * calm term with its whitening convolution, the combination of scales, the smoothing, the
         * outer band): an engine that runs the networks in half precision keeps these in fp32,
         * where e's sums pass fp16's range and the standardisation cancels; a layer's type alone
         * cannot tell the tail's convolutions and maxima from the networks'.
         */
        public static final String FP32_NODE_PREFIX = "fp32_";

        public DetectorGraph {
            if (precision != null && !precision.isGraphPrecision()) {
                throw new IllegalArgumentException("a detector graph is fp32 or int8, not " + precision.id()
                        + " (fp16 is how TensorRT runs the fp32 graph)");
            }
        }

        /** The graph's precision; bundles written before int8 detectors existed are fp32. */
        public Precision precisionOrDefault() {
            return precision == null ? Precision.FP32 : precision;
        }

        /** The graph's layout; bundles written before layouts were recorded are fused. */
        public DetectorLayout layoutOrDefault() {
            return layout == null ? DetectorLayout.FUSED : layout;
        }
    }

    /** The detector graph that runs in {@code precision} (fp16: the fp32 one), if the bundle has one. */
    public java.util.Optional<DetectorGraph> detector(Precision precision) {
        return switch (precision) {
            case FP32, FP16 -> java.util.Optional.of(detector);
            case INT8 -> java.util.Optional.ofNullable(int8Detector);
        };
    }

    /**
     * One scale.
     *
     * @param margin the image border where this scale has no descriptor (see {@link NetworkSpec.Margin})
     * @param students M
     * @param statistics e / v statistics on the validation images
     * @param teacher the teacher's graphs (descriptor normalisation folded in); null in a station
     *     bundle, which holds the detector graphs only
     * @param studentGraphs each student's graphs; null in a station bundle
     * @param gaussian the teacher descriptors' Gaussian that defines the calm term; null when
     *     the score has none
     * @param studentSpec the students' architecture where it is not the teacher's ({@code spec}):
     *     students of one of this project's architectures under an imported teacher. It sees the
     *     teacher's patch and yields descriptors of the teacher's length; null when the students
     *     share the teacher's architecture
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Scale(
            @JsonProperty("name") String name,
            @JsonProperty("receptiveField") int receptiveField,
            @JsonProperty("spec") NetworkSpec spec,
            @JsonProperty("margin") NetworkSpec.Margin margin,
            @JsonProperty("students") int students,
            @JsonProperty("statistics") ScoreStatistics statistics,
            @JsonProperty("teacher") NetworkFiles teacher,
            @JsonProperty("studentGraphs") List<NetworkFiles> studentGraphs,
            @JsonProperty("gaussian") DescriptorGaussian gaussian,
            @JsonProperty("studentSpec") NetworkSpec studentSpec) {

        /** The students' architecture: their own where they have one, else the teacher's. */
        @JsonIgnore
        public NetworkSpec studentNetwork() {
            return studentSpec == null ? spec : studentSpec;
        }
    }

    /**
     * A network's two graphs.
     *
     * @param patch {@code patch [batch, 3, rf, rf] -> descriptors [batch, D, 1, 1]}
     * @param dense {@code image [1, 3, height, width] -> descriptors [1, D, height - rf + 1, width - rf + 1]}
     */
    public record NetworkFiles(
            @JsonProperty("patch") String patch,
            @JsonProperty("dense") String dense) {}

    /**
     * Every architecture the detector runs: each scale's teacher's and, where they have their
     * own, its students'. What a memory estimate takes its widest layers from.
     */
    public List<NetworkSpec> networkSpecs() {
        List<NetworkSpec> out = new ArrayList<>();
        for (Scale s : scales) {
            out.add(s.spec());
            if (s.studentSpec() != null) {
                out.add(s.studentSpec());
            }
        }
        return out;
    }

    /** The scales' specs in manifest order. */
    public List<NetworkSpec> specs() {
        return scales.stream().map(Scale::spec).toList();
    }

    /** Default threshold on the image score (max of the anomaly map) and how it was set. */
    public record Threshold(
            @JsonProperty("value") double value,
            @JsonProperty("rule") String rule) {}

    /** Every file the manifest refers to, for checking that each has a checksum. */
    public List<String> referencedFiles() {
        List<String> out = new ArrayList<>();
        out.add(detector.file());
        if (int8Detector != null) {
            out.add(int8Detector.file());
        }
        for (Scale s : scales) {
            if (s.teacher() != null) {
                out.add(s.teacher().patch());
                out.add(s.teacher().dense());
            }
            if (s.studentGraphs() != null) {
                for (NetworkFiles g : s.studentGraphs()) {
                    out.add(g.patch());
                    out.add(g.dense());
                }
            }
        }
        return out;
    }

    /** Whether the bundle holds the per-network graphs (a full bundle) or only the detectors (a station bundle). */
    public boolean hasNetworkGraphs() {
        return scales.stream().allMatch(s -> s.teacher() != null && s.studentGraphs() != null);
    }
}
