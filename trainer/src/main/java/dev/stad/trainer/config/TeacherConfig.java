package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stad.exporter.onnx.TeacherImport;

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
 *     each patch; on the images of {@code pretrain.corpus}, or the run's training images
 * @param path the pretrained teachers' folder (one file per architecture), or the ONNX file
 * @param output for {@code onnx}: the tensor or node the network is cut at, which must be a conv's
 *     output; may be left out when the graph has one output
 * @param maxMegabytes for {@code onnx}: larger files are refused unread (default 1024)
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
        @JsonProperty("maxMegabytes") Double maxMegabytes) {

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
        DISTILL
    }

    /** A teacher of {@code source} in {@code path} with {@code pretrain}, none of the ONNX settings. */
    public TeacherConfig(Source source, String path, PretrainConfig pretrain) {
        this(source, path, pretrain, null, null);
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
        if (source == Source.RANDOM && pretrain != null) {
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
