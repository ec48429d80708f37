package dev.stad.spark;

import static org.apache.spark.sql.functions.col;

import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.cli.Commands;
import dev.stad.runtime.cli.TrustOptions;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.detect.DetectorOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
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
                    + " (same path and modification time).")
    boolean resume;

    @Option(
            names = "--threads",
            paramLabel = "N",
            defaultValue = "0",
            description = "ONNX Runtime threads per task. Default: spark.task.cpus, the executor's cores divided"
                    + " by the tasks it runs at once.")
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
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "0",
            description = "Tasks to spread the images over. Default: four per core of the cluster, at most one"
                    + " per image.")
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
        JobOptions options = new JobOptions(
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
                partitions,
                -1);
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
     * @throws IOException if the table or maps folder cannot be inspected or cleaned
     * @throws IllegalArgumentException if the table exists without {@code resume}, or is not one
     *     this job wrote
     */
    public static JobSummary run(SparkSession spark, JobOptions options) throws BundleException, IOException {
        long t0 = System.nanoTime();
        ModelBundle bundle = ModelBundle.open(BundleLocation.resolve(options.bundle()), options.trust());
        BundleManifest manifest = bundle.manifest();
        if (options.precision() != null
                && manifest.detector(options.precision()).isEmpty()) {
            throw new BundleException(options.bundle() + ": the bundle has no "
                    + options.precision().id()
                    + " detector (export it again with the int8 detector, or use --precision fp32)");
        }
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Path table = new Path(options.out());
        FileSystem tableFs = table.getFileSystem(hadoop);
        boolean tableExists = tableFs.exists(table);
        if (tableExists && !options.resume()) {
            throw new IllegalArgumentException(
                    options.out() + " exists; pass --resume to add what it lacks, or" + " choose another --out");
        }

        Dataset<Row> listed = spark.read()
                .format("binaryFile")
                .option("recursiveFileLookup", "true")
                .option("pathGlobFilter", options.glob())
                .load(options.inputs().toArray(String[]::new))
                .select(col("path"), col("modificationTime").as("modification_time"), col("length"));
        Dataset<Row> todo = listed;
        long listedCount = listed.count();
        if (tableExists) {
            Dataset<Row> done = spark.read().parquet(options.out());
            StructType schema = done.schema();
            for (String c : List.of("path", "modification_time", "bundle_sha256")) {
                if (!List.of(schema.fieldNames()).contains(c)) {
                    throw new IllegalArgumentException(
                            options.out() + ": not a table this job wrote (no column " + c + "); choose another --out");
                }
            }
            done = done.filter(col("bundle_sha256").equalTo(bundle.sha256()))
                    .select(
                            col("path").as("done_path"),
                            col("modification_time").as("done_time"));
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
        Broadcast<HashMap<String, String>> hadoopConf = jsc.broadcast(conf);
        LongAccumulator scored = spark.sparkContext().longAccumulator("stad images scored");
        LongAccumulator errors = spark.sparkContext().longAccumulator("stad image errors");
        List<byte[]> keys = new ArrayList<>();
        for (PublicKey k : options.trust()) {
            keys.add(k.getEncoded());
        }
        String tempTag = UUID.randomUUID().toString().substring(0, 8);
        JobSettings settings = new JobSettings(
                options.bundle(),
                bundle.sha256(),
                manifest.name(),
                keys,
                options.precision(),
                options.threads(),
                options.memoryBudgetMb(),
                options.maps() == null ? null : options.maps(),
                tempTag,
                options.failFirstAttemptAfter());

        int removed = 0;
        if (todoCount > 0 || !tableExists) {
            int parts = options.partitions() > 0
                    ? options.partitions()
                    : (int) Math.max(
                            1, Math.min(todoCount, 4L * spark.sparkContext().defaultParallelism()));
            Dataset<Row> rows = todo.repartition(parts)
                    .mapPartitions(
                            new PartitionScorer(settings, hadoopConf, scored, errors),
                            Encoders.row(ResultSchema.TABLE));
            try {
                rows.write()
                        .mode(tableExists ? SaveMode.Append : SaveMode.ErrorIfExists)
                        .parquet(options.out());
            } finally {
                if (options.maps() != null) {
                    removed = MapStore.removeTemporary(options.maps(), hadoop, tempTag);
                }
                hadoopConf.destroy();
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
}
