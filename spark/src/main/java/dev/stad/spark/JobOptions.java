package dev.stad.spark;

import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.image.ImageDecoder;
import java.io.Serializable;
import java.security.PublicKey;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One run of {@link ScoreJob}, as the command line gives it.
 *
 * @param bundle the bundle: a path every executor reads, or the name of a file shipped with {@code
 *     --files}
 * @param inputs folders or files to score, any Hadoop file system; folders are searched
 *     recursively
 * @param out the Parquet table to write
 * @param maps folder for anomaly maps (float TIFF); null: none written
 * @param glob which file names are images ({@link #DEFAULT_GLOB})
 * @param resume continue an existing table: score only images it has no row for with this
 *     bundle and precision (same path and modification time)
 * @param threads ONNX Runtime threads of each executor's detector; 0: the task's CPUs
 * @param trust public keys of which one must have signed the bundle; empty: not checked
 * @param precision the detector graph to run; null: the runtime's default
 * @param memoryBudgetMb working memory of one image's scoring, as {@code runtime score
 *     --memory-budget}
 * @param maxPixels largest image decoded; a larger one becomes an error row from its header,
 *     before its pixels take heap
 * @param partitions how many tasks share the images; 0: {@link #partitionsFor}
 * @param injected tests only: a failure to inject into the tasks; null: none
 */
public record JobOptions(
        String bundle,
        List<String> inputs,
        String out,
        String maps,
        String glob,
        boolean resume,
        int threads,
        List<PublicKey> trust,
        Precision precision,
        long memoryBudgetMb,
        long maxPixels,
        int partitions,
        InjectedFailure injected) {
    /**
     * Every extension the runtime decodes, in any mix of case: {@code *.{[bB][mM][pP],...}} (Hadoop
     * globs have no case-insensitive flag).
     */
    public static final String DEFAULT_GLOB = "*.{"
            + ImageDecoder.IMAGE_EXTENSIONS.stream()
                    .sorted()
                    .map(JobOptions::anyCase)
                    .collect(Collectors.joining(","))
            + "}";

    /**
     * Images one task scores at most when {@link #partitions} is 0: a few minutes of one core for
     * the default model, so that a task that dies and is retried repeats little work.
     */
    public static final int IMAGES_PER_TASK = 256;

    /**
     * A failure the tasks raise on purpose, for tests of retries and of failed jobs.
     *
     * @param afterImages the failing attempt has scored this many images; with maps, it fails
     *     while writing the next map, after its temporary file and before the rename
     * @param everyAttempt every attempt of partition 0 fails (the job fails); else only its first
     */
    public record InjectedFailure(int afterImages, boolean everyAttempt) implements Serializable {
        public InjectedFailure {
            if (afterImages < 0) {
                throw new IllegalArgumentException("afterImages must be >= 0, found " + afterImages);
            }
        }
    }

    public JobOptions {
        Objects.requireNonNull(bundle, "bundle must not be null");
        inputs = List.copyOf(inputs);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("at least one input path is needed");
        }
        Objects.requireNonNull(out, "out must not be null");
        Objects.requireNonNull(glob, "glob must not be null");
        trust = List.copyOf(trust);
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be >= 0 (0: the task's CPUs), found " + threads);
        }
        if (partitions < 0) {
            throw new IllegalArgumentException(
                    "--partitions must be >= 0 (0: from the image count and the cluster's cores), found " + partitions);
        }
        if (memoryBudgetMb < 0) {
            throw new IllegalArgumentException(
                    "--memory-budget must be >= 0 MB (0: no limit), found " + memoryBudgetMb);
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("--max-pixels must be >= 1, found " + maxPixels);
        }
        if (precision == Precision.FP16) {
            throw new IllegalArgumentException("fp16 runs on TensorRT only; the Spark job scores on ONNX Runtime's"
                    + " CPU engine: use fp32 or int8");
        }
    }

    /** Score {@code inputs} with {@code bundle} into {@code out}, everything else by default. */
    public static JobOptions of(String bundle, List<String> inputs, String out) {
        return new JobOptions(
                bundle,
                inputs,
                out,
                null,
                DEFAULT_GLOB,
                false,
                0,
                List.of(),
                null,
                DetectorOptions.DEFAULT_MEMORY_BUDGET_MB,
                ImageDecoder.maxPixels(),
                0,
                null);
    }

    /**
     * How many tasks share {@code images} images when {@code --partitions} is not given: four per
     * core of the cluster ({@code parallelism}), so that slow tasks even out, and more where that
     * would put more than {@link #IMAGES_PER_TASK} images in one task; never more than one per
     * image.
     */
    public static int partitionsFor(long images, int parallelism) {
        long byCores = Math.min(images, 4L * Math.max(1, parallelism));
        long bySize = (images + IMAGES_PER_TASK - 1) / IMAGES_PER_TASK;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, Math.max(byCores, bySize)));
    }

    public JobOptions withMaps(String dir) {
        return new JobOptions(
                bundle,
                inputs,
                out,
                dir,
                glob,
                resume,
                threads,
                trust,
                precision,
                memoryBudgetMb,
                maxPixels,
                partitions,
                injected);
    }

    public JobOptions withResume(boolean r) {
        return new JobOptions(
                bundle,
                inputs,
                out,
                maps,
                glob,
                r,
                threads,
                trust,
                precision,
                memoryBudgetMb,
                maxPixels,
                partitions,
                injected);
    }

    public JobOptions withPartitions(int n) {
        return new JobOptions(
                bundle,
                inputs,
                out,
                maps,
                glob,
                resume,
                threads,
                trust,
                precision,
                memoryBudgetMb,
                maxPixels,
                n,
                injected);
    }

    public JobOptions withTrust(List<PublicKey> keys) {
        return new JobOptions(
                bundle,
                inputs,
                out,
                maps,
                glob,
                resume,
                threads,
                keys,
                precision,
                memoryBudgetMb,
                maxPixels,
                partitions,
                injected);
    }

    public JobOptions withPrecision(Precision p) {
        return new JobOptions(
                bundle,
                inputs,
                out,
                maps,
                glob,
                resume,
                threads,
                trust,
                p,
                memoryBudgetMb,
                maxPixels,
                partitions,
                injected);
    }

    public JobOptions withMaxPixels(long n) {
        return new JobOptions(
                bundle,
                inputs,
                out,
                maps,
                glob,
                resume,
                threads,
                trust,
                precision,
                memoryBudgetMb,
                n,
                partitions,
                injected);
    }

    /** Tests only: the tasks fail as {@code failure} says. */
    public JobOptions withInjectedFailure(InjectedFailure failure) {
        return new JobOptions(
                bundle,
                inputs,
                out,
                maps,
                glob,
                resume,
                threads,
                trust,
                precision,
                memoryBudgetMb,
                maxPixels,
                partitions,
                failure);
    }

    /** {@code png} to {@code [pP][nN][gG]}. */
    private static String anyCase(String extension) {
        StringBuilder b = new StringBuilder();
        for (char c : extension.toCharArray()) {
            char lower = Character.toLowerCase(c);
            char upper = Character.toUpperCase(c);
            if (lower == upper) {
                b.append(c);
            } else {
                b.append('[').append(lower).append(upper).append(']');
            }
        }
        return b.toString();
    }
}
