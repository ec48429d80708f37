package dev.stad.runtime.output;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stad.runtime.detect.Region;
import java.util.List;
import java.util.Map;

/**
 * {@code results.json} of {@code runtime score}: the run, then one entry per input file in input
 * order.
 *
 * @param bundle the bundle scored with
 * @param model the model's name
 * @param engine the engine in words
 * @param threshold the threshold the decisions used
 * @param images input files
 * @param anomalous images scored above the threshold
 * @param failed input files that could not be scored (each has an error)
 * @param p50Millis median time per scored image, decoded image to result; null if none was scored
 * @param results per input file
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScoreResults(
        @JsonProperty("bundle") String bundle,
        @JsonProperty("model") String model,
        @JsonProperty("engine") String engine,
        @JsonProperty("threshold") double threshold,
        @JsonProperty("images") int images,
        @JsonProperty("anomalous") int anomalous,
        @JsonProperty("failed") int failed,
        @JsonProperty("p50Millis") Double p50Millis,
        @JsonProperty("results") List<Image> results) {

    /** Status of an input that was scored. */
    public static final String OK = "ok";
    /** Status of an input that could not be scored. */
    public static final String ERROR = "error";

    /**
     * One input file: either scored ({@code status "ok"}) or not ({@code status "error"} and the
     * reason, naming the file).
     *
     * @param file the file as given
     * @param name its output name
     * @param outputs the files written for it, by kind (tiff, heatmap, overlay)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Image(
            @JsonProperty("file") String file,
            @JsonProperty("name") String name,
            @JsonProperty("status") String status,
            @JsonProperty("error") String error,
            @JsonProperty("width") Integer width,
            @JsonProperty("height") Integer height,
            @JsonProperty("score") Double score,
            @JsonProperty("topMean") Double topMean,
            @JsonProperty("anomalous") Boolean anomalous,
            @JsonProperty("regions") List<Region> regions,
            @JsonProperty("millis") Double millis,
            @JsonProperty("outputs") Map<String, String> outputs) {

        public static Image failed(String file, String name, String error) {
            return new Image(file, name, ERROR, error, null, null, null, null, null, null, null, null);
        }

        public boolean ok() {
            return OK.equals(status);
        }
    }
}
