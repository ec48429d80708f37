package dev.stad.spark;

import dev.stad.runtime.bundle.Precision;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * What every task needs to score its images, shipped from the driver with the task. Paths here
 * are as the driver resolved them: absolute or qualified, so that no executor reads them against
 * a working directory of its own.
 *
 * @param bundle the bundle: an absolute path every executor can read (a shared file system), or
 *     the name of a file shipped with {@code --files} ({@link BundleLocation})
 * @param bundleSha256 the identity the driver read; an executor whose copy differs fails its task
 * @param bundleName the manifest's name, for the table
 * @param trustedKeys X.509 encodings of the public keys of which one must have signed the bundle;
 *     empty: signatures are not checked
 * @param precision the detector graph to run, as the driver resolved the default
 * @param threads ONNX Runtime threads of the executor's detector; 0: the task's CPUs ({@code
 *     spark.task.cpus})
 * @param memoryBudgetMb working memory of one image's scoring ({@code --memory-budget})
 * @param maxPixels largest image decoded; larger ones become error rows
 * @param mapsDir where anomaly maps go, a qualified Hadoop path; null: no maps
 * @param tempTag unique to this run: the name of its folder of temporary maps, which the driver
 *     removes at the end with whatever killed tasks left there
 * @param injected tests only: a failure the tasks raise on purpose; null: none
 */
public record JobSettings(
        String bundle,
        String bundleSha256,
        String bundleName,
        List<byte[]> trustedKeys,
        Precision precision,
        int threads,
        long memoryBudgetMb,
        long maxPixels,
        String mapsDir,
        String tempTag,
        JobOptions.InjectedFailure injected)
        implements Serializable {
    public JobSettings {
        Objects.requireNonNull(bundle, "bundle must not be null");
        Objects.requireNonNull(bundleSha256, "bundleSha256 must not be null");
        Objects.requireNonNull(bundleName, "bundleName must not be null");
        trustedKeys = List.copyOf(trustedKeys);
        Objects.requireNonNull(precision, "precision must not be null");
        Objects.requireNonNull(tempTag, "tempTag must not be null");
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0: the task's CPUs), found " + threads);
        }
        if (memoryBudgetMb < 0) {
            throw new IllegalArgumentException("memory budget must be >= 0 MB, found " + memoryBudgetMb);
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1, found " + maxPixels);
        }
    }
}
