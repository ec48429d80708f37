package dev.stad.spark;

import dev.stad.runtime.bundle.Precision;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * What every task needs to score its images, shipped from the driver with the task.
 *
 * @param bundle the bundle as given on the command line: a path every executor can read (a shared
 *     file system), or a file shipped with {@code --files}, found by its name ({@link
 *     BundleLocation})
 * @param bundleSha256 the identity the driver read; an executor whose copy differs fails its task
 * @param bundleName the manifest's name, for the table
 * @param trustedKeys X.509 encodings of the public keys of which one must have signed the bundle;
 *     empty: signatures are not checked
 * @param precision the detector graph to run; null: the runtime's default
 * @param threads ONNX Runtime threads per task; 0: the task's CPUs ({@code spark.task.cpus}),
 *     which is the executor's cores divided by the tasks it runs at once
 * @param memoryBudgetMb working memory of one image's scoring ({@code --memory-budget})
 * @param mapsDir where anomaly maps go (a Hadoop file system URI or path); null: no maps
 * @param tempTag unique to this run, part of every temporary map file's name, so the driver can
 *     remove what killed tasks left behind without touching another run's files
 * @param failFirstAttemptAfter tests only: the first attempt of partition 0 fails after scoring
 *     this many images; negative: never
 */
public record JobSettings(
        String bundle,
        String bundleSha256,
        String bundleName,
        List<byte[]> trustedKeys,
        Precision precision,
        int threads,
        long memoryBudgetMb,
        String mapsDir,
        String tempTag,
        int failFirstAttemptAfter)
        implements Serializable {
    public JobSettings {
        Objects.requireNonNull(bundle, "bundle must not be null");
        Objects.requireNonNull(bundleSha256, "bundleSha256 must not be null");
        Objects.requireNonNull(bundleName, "bundleName must not be null");
        trustedKeys = List.copyOf(trustedKeys);
        Objects.requireNonNull(tempTag, "tempTag must not be null");
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0: the task's CPUs), found " + threads);
        }
        if (memoryBudgetMb < 0) {
            throw new IllegalArgumentException("memory budget must be >= 0 MB, found " + memoryBudgetMb);
        }
    }
}
