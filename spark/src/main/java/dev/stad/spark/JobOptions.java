package dev.stad.spark;

import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.image.ImageDecoder;
import java.security.PublicKey;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
 *     bundle (same path and modification time)
 * @param threads ONNX Runtime threads per task; 0: the task's CPUs
 * @param trust public keys of which one must have signed the bundle; empty: not checked
 * @param precision the detector graph to run; null: the runtime's default
 * @param memoryBudgetMb working memory of one image's scoring, as {@code runtime score
 *     --memory-budget}
 * @param partitions how many tasks share the images; 0: four per core of the cluster, at most one
 *     per image
 * @param failFirstAttemptAfter tests only ({@link JobSettings#failFirstAttemptAfter})
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
        int partitions,
        int failFirstAttemptAfter) {
    /** Every extension the runtime decodes, in lower and upper case: {@code *.{png,PNG,jpg,...}}. */
    public static final String DEFAULT_GLOB = "*.{"
            + ImageDecoder.IMAGE_EXTENSIONS.stream()
                    .sorted()
                    .flatMap(e -> Stream.of(e, e.toUpperCase(java.util.Locale.ROOT)))
                    .collect(Collectors.joining(","))
            + "}";

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
            throw new IllegalArgumentException("threads must be >= 0 (0: the task's CPUs), found " + threads);
        }
        if (partitions < 0) {
            throw new IllegalArgumentException(
                    "partitions must be >= 0 (0: from the cluster's cores), found " + partitions);
        }
        if (memoryBudgetMb < 0) {
            throw new IllegalArgumentException("memory budget must be >= 0 MB (0: no limit), found " + memoryBudgetMb);
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
                0,
                -1);
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
                partitions,
                failFirstAttemptAfter);
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
                partitions,
                failFirstAttemptAfter);
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
                n,
                failFirstAttemptAfter);
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
                partitions,
                failFirstAttemptAfter);
    }

    /** Tests only: the first attempt of partition 0 fails after {@code n} images. */
    public JobOptions withFailFirstAttemptAfter(int n) {
        return new JobOptions(
                bundle, inputs, out, maps, glob, resume, threads, trust, precision, memoryBudgetMb, partitions, n);
    }
}
