package dev.stad.runtime.output;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@code runtime score} run has finished, one JSON line per image, appended and forced to
 * disk as each one is done, so a run killed at any point can be resumed ({@code --resume})
 * without scoring again what it finished. The first line says which run it belongs to; a resumed
 * run must match it. A line cut short by the kill is ignored (that image is scored again).
 * Every output file itself is written atomically, so a finished image's files are whole.
 */
public final class ScoreJournal implements AutoCloseable {
    /** The journal's name in the output folder. */
    public static final String FILE_NAME = ".score-journal.jsonl";

    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final FileChannel channel;

    /**
     * Which run a journal belongs to: a resumed run needs the same model, threshold and outputs.
     *
     * @param save the output kinds, in their command-line names
     */
    public record Header(
            @JsonProperty("journal") String journal,
            @JsonProperty("model") String model,
            @JsonProperty("bundleManifestSha256") String manifest,
            @JsonProperty("threshold") double threshold,
            @JsonProperty("save") List<String> save) {
        public static final String VERSION = "stad-score-journal-v1";

        public Header {
            Objects.requireNonNull(save, "save must not be null");
        }
    }

    private ScoreJournal(FileChannel channel) {
        this.channel = channel;
    }

    /** Starts a new journal in {@code folder} (replacing one there), with its header. */
    public static ScoreJournal start(Path folder, Header header) throws IOException {
        FileChannel ch = FileChannel.open(
                folder.resolve(FILE_NAME),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        ScoreJournal j = new ScoreJournal(ch);
        j.line(JSON.writeValueAsString(header));
        return j;
    }

    /** Appends to the journal {@link #read} accepted. */
    public static ScoreJournal resume(Path folder) throws IOException {
        return new ScoreJournal(
                FileChannel.open(folder.resolve(FILE_NAME), StandardOpenOption.WRITE, StandardOpenOption.APPEND));
    }

    /**
     * The images an earlier run in {@code folder} finished, by file: from its journal, else from its
     * {@code results.json} (a run that ended). Throws when that run was another model's, another
     * threshold's or wrote other outputs; returns an empty map when there was none.
     */
    public static Map<String, ScoreResults.Image> read(Path folder, Header header, String resultsFile)
            throws IOException {
        Map<String, ScoreResults.Image> done = new LinkedHashMap<>();
        Path journal = folder.resolve(FILE_NAME);
        if (Files.isRegularFile(journal)) {
            List<String> lines = Files.readAllLines(journal, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return done;
            }
            Header earlier;
            try {
                earlier = JSON.readValue(lines.get(0), Header.class);
            } catch (IOException e) {
                throw new IOException(
                        journal + ": not a score journal (" + e.getMessage() + "); remove it to start over");
            }
            requireSameRun(journal, earlier, header);
            for (int i = 1; i < lines.size(); i++) {
                try {
                    ScoreResults.Image r = JSON.readValue(lines.get(i), ScoreResults.Image.class);
                    done.put(r.file(), r);
                } catch (IOException e) {
                    if (i < lines.size() - 1) {
                        throw new IOException(
                                journal + ": line " + (i + 1) + " is damaged; remove the journal to start over");
                    }
                    // The last line, cut short when the run was killed: that image is scored again.
                }
            }
        }
        Path results = folder.resolve(resultsFile);
        if (done.isEmpty() && Files.isRegularFile(results)) {
            ScoreResults earlier = JSON.readValue(results.toFile(), ScoreResults.class);
            if (!Objects.equals(earlier.model(), header.model()) || earlier.threshold() != header.threshold()) {
                throw new IOException(results + " is from a run of model " + earlier.model() + " at threshold "
                        + earlier.threshold() + "; this run is " + header.model() + " at " + header.threshold()
                        + ": use another --out to keep both, or drop --resume");
            }
            for (ScoreResults.Image r : earlier.results()) {
                done.put(r.file(), r);
            }
        }
        return done;
    }

    private static void requireSameRun(Path journal, Header earlier, Header now) throws IOException {
        if (!Header.VERSION.equals(earlier.journal())
                || !Objects.equals(earlier.model(), now.model())
                || !Objects.equals(earlier.manifest(), now.manifest())
                || earlier.threshold() != now.threshold()
                || !earlier.save().equals(now.save())) {
            throw new IOException(journal + " belongs to another run (model " + earlier.model() + ", threshold "
                    + earlier.threshold() + ", outputs " + earlier.save() + "; this run: " + now.model() + ", "
                    + now.threshold() + ", " + now.save() + "): use another --out, or drop --resume to start over");
        }
    }

    /** Records one finished image and forces it to disk before returning. */
    public synchronized void append(ScoreResults.Image result) throws IOException {
        line(JSON.writeValueAsString(result));
    }

    private void line(String json) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((json.replace("\n", " ") + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            channel.write(b);
        }
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
