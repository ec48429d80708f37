package dev.stad.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.regexp_replace;

import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.cli.Commands;
import dev.stad.runtime.cli.TrustOptions;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.image.ImageDecoder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Scores every image under some paths with one bundle and writes a Parquet table, one row per
 * image: the {@code spark-submit} entry point of {@code stad-spark.jar}.
 *
 * <pre>
 * spark-submit --class dev.stad.spark.ScoreJob stad-spark.jar \
 *     --bundle BUNDLE --input PATHS... --out TABLE [--maps DIR] [--resume]
 * </pre>
 *
 * <p>The driver opens the bundle once to learn its identity (and check its signature), lists the
 * images with Spark's {@code binaryFile} source without reading them, leaves out what an earlier
 * run scored when {@code --resume} asks, and spreads the paths over tasks. Each task reads and
 * scores its images with its executor's one {@link dev.stad.runtime.detect.Detector} ({@link
 * ExecutorDetectors}); the table is written through Spark's commit protocol, so a retried task's
 * rows replace its failed attempt's, never add to them.
 */
@Command(
        name = "stad-spark",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = "Score every image under the inputs with a bundle on Spark and write a Parquet table.")
public final class ScoreJob implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--bundle",
            required = true,
            paramLabel = "BUNDLE",
            description = "The bundle (folder or .zip): a path every executor can read, or a .zip shipped with"
                    + " spark-submit --files, given by its name.")
    String bundle;

    @Option(
            names = "--input",
            required = true,
            arity = "1..*",
            paramLabel = "PATH",
            description = "Folders (searched recursively) or files to score; any file system Spark reads"
                    + " (file:, hdfs:, s3a:, ...).")
    List<String> inputs;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "TABLE",
            description = "The Parquet table to write. It must not exist, unless --resume.")
    String out;

    @Option(
            names = "--maps",
            paramLabel = "DIR",
            description = "Write each image's anomaly map here as a float TIFF, named by the image's content"
                    + " and the bundle; the table's map_path column points to it.")
    String maps;

    @Option(
            names = "--glob",
            paramLabel = "PATTERN",
            description = "Which file names are images (Hadoop glob). Default: every extension the runtime"
                    + " reads, in lower and upper case.")
    String glob = JobOptions.DEFAULT_GLOB;

    @Option(
            names = "--resume",
            description = "Add to an existing table: score only the images it has no row for with this bundle"
                    + " and precision (same path and modification time).")
    boolean resume;

    @Option(
            names = "--threads",
            paramLabel = "N",
            defaultValue = "0",
            description = "ONNX Runtime threads of the executor's detector (intra-op), which the tasks running"
                    + " there at once share, each scoring on its own thread besides. Default: spark.task.cpus.")
    int threads;

    @Option(
            names = "--precision",
            paramLabel = "fp32|int8",
            description = "The detector graph to run (default: fp32 where the bundle has it).")
    Precision precision;

    @Option(
            names = "--memory-budget",
            paramLabel = "MB",
            defaultValue = "" + DetectorOptions.DEFAULT_MEMORY_BUDGET_MB,
            description = "Working memory of one image's scoring; larger images are computed in exact tiles."
                    + " Each task running at once needs its own (default: ${DEFAULT-VALUE}).")
    long memoryBudgetMb;

    @Option(
            names = "--max-pixels",
            paramLabel = "N",
            description = "Largest image decoded; a larger one becomes an error row from its header. Size the"
                    + " executor heap to it: about 30 bytes per pixel per task running at once (default:"
                    + " ${DEFAULT-VALUE}).")
    long maxPixels = ImageDecoder.maxPixels();

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "0",
            description = "Tasks to spread the images over. Default: four per core of the cluster, more where a"
                    + " task would get over 256 images, at most one per image.")
    int partitions;

    @Option(names = "--stacktrace", description = "Print the stack trace of a failure.")
    boolean stacktrace;

    @Mixin
    TrustOptions trust;

    /** Parses the command line and runs the job on the session {@code spark-submit} set up. */
    public static void main(String[] args) {
        int code = commandLine(System.out, System.err).execute(args);
        // Only on failure: under YARN's cluster mode an exit before main returns marks the
        // application failed even with code 0, and YARN would run it again.
        if (code != 0) {
            System.exit(code);
        }
    }

    /** The command line, configured like the runtime's commands (error lines, exit codes). */
    public static CommandLine commandLine(PrintStream out, PrintStream err) {
        return Commands.configure(new CommandLine(new ScoreJob()), out, err);
    }

    @Override
    public Integer call() throws IOException, BundleException {
        JobOptions options;
        try {
            options = new JobOptions(
                    bundle,
                    inputs,
                    out,
                    maps,
                    glob,
                    resume,
                    threads,
                    trust.publicKeys(),
                    precision,
                    memoryBudgetMb,
                    maxPixels,
                    partitions,
                    null);
        } catch (IllegalArgumentException e) {
            // A value no run can use: a command-line error (exit 2), not a failed job.
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        boolean existed = SparkSession.getActiveSession().isDefined()
                || SparkSession.getDefaultSession().isDefined();
        SparkSession spark = SparkSession.builder().appName("stad score").getOrCreate();
        try {
            JobSummary summary = run(spark, options);
            spec.commandLine().getOut().println(summary.line());
        } finally {
            if (!existed) {
                spark.stop();
            }
        }
        return 0;
    }

    /**
     * Runs the job on {@code spark}.
     *
     * @throws BundleException if the bundle cannot be opened on the driver (missing, corrupt, not
     *     signed by a trusted key) or lacks the precision asked for
     * @throws IOException if the table or maps folder cannot be inspected, created or cleaned
     * @throws IllegalArgumentException if the table exists without {@code resume}, or is not one
     *     this job wrote
     */
    public static JobSummary run(SparkSession spark, JobOptions options) throws BundleException, IOException {
        long t0 = System.nanoTime();
        java.nio.file.Path bundlePath = BundleLocation.resolve(options.bundle());
        ModelBundle bundle = ModelBundle.open(bundlePath, options.trust());
        BundleManifest manifest = bundle.manifest();
        Precision precision = precision(options, manifest);
        // Found where given: absolute, so that executors do not read it against their own working
        // directory. Else it was shipped with --files, and executors look it up by its name.
        java.nio.file.Path asGiven = java.nio.file.Path.of(options.bundle());
        String bundleForTasks = Files.exists(asGiven) ? asGiven.toAbsolutePath().toString() : options.bundle();

        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Path table = new Path(options.out());
        FileSystem tableFs = table.getFileSystem(hadoop);
        TableState state = tableState(tableFs, table, options.out());
        if (state == TableState.TABLE && !options.resume()) {
            throw new IllegalArgumentException(
                    options.out() + " exists; pass --resume to add what it lacks, or choose another --out");
        }
        boolean tableExists = state == TableState.TABLE;
        // A run that failed or whose driver died leaves its uncommitted task files under
        // _temporary, where the next commit would take them for its own: never reuse them.
        // Only what Spark writes is removed, and the folder itself stays (its owner, ACLs or
        // mount): a folder holding nothing else is written into as a new table.
        if (state == TableState.LEFTOVER) {
            removeHidden(tableFs, table);
        }

        String mapsDir = options.maps() == null ? null : createMapsDir(options.maps(), hadoop);
        Dataset<Row> listed = listImages(spark, options.inputs(), options.glob(), mapsDir);
        Dataset<Row> todo = listed;
        long listedCount = listed.count();
        if (tableExists) {
            Dataset<Row> done = spark.read().parquet(options.out());
            StructType schema = done.schema();
            for (String c : List.of("path", "modification_time", "bundle_sha256", "precision")) {
                if (!List.of(schema.fieldNames()).contains(c)) {
                    throw new IllegalArgumentException(
                            options.out() + ": not a table this job wrote (no column " + c + "); choose another --out");
                }
            }
            done = done.filter(col("bundle_sha256")
                            .equalTo(bundle.sha256())
                            .and(col("precision").equalTo(precision.id())))
                    .select(
                            col("path").as("done_path"),
                            col("modification_time").as("done_time"));
            Path temporary = new Path(table, "_temporary");
            if (tableFs.exists(temporary)) {
                delete(tableFs, temporary);
            }
            todo = listed.join(
                    done,
                    listed.col("path")
                            .equalTo(done.col("done_path"))
                            .and(listed.col("modification_time").eqNullSafe(done.col("done_time"))),
                    "left_anti");
        }
        long todoCount = tableExists ? todo.count() : listedCount;

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        HashMap<String, String> conf = new HashMap<>();
        for (Map.Entry<String, String> e : hadoop) {
            conf.put(e.getKey(), e.getValue());
        }
        LongAccumulator scored = spark.sparkContext().longAccumulator("stad images scored");
        LongAccumulator errors = spark.sparkContext().longAccumulator("stad image errors");
        List<byte[]> keys = new ArrayList<>();
        for (PublicKey k : options.trust()) {
            keys.add(k.getEncoded());
        }
        String tempTag = UUID.randomUUID().toString().substring(0, 8);
        JobSettings settings = new JobSettings(
                bundleForTasks,
                bundle.sha256(),
                manifest.name(),
                keys,
                precision,
                options.threads(),
                options.memoryBudgetMb(),
                options.maxPixels(),
                mapsDir,
                tempTag,
                options.injected());

        int removed = 0;
        if (todoCount > 0 || !tableExists) {
            int parts = options.partitions() > 0
                    ? options.partitions()
                    : JobOptions.partitionsFor(todoCount, spark.sparkContext().defaultParallelism());
            Broadcast<HashMap<String, String>> hadoopConf = jsc.broadcast(conf);
            Dataset<Row> rows = todo.repartition(parts)
                    .mapPartitions(
                            new PartitionScorer(settings, hadoopConf, scored, errors),
                            Encoders.row(ResultSchema.TABLE));
            try {
                rows.write()
                        .mode(state == TableState.ABSENT ? SaveMode.ErrorIfExists : SaveMode.Append)
                        .parquet(options.out());
            } catch (Exception e) {
                // The job failed (Spark's SparkException is checked, though Scala declares it
                // nowhere): leave nothing that blocks or pollutes the next run, and keep this
                // failure the one reported.
                try {
                    if (mapsDir != null) {
                        MapStore.removeTemporary(mapsDir, hadoop, tempTag);
                    }
                    if (!tableExists && tableState(tableFs, table, options.out()) == TableState.LEFTOVER) {
                        removeHidden(tableFs, table);
                        if (state == TableState.ABSENT) {
                            // This run made the folder: take it away again (it is empty now).
                            tableFs.delete(table, false);
                        }
                    }
                } catch (IOException | RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            } finally {
                hadoopConf.destroy();
            }
            if (mapsDir != null) {
                removed = MapStore.removeTemporary(mapsDir, hadoop, tempTag);
            }
        }
        return new JobSummary(
                listedCount,
                listedCount - todoCount,
                scored.value(),
                errors.value(),
                removed,
                (System.nanoTime() - t0) / 1e9,
                tableFs.makeQualified(table).toString());
    }

    /**
     * The images under {@code inputs} whose names match {@code glob}, as path, modification time
     * and length ({@link ResultSchema#INPUT}); files under {@code exclude} (the maps folder, whose
     * TIFFs are images too) are left out. Spark lists the files here, on the driver; a file deleted
     * before a task gets to it is left out of the rows ({@code ignoreMissingFiles}), not a failure.
     */
    static Dataset<Row> listImages(SparkSession spark, List<String> inputs, String glob, String exclude) {
        Dataset<Row> listed = spark.read()
                .format("binaryFile")
                .option("recursiveFileLookup", "true")
                .option("pathGlobFilter", glob)
                .option("ignoreMissingFiles", "true")
                .load(inputs.toArray(String[]::new))
                .select(col("path"), col("modificationTime").as("modification_time"), col("length"));
        if (exclude != null) {
            // Compared without scheme and authority: hdfs://nn:8020/x and hdfs://nameservice/x
            // (or file:/x and file:///x) name the same folder.
            String prefix =
                    Path.getPathWithoutSchemeAndAuthority(new Path(exclude)).toString();
            prefix = prefix.endsWith("/") ? prefix : prefix + "/";
            listed = listed.filter(not(regexp_replace(col("path"), "^[a-zA-Z][a-zA-Z0-9+.-]*:(//[^/]*)?", "")
                    .startsWith(prefix)));
        }
        return listed;
    }

    /** What is at {@code --out} before the job writes. */
    enum TableState {
        /** Nothing. */
        ABSENT,
        /** A folder with nothing of a table in it: what a failed run leaves (or an empty folder). */
        LEFTOVER,
        /** A folder with data or a committed run's marker. */
        TABLE
    }

    static TableState tableState(FileSystem fs, Path table, String given) throws IOException {
        if (!fs.exists(table)) {
            return TableState.ABSENT;
        }
        FileStatus status = fs.getFileStatus(table);
        if (!status.isDirectory()) {
            throw new IllegalArgumentException(given + " is a file, not a table folder; choose another --out");
        }
        for (FileStatus s : fs.listStatus(table)) {
            String name = s.getPath().getName();
            // Data files never start with _ or .: what does is a committer's or file system's
            // bookkeeping (_temporary, __magic, .crc, .nfs...), except a committed run's marker.
            boolean bookkeeping = (name.startsWith("_") || name.startsWith(".")) && !name.equals("_SUCCESS");
            if (!bookkeeping) {
                return TableState.TABLE;
            }
        }
        return TableState.LEFTOVER;
    }

    /** The precision the executors run: the one asked for, or the runtime's default for this bundle. */
    static Precision precision(JobOptions options, BundleManifest manifest) throws BundleException {
        return Detector.graph(manifest, options.precision(), options.bundle()).precisionOrDefault();
    }

    /** Creates the maps folder on the driver, so that a path no task could write fails here; its qualified path. */
    private static String createMapsDir(String maps, Configuration hadoop) throws IOException {
        Path dir = new Path(maps);
        FileSystem fs = dir.getFileSystem(hadoop);
        try {
            if (!fs.mkdirs(dir)) {
                throw new IOException("mkdirs returned false");
            }
        } catch (IOException e) {
            throw new IOException(maps + ": cannot create the maps folder: " + e.getMessage(), e);
        }
        return fs.makeQualified(dir).toString();
    }

    /** Removes the entries of {@code dir} whose names start with _ or . (a failed run's). */
    private static void removeHidden(FileSystem fs, Path dir) throws IOException {
        for (FileStatus s : fs.listStatus(dir)) {
            String name = s.getPath().getName();
            if (name.startsWith("_") || name.startsWith(".")) {
                delete(fs, s.getPath());
            }
        }
    }

    private static void delete(FileSystem fs, Path path) throws IOException {
        if (!fs.delete(path, true) && fs.exists(path)) {
            throw new IOException("cannot remove " + path);
        }
    }
}
