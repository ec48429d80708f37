package dev.stad.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The files of one run folder ({@code --out}), all written atomically:
 *
 * <pre>
 * run.json                        config, data split, versions, status, summary
 * teacher-&lt;scale&gt;.safetensors     teacher weights + normalization.mean / normalization.std
 * teacher-&lt;scale&gt;.partial.safetensors  pretraining in progress (weights + Adam state)
 * students-&lt;scale&gt;.safetensors    net&lt;i&gt;.* student weights + adam.net&lt;i&gt;.* state, epoch
 * </pre>
 *
 * Teacher and student weights are named {@code layer<k>.weight} / {@code layer<k>.bias} after the index of the conv in
 * the scale's layer list, shaped as PyTorch's Conv2d ([out, in, k, k]).
 */
public final class RunDirectory {
    /**
     * Version of this layout; bumped on any incompatible change. 2: statistics and students on
     * the valid region only, the scale combination in run.json; 1 (refused): zero-padded borders.
     */
    public static final int FORMAT_VERSION = 2;

    public static final String RUN_FILE = "run.json";
    /** Teacher file tensors holding mu_T and sigma_T. */
    public static final String NORM_MEAN = "normalization.mean";

    public static final String NORM_STD = "normalization.std";

    private static final ObjectMapper JSON = Json.mapper();

    private final Path root;

    public RunDirectory(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path runFile() {
        return root.resolve(RUN_FILE);
    }

    public Path teacherFile(String scale) {
        return root.resolve("teacher-" + scale + ".safetensors");
    }

    public Path teacherPartialFile(String scale) {
        return root.resolve("teacher-" + scale + ".partial.safetensors");
    }

    /** Student weights of one scale: student {@code i}'s tensors carry the prefix {@link #studentPrefix}. */
    public Path studentsFile(String scale) {
        return root.resolve("students-" + scale + ".safetensors");
    }

    /** Tensor name prefix of student {@code i} in a students file. */
    public static String studentPrefix(int i) {
        return "net" + i + ".";
    }

    /** The run's metadata, or empty if the folder holds no run yet. */
    public Optional<RunMetadata> readMetadata() throws IOException {
        Path f = runFile();
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        RunMetadata m;
        try {
            m = JSON.readValue(f.toFile(), RunMetadata.class);
        } catch (IOException e) {
            throw new IOException(
                    f + ": corrupt run metadata (" + e.getMessage() + "); use --fresh to start this run over", e);
        }
        if (m.formatVersion() != FORMAT_VERSION) {
            throw new IOException(f + ": run format version " + m.formatVersion() + " is not supported (expected "
                    + FORMAT_VERSION + "); use --fresh to start this run over or another --out");
        }
        return Optional.of(m);
    }

    public void writeMetadata(RunMetadata metadata) throws IOException {
        AtomicFiles.write(runFile(), out -> JSON.writeValue(out, metadata));
    }

    /**
     * Deletes the files a run writes (nothing else: {@code --out} might be a folder that holds
     * other things too).
     */
    public void clear() throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> s = Files.list(root)) {
            List<Path> ours = s.filter(p -> {
                        String n = p.getFileName().toString();
                        return n.equals(RUN_FILE)
                                || (n.startsWith("teacher-") || n.startsWith("students-"))
                                        && n.endsWith(".safetensors");
                    })
                    .toList();
            for (Path p : ours) {
                Files.delete(p);
            }
        }
    }
}
