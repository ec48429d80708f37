package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stad.exporter.onnx.TeacherImport;
import java.util.List;

/**
 * Where each scale's teacher comes from.
 *
 * @param source {@code random}: fixed random weights from the seed; {@code self-supervised}:
 *     pretrained by the run on patches of its own training images; {@code pretrained}: a teacher
 *     pretrained once on a broad corpus and kept in the folder {@code path}, shared by every run
 *     that names that folder (pretrained there by the first run that needs it, or by the
 *     {@code pretrain-teacher} command). Its descriptor statistics are still measured per run;
 *     {@code onnx}: a pretrained image network read from the ONNX file {@code path} and cut at
 *     {@code output}, its paddings dropped (the scale's architecture is then {@code "teacher"});
 *     {@code distill}: the scale's own architecture, pretrained by the run with the paper's losses,
 *     its distillation term predicting the output of the network in the ONNX file {@code path} on
 *     each patch; on the images of {@code pretrain.corpus}, or the run's training images;
 *     {@code energy}: not learned, the texture-energy descriptor (Gabor energies, local colour
 *     means and contrasts, logged) as a network of the scale's patch and descriptor length,
 *     students of the scale's architecture learning it
 * @param path the pretrained teachers' folder (one file per architecture), or the ONNX file
 * @param output for {@code onnx}: the tensor or node the network is cut at, which must be a conv's
 *     output; may be left out when the graph has one output
 * @param maxMegabytes for {@code onnx}: larger files are refused unread (default 1024)
 * @param mean for {@code onnx}: the per-channel input mean the network was trained with, when it
 *     is not the run's {@code input.mean} (Keras's InceptionV3 reads pixels scaled to [-1, 1]:
 *     mean and std 0.5); the difference is folded into its first convolution, exact because
 *     imported convolutions have no padding, so the bundle keeps one input normalisation
 * @param std for {@code onnx}: the per-channel input deviation to go with {@code mean}
 * @param otherScales for {@code onnx}: {@code random} lets scales of our own architectures sit
 *     next to the imported one, each with a teacher of fixed random weights as {@code source
 *     random} gives; without it the imported scale must be the only one
 * @param pretrain pretraining settings for {@code self-supervised}, and for {@code pretrained}
 *     where {@code path} does not hold the teacher yet (then they must name a {@code corpus}; a
 *     teacher already there is used as it is, whatever settings made it)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TeacherConfig(
        @JsonProperty("source") Source source,
        @JsonProperty("path") String path,
        @JsonProperty("pretrain") PretrainConfig pretrain,
        @JsonProperty("output") String output,
        @JsonProperty("maxMegabytes") Double maxMegabytes,
        @JsonProperty("mean") List<Double> mean,
        @JsonProperty("std") List<Double> std,
        @JsonProperty("otherScales") String otherScales) {

    /** The only teacher an imported network's neighbouring scales can have: fixed random weights. */
    public static final String RANDOM_OTHERS = "random";

    /** Teacher sources. */
    public enum Source {
        @JsonProperty("random")
        RANDOM,
        @JsonProperty("self-supervised")
        SELF_SUPERVISED,
        @JsonProperty("pretrained")
        PRETRAINED,
        @JsonProperty("onnx")
        ONNX,
        @JsonProperty("distill")
        DISTILL,
        @JsonProperty("energy")
        ENERGY;

        /** The name a run records: the config's spelling, as {@code "self-supervised"}. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** A teacher of {@code source} in {@code path} with {@code pretrain}, none of the ONNX settings. */
    public TeacherConfig(Source source, String path, PretrainConfig pretrain) {
        this(source, path, pretrain, null, null);
    }

    /** A teacher with the ONNX settings that every source reading ONNX has, and no others. */
    public TeacherConfig(Source source, String path, PretrainConfig pretrain, String output, Double maxMegabytes) {
        this(source, path, pretrain, output, maxMegabytes, null, null, null);
    }

    @JsonCreator
    public TeacherConfig {
        source = Checks.orDefault(source, Source.SELF_SUPERVISED);
        if (source == Source.SELF_SUPERVISED && pretrain == null) {
            pretrain = new PretrainConfig(
                    null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        }
        boolean readsOnnx = source == Source.ONNX || source == Source.DISTILL;
        if (!readsOnnx && (output != null || maxMegabytes != null)) {
            throw new IllegalArgumentException("teacher.output and teacher.maxMegabytes are only used with"
                    + " \"source\": \"onnx\" or \"distill\"");
        }
        if (source != Source.ONNX && (mean != null || std != null || otherScales != null)) {
            throw new IllegalArgumentException(
                    "teacher.mean, teacher.std and teacher.otherScales are only used with \"source\": \"onnx\"");
        }
        if ((mean == null) != (std == null)) {
            throw new IllegalArgumentException("teacher.mean and teacher.std go together: give both or neither");
        }
        if (mean != null) {
            if (mean.size() != 3 || std.size() != 3) {
                throw new IllegalArgumentException("teacher.mean and teacher.std need 3 values each (R, G, B), found "
                        + mean.size() + " and " + std.size());
            }
            if (!std.stream().allMatch(v -> v != null && v > 0)
                    || !mean.stream().allMatch(v -> v != null && Double.isFinite(v))) {
                throw new IllegalArgumentException(
                        "teacher.std must be > 0 and teacher.mean finite, found " + mean + " and " + std);
            }
            mean = List.copyOf(mean);
            std = List.copyOf(std);
        }
        if (otherScales != null && !RANDOM_OTHERS.equals(otherScales)) {
            throw new IllegalArgumentException("teacher.otherScales must be \"" + RANDOM_OTHERS
                    + "\" (the only teacher other scales can have next to an imported one), found \""
                    + otherScales + "\"");
        }
        if (readsOnnx && maxMegabytes != null && !(maxMegabytes > 0)) {
            throw new IllegalArgumentException("teacher.maxMegabytes must be > 0, found " + maxMegabytes);
        }
        if (source == Source.ONNX) {
            if (path == null || path.isBlank()) {
                throw new IllegalArgumentException("an onnx teacher needs teacher.path, the .onnx file");
            }
            if (pretrain != null) {
                throw new IllegalArgumentException("an onnx teacher is used as it is; remove teacher.pretrain");
            }
        }
        if (source == Source.DISTILL) {
            if (path == null || path.isBlank()) {
                throw new IllegalArgumentException(
                        "a distilled teacher needs teacher.path, the .onnx file of the" + " network to distil from");
            }
            if (pretrain == null || !(pretrain.distillationWeight() > 0)) {
                throw new IllegalArgumentException("a distilled teacher needs teacher.pretrain with"
                        + " distillationWeight > 0 (the weight of the distillation loss)");
            }
        }
        if ((source == Source.RANDOM || source == Source.ENERGY) && pretrain != null) {
            throw new IllegalArgumentException(
                    "teacher.pretrain is only used with \"source\": \"self-supervised\", \"pretrained\" or \"distill\"");
        }
        if (source == Source.SELF_SUPERVISED && pretrain.corpus() != null) {
            throw new IllegalArgumentException(
                    "a self-supervised teacher learns on the training images; teacher.pretrain"
                            + ".corpus needs \"source\": \"pretrained\"");
        }
        if (source == Source.PRETRAINED) {
            if (path == null || path.isBlank()) {
                throw new IllegalArgumentException("a pretrained teacher needs teacher.path, the folder that holds it");
            }
            if (pretrain != null && pretrain.corpus() == null) {
                throw new IllegalArgumentException("teacher.pretrain of a pretrained teacher needs a corpus (\""
                        + PretrainConfig.PROCEDURAL + "\" or a folder of photos) to pretrain it on where teacher.path"
                        + " does not hold it yet");
            }
        } else if (path != null && !readsOnnx) {
            throw new IllegalArgumentException(
                    "teacher.path is only used with \"source\": \"pretrained\", \"onnx\" or \"distill\"");
        }
    }

    /** Whether scales of our own architectures sit next to an imported one, with random teachers. */
    public boolean randomOthers() {
        return RANDOM_OTHERS.equals(otherScales);
    }

    /** The largest ONNX file read, in bytes. */
    public long maxBytes() {
        return maxMegabytes == null ? TeacherImport.DEFAULT_MAX_BYTES : (long) (maxMegabytes * 1e6);
    }

    /**
     * A pretrained teacher kept in {@code folder}; this config's pretraining settings are kept if
     * they name a corpus (to pretrain there what is missing), dropped otherwise.
     */
    public TeacherConfig pretrainedAt(String folder) {
        PretrainConfig keep = pretrain != null && pretrain.corpus() != null ? pretrain : null;
        return new TeacherConfig(Source.PRETRAINED, folder, keep);
    }
}
