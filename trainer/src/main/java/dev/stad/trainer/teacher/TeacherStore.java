package dev.stad.trainer.teacher;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.runtime.StadVersion;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.Normalization;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.config.PretrainConfig;
import dev.stad.trainer.corpus.Corpus;
import dev.stad.trainer.train.TeacherPretrainer;
import dev.stad.trainer.train.TrainingDivergedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A folder of teachers pretrained once on a broad corpus and shared by every run that names it
 * ({@code teacher.path}): one safetensors file per scale, {@code <scale>.safetensors}, the
 * weights named as in a run folder, and in its metadata everything that decides what the weights
 * are: the architecture (layers and input channels), the input normalisation the corpus was seen
 * through, and the pretraining settings (corpus, steps, losses, seed). A run whose scale has
 * another architecture or normalisation is refused with a message naming the file and what
 * differs, never given a teacher that does not fit; one whose pretraining settings differ uses
 * the teacher as it is and is told so (one teacher serves many parts). Pretraining in progress
 * is checkpointed next to it ({@code <scale>.partial.safetensors}) and resumes after an
 * interruption.
 *
 * <p>The teacher's descriptor statistics are not stored here: each run measures them on its own
 * training images, as the paper does.
 */
public final class TeacherStore {
    /** Version of the file layout; bumped on any incompatible change. */
    public static final int FORMAT_VERSION = 1;

    static final String FORMAT_KEY = "stad.teacherFormat";
    static final String SPEC_KEY = "spec";
    static final String MEAN_KEY = "input.mean";
    static final String STD_KEY = "input.std";
    static final String NORMALIZATION_KEY = "input.normalization";
    static final String PRETRAIN_KEY = "pretrain";
    static final String LOSS_KEY = "pretrainLoss";
    static final String STEPS_KEY = "steps";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path folder;
    private List<FloatImage> pool;
    private PretrainConfig poolSettings;

    public TeacherStore(Path folder) {
        this.folder = folder;
    }

    public Path folder() {
        return folder;
    }

    /** The file of one scale's teacher. */
    public Path file(NetworkSpec spec) {
        return folder.resolve(spec.name() + ".safetensors");
    }

    /** Its pretraining checkpoint, present while pretraining is unfinished. */
    public Path partialFile(NetworkSpec spec) {
        return folder.resolve(spec.name() + ".partial.safetensors");
    }

    /**
     * A pretrained teacher.
     *
     * @param weights the conv weights, named as {@link NetworkSpec#weightName}
     * @param settings the settings it was pretrained with
     * @param pretrainLoss loss over the first and last tenth of the steps
     * @param pretrainSeconds how long pretraining took in this session (0 if read from the folder)
     */
    public record Teacher(
            Path file,
            Map<String, FloatTensor> weights,
            PretrainConfig settings,
            List<Double> pretrainLoss,
            double pretrainSeconds) {}

    /**
     * The teacher of {@code spec} from the folder, if it is there.
     *
     * @throws IOException if the file is unreadable, of another format version, or was made for
     *     another architecture or normalisation
     */
    public Optional<Teacher> read(NetworkSpec spec, Preprocessing input) throws IOException {
        Path f = file(spec);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        Safetensors.Contents c = Safetensors.read(f);
        Map<String, String> meta = c.metadata();
        String format = meta.get(FORMAT_KEY);
        if (!String.valueOf(FORMAT_VERSION).equals(format)) {
            throw new IOException(f + ": not a pretrained teacher of format version " + FORMAT_VERSION + " (found "
                    + (format == null ? "no format version" : "version " + format) + ")");
        }
        NetworkSpec stored = JSON.readValue(meta.getOrDefault(SPEC_KEY, "null"), NetworkSpec.class);
        if (stored == null
                || !stored.layers().equals(spec.layers())
                || stored.inputChannels() != spec.inputChannels()) {
            throw new IOException(f + ": holds a teacher for " + describe(stored) + ", but scale " + spec.name()
                    + " is " + describe(spec) + "; give this architecture another name or another teacher.path");
        }
        float[] mean = JSON.readValue(meta.getOrDefault(MEAN_KEY, "null"), float[].class);
        float[] std = JSON.readValue(meta.getOrDefault(STD_KEY, "null"), float[].class);
        if (!Arrays.equals(mean, input.mean()) || !Arrays.equals(std, input.std())) {
            throw new IOException(f + ": was pretrained on inputs normalised with mean " + Arrays.toString(mean)
                    + " and"
                    + " std " + Arrays.toString(std) + ", this run's are " + Arrays.toString(input.mean()) + " and "
                    + Arrays.toString(input.std()) + "; use another teacher.path");
        }
        // Teachers stored before the normalization option existed saw dataset-normalised inputs.
        String normalization = meta.getOrDefault(NORMALIZATION_KEY, Normalization.DATASET.id());
        if (!normalization.equals(input.normalization().id())) {
            throw new IOException(f + ": was pretrained on inputs with " + normalization + " normalization, this run's"
                    + " input.normalization is " + input.normalization().id() + "; use another teacher.path");
        }
        PretrainConfig storedSettings = null;
        try {
            storedSettings = JSON.readValue(meta.getOrDefault(PRETRAIN_KEY, "null"), PretrainConfig.class);
        } catch (IOException e) {
            throw new IOException(f + ": unreadable pretraining settings (" + e.getMessage() + ")", e);
        }
        Map<String, FloatTensor> weights = new LinkedHashMap<>();
        for (int i : spec.convIndices()) {
            for (String n : List.of(NetworkSpec.weightName(i), NetworkSpec.biasName(i))) {
                FloatTensor t = c.tensors().get(n);
                if (t == null) {
                    throw new IOException(f + ": lacks tensor '" + n + "'");
                }
                weights.put(n, t);
            }
        }
        String loss = meta.get(LOSS_KEY);
        return Optional.of(new Teacher(
                f,
                weights,
                storedSettings,
                loss == null
                        ? null
                        : Arrays.stream(loss.split(",")).map(Double::valueOf).toList(),
                0));
    }

