package dev.stad.checkpoint;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.score.DescriptorGaussian;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.score.ScoreStatistics;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.List;
import java.util.Map;

/**
 * {@code run.json}: what a run folder holds and how it was made. The trainer writes it and the
 * exporter reads it, so it lives here with the other definitions both sides must agree on. Written when a run starts
 * (status {@code training}) and rewritten when it ends (status {@code complete}); a resumed run
 * checks its config and data split against it.
 *
 * @param formatVersion {@link RunDirectory#FORMAT_VERSION}; other versions are refused
 * @param status {@code training} or {@code complete}
 * @param config the effective training config (file plus command-line overrides), as written
 * @param preprocessing how images become network inputs
 * @param dataset where the images came from and how they were split
 * @param versions software versions that trained the model
 * @param trainingSeconds wall time of the session that completed the run
 * @param scales per-scale outcome, filled in when complete
 * @param combination how the scales' maps combine into one, calibrated; filled in when complete
 * @param threshold default image-level threshold, filled in when complete
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunMetadata(
        @JsonProperty("formatVersion") int formatVersion,
        @JsonProperty("status") String status,
        @JsonProperty("config") JsonNode config,
        @JsonProperty("preprocessing") Preprocessing preprocessing,
        @JsonProperty("dataset") Dataset dataset,
        @JsonProperty("versions") Map<String, String> versions,
        @JsonProperty("started") String started,
        @JsonProperty("finished") String finished,
        @JsonProperty("trainingSeconds") Double trainingSeconds,
        @JsonProperty("scales") List<TrainedScale> scales,
        @JsonProperty("combination") ScaleCombination combination,
        @JsonProperty("threshold") Threshold threshold) {

    public static final String TRAINING = "training";
    public static final String COMPLETE = "complete";

    /** The images of the run: file names relative to {@code root}. */
    public record Dataset(
            @JsonProperty("kind") String kind,
            @JsonProperty("root") String root,
            @JsonProperty("train") List<String> train,
            @JsonProperty("validation") List<String> validation) {}

    /**
     * One scale's files and figures.
     *
     * @param receptiveField pixels each descriptor sees
     * @param spec the teacher's network architecture, which the students share unless
     *     {@code studentSpec} gives theirs
     * @param teacherFile weights and descriptor normalisation of the teacher
     * @param studentsFile weights (and optimiser state) of the students
     * @param studentLoss last epoch's mean loss per student
     * @param studentEpochLosses every epoch's mean loss per student, epoch by epoch (absent in runs
     *     written before it was recorded)
     * @param statistics e / v statistics on the validation images
     * @param gaussian the teacher descriptors' Gaussian on the training images, which defines the
     *     calm term; absent when the calibration does not use it
     * @param studentSpec the students' own architecture where it is not {@code spec} (students of
     *     this project's architectures under an imported teacher); absent when they share it
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TrainedScale(
            @JsonProperty("name") String name,
            @JsonProperty("receptiveField") int receptiveField,
            @JsonProperty("spec") NetworkSpec spec,
            @JsonProperty("teacherSource") String teacherSource,
            @JsonProperty("teacherFile") String teacherFile,
            @JsonProperty("studentsFile") String studentsFile,
            @JsonProperty("students") int students,
            @JsonProperty("pretrainLoss") List<Double> pretrainLoss,
            @JsonProperty("studentLoss") List<Double> studentLoss,
            @JsonProperty("studentEpochLosses") List<List<Double>> studentEpochLosses,
            @JsonProperty("statistics") ScoreStatistics statistics,
            @JsonProperty("gaussian") DescriptorGaussian gaussian,
            @JsonProperty("studentSpec") NetworkSpec studentSpec) {

        /** The students' architecture: their own where they have one, else the teacher's. */
        @JsonIgnore
        public NetworkSpec studentNetwork() {
            return studentSpec == null ? spec : studentSpec;
        }
    }

    /**
     * The default threshold on the image score (max of the multi-scale anomaly map).
     *
     * @param value the threshold
     * @param rule how it was derived
     * @param validationScores image scores of the validation images
     */
    public record Threshold(
            @JsonProperty("value") double value,
            @JsonProperty("rule") String rule,
            @JsonProperty("validationScores") List<Double> validationScores) {}
}
