package dev.stad.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkFiles;

/**
 * Where a bundle is on this JVM's machine. A bundle reaches executors in one of two ways: on a
 * file system every node mounts (the path as given), or shipped with {@code spark-submit --files
 * bundle.zip} (Spark copies it into each executor's working files; it is found by its file name).
 */
final class BundleLocation {
    private BundleLocation() {}

    /**
     * The local path of {@code bundle}: the path itself where it exists here, else the copy {@code
     * --files} shipped.
     *
     * @throws IllegalStateException naming both places when neither has it
     */
    static Path resolve(String bundle) {
        Path asGiven = Path.of(bundle);
        if (Files.exists(asGiven)) {
            return asGiven;
        }
        Path name = asGiven.getFileName();
        if (name != null) {
            Path shipped;
            try {
                shipped = Path.of(SparkFiles.get(name.toString()));
            } catch (RuntimeException e) {
                // No SparkContext on this JVM: nothing was shipped.
                shipped = null;
            }
            if (shipped != null && Files.exists(shipped)) {
                return shipped;
            }
        }
        throw new IllegalStateException(bundle + ": no such bundle on this machine, and no file " + name
                + " shipped with --files (give a path every executor can read, or ship the bundle's .zip with"
                + " --files)");
    }
}