    /**
     * The teacher of {@code spec}: read from the folder, or pretrained with {@code settings}
     * (resuming a checkpoint there), written atomically, and returned.
     *
     * @param settings how to pretrain it if the folder lacks it; null if it must be there already
     */
    public Teacher obtain(
            NDManager manager, NetworkSpec spec, PretrainConfig settings, Preprocessing input, Progress progress)
            throws IOException, TrainingDivergedException {
        Optional<Teacher> existing = read(spec, input);
        if (existing.isPresent()) {
            Teacher t = existing.get();
            if (settings != null && t.settings() != null) {
                List<String> diff = differing(JSON.valueToTree(t.settings()), JSON.valueToTree(settings));
                if (!diff.isEmpty()) {
                    progress.line(
                            "note: " + t.file() + " was pretrained with other settings (" + String.join(", ", diff)
                                    + " differ) than this config's; using it as it is (delete it to pretrain it again)");
                }
            }
            return t;
        }
        if (settings == null || settings.corpus() == null) {
            throw new IOException(folder + ": holds no pretrained teacher for scale " + spec.name() + " ("
                    + file(spec).getFileName() + "), and the config gives no teacher.pretrain.corpus to pretrain one");
        }
        long t0 = System.nanoTime();
        Files.createDirectories(folder);
        List<FloatImage> images = pool(settings, input, progress);
        TeacherPretrainer.Result r = new TeacherPretrainer(spec, settings, input.std(), settings.seed(), progress)
                .train(manager, images, partialFile(spec));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, String.valueOf(FORMAT_VERSION));
        meta.put("scale", spec.name());
        meta.put(SPEC_KEY, JSON.writeValueAsString(spec));
        meta.put(MEAN_KEY, JSON.writeValueAsString(input.mean()));
        meta.put(STD_KEY, JSON.writeValueAsString(input.std()));
        meta.put(NORMALIZATION_KEY, input.normalization().id());
        meta.put(PRETRAIN_KEY, JSON.writeValueAsString(settings));
        meta.put(LOSS_KEY, r.firstLoss() + "," + r.lastLoss());
        meta.put(STEPS_KEY, Integer.toString(r.steps()));
        meta.put("stad.version", StadVersion.get());
        Safetensors.write(file(spec), r.weights(), meta);
        Files.deleteIfExists(partialFile(spec));
        double seconds = (System.nanoTime() - t0) / 1e9;
        progress.line(String.format(
                Locale.ROOT,
                "teacher %s pretrained on %s in %.0f s: loss %.4f -> %.4f; saved to %s",
                spec.name(),
                settings.corpus(),
                seconds,
                r.firstLoss(),
                r.lastLoss(),
                file(spec)));
        return new Teacher(file(spec), r.weights(), settings, List.of(r.firstLoss(), r.lastLoss()), seconds);
    }

    /** The corpus pool, loaded once and kept for the other scales of the same settings. */
    private List<FloatImage> pool(PretrainConfig settings, Preprocessing input, Progress progress) throws IOException {
        if (pool == null || !sameCorpus(poolSettings, settings)) {
            pool = Corpus.load(
                    settings.corpus(),
                    settings.corpusImages(),
                    settings.corpusImageSize(),
                    settings.seed(),
                    input,
                    progress);
            poolSettings = settings;
        }
        return pool;
    }

    private static boolean sameCorpus(PretrainConfig a, PretrainConfig b) {
        return a != null
                && a.corpus().equals(b.corpus())
                && a.corpusImages().equals(b.corpusImages())
                && a.corpusImageSize().equals(b.corpusImageSize())
                && a.seed().equals(b.seed());
    }

    private static String describe(NetworkSpec s) {
        return s == null ? "no architecture" : s.inputChannels() + "-channel input, layers " + s.layers();
    }

    private static List<String> differing(JsonNode a, JsonNode b) {
        List<String> out = new ArrayList<>();
        if (a == null || !a.isObject()) {
            return List.of("everything: the file has no settings");
        }
        for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!b.get(f).equals(a.get(f))) {
                out.add(f);
            }
        }
        for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!b.has(f)) {
                out.add(f);
            }
        }
        return out;
    }
}
