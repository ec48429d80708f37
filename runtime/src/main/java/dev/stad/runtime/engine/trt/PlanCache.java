package dev.stad.runtime.engine.trt;

import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.progress.Progress;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Built TensorRT engines ("plans") and timing caches on disk. Building an engine takes seconds to
 * minutes and its result is only valid for one GPU model, TensorRT and CUDA version, graph, input
 * range and set of builder settings, so a plan is stored under a digest of all of them
 * ({@link Key}): a second start with the same key loads the plan, a changed key builds a new one.
 *
 * <p>Each file carries its own key, length and SHA-256: a truncated, corrupt or foreign file is
 * reported and rebuilt, never handed to TensorRT. Files are written to a temporary name and
 * renamed, and a build holds a lock file, so processes starting together build once and never
 * see half a plan. The timing cache (what TensorRT measured per layer) is shared by every graph
 * on the same GPU and TensorRT version, so it makes builds of other bundles faster too.
 */
public final class PlanCache {
    private static final byte[] MAGIC = "STADTRT1".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_KEY_BYTES = 1 << 16;
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private final Path dir;

    /**
     * The builder's precision flags as the key and messages name them: int8 when the graph has
     * Q/DQ pairs (explicit quantization), fp16 when the float layers are asked for in half
     * precision; both flags can be set, and an int8 plan built with fp16 allowed is another plan
     * than one without.
     */
    public static String precision(boolean quantized, Precision floats) {
        boolean fp16 = floats == Precision.FP16;
        if (quantized) {
            return fp16 ? "int8+fp16" : "int8";
        }
        return fp16 ? "fp16" : "fp32";
    }

    /** Whether an ONNX graph holds QuantizeLinear nodes (an int8 detector). */
    public static boolean isQuantized(byte[] onnx) {
        return new String(onnx, StandardCharsets.ISO_8859_1).contains("QuantizeLinear");
    }

    public PlanCache(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir must not be null");
    }

    /**
     * Everything that makes a plan invalid when it changes.
     *
     * @param gpu the device name (e.g. {@code NVIDIA H200})
     * @param computeCapability e.g. {@code 9.0}
     * @param tensorRt the TensorRT library version loaded
     * @param cuda the CUDA runtime and driver versions
     * @param graphSha256 SHA-256 of the ONNX graph's bytes
     * @param profile the input shape range ({@code InputProfile.describe()})
     * @param precision the builder's precision flags ({@link #precision}): fp32, fp16, int8 or int8+fp16
     * @param builder builder settings that change the plan (workspace, optimisation level)
     */
    public record Key(
            String gpu,
            String computeCapability,
            String tensorRt,
            String cuda,
            String graphSha256,
            String profile,
            String precision,
            String builder) {
        public Key {
            for (String s :
                    new String[] {gpu, computeCapability, tensorRt, cuda, graphSha256, profile, precision, builder}) {
                Objects.requireNonNull(s, "key fields must not be null");
            }
        }

        /**
         * The key of the plan TensorRT builds from {@code onnx} with {@code options} on the GPU
         * and libraries named: the one place that says what a plan depends on.
         */
        public static Key of(
                String gpu,
                String computeCapability,
                String tensorRt,
                String cuda,
                byte[] onnx,
                String profile,
                TrtOptions options) {
            return new Key(
                    gpu,
                    computeCapability,
                    tensorRt,
                    cuda,
                    ModelBundle.sha256(onnx),
                    profile,
                    PlanCache.precision(isQuantized(onnx), options.precision()),
                    "workspace=" + options.workspaceMb() + "MB;level=" + options.optimizationLevel()
                            // Plans of fp16 builds that only preferred the fp32 pins, or pinned by
                            // layer type alone, or let TF32 into them, are other plans.
                            + ";pins=obey,names;tf32=" + (options.precision() == Precision.FP16 ? "off" : "default"));
        }

        /** The key as text, one {@code field=value} per line: what the plan file carries. */
        public String canonical() {
            return "gpu=" + gpu + "\ncompute=" + computeCapability + "\ntensorrt=" + tensorRt + "\ncuda=" + cuda
                    + "\ngraph=" + graphSha256 + "\nprofile=" + profile + "\nprecision=" + precision + "\nbuilder="
                    + builder + "\n";
        }

        /** File-name part for the plan: a digest of {@link #canonical()}. */
        public String digest() {
            return ModelBundle.sha256(canonical().getBytes(StandardCharsets.UTF_8))
                    .substring(0, 32);
        }

        /** Timing caches depend on the GPU and the libraries only. */
        String timingDigest() {
            String t = "gpu=" + gpu + "\ncompute=" + computeCapability + "\ntensorrt=" + tensorRt + "\ncuda=" + cuda
                    + "\n";
            return ModelBundle.sha256(t.getBytes(StandardCharsets.UTF_8)).substring(0, 32);
        }

        String timingCanonical() {
            return "timing\ngpu=" + gpu + "\ncompute=" + computeCapability + "\ntensorrt=" + tensorRt + "\ncuda=" + cuda
                    + "\n";
        }
    }

    /** What {@link Builder#build} returns: the serialized plan and the updated timing cache (or null). */
    public record Built(byte[] plan, byte[] timingCache) {
        public Built {
            Objects.requireNonNull(plan, "plan must not be null");
        }
    }

    /** Builds a plan when the cache has none; given the stored timing cache, or null. */
    @FunctionalInterface
    public interface Builder {
        Built build(byte[] timingCache) throws EngineException;
    }

    /**
     * A plan and where it came from.
     *
     * @param built true when it was built now, false when it was read from {@code file}
     * @param file where it is (or would have been) stored
     */
    public record Result(byte[] plan, boolean built, Path file) {}

    /** What {@link #read} found. */
    record Read(byte[] payload, String problem) {
        static Read missing() {
            return new Read(null, null);
        }
    }

    /**
     * {@code $STAD_CACHE_DIR/tensorrt}, else {@code $XDG_CACHE_HOME/stad/tensorrt}, else
     * {@code ~/.cache/stad/tensorrt}.
     */
    public static Path defaultDirectory() {
        String own = System.getenv("STAD_CACHE_DIR");
        if (own != null && !own.isBlank()) {
            return Path.of(own).resolve("tensorrt");
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg).resolve("stad").resolve("tensorrt");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "stad", "tensorrt");
    }

    public Path dir() {
        return dir;
    }

    public Path planFile(Key key) {
        return dir.resolve(key.digest() + ".plan");
    }

    public Path timingFile(Key key) {
        return dir.resolve("timing-" + key.timingDigest() + ".cache");
    }

    /**
     * The plan for {@code key}: read from the cache, or built by {@code builder} and stored. A
     * cache file that cannot be used is reported on {@code progress} and replaced; a cache folder
     * that cannot be written is reported and the plan is used without being stored.
     */
    public Result loadOrBuild(Key key, Builder builder, Progress progress) throws EngineException {
        Path file = planFile(key);
        ReentrantLock local = LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), f -> new ReentrantLock());
        local.lock();
        FileLock held = lockFile(key, progress);
        try {
            Read found = read(file, key.canonical());
            if (found.payload() != null) {
                return new Result(found.payload(), false, file);
            }
            if (found.problem() != null) {
                progress.line("TensorRT engine cache: " + file + " " + found.problem() + "; building it again");
            }
            Read timing = read(timingFile(key), key.timingCanonical());
            if (timing.problem() != null) {
                progress.line(
                        "TensorRT timing cache: " + timingFile(key) + " " + timing.problem() + "; starting a new one");
            }
            Built built = builder.build(timing.payload());
            try {
                write(file, key.canonical(), built.plan());
                if (built.timingCache() != null) {
                    write(timingFile(key), key.timingCanonical(), built.timingCache());
                }
            } catch (IOException e) {
                progress.line("TensorRT engine cache: cannot write " + file + " (" + e.getMessage()
                        + "); the engine is used but will be built again next time");
            }
            return new Result(built.plan(), true, file);
        } finally {
            if (held != null) {
                try {
                    held.release();
                } catch (IOException e) {
                    progress.line("TensorRT engine cache: cannot release the lock in " + dir + ": " + e.getMessage());
                }
            }
            local.unlock();
        }
    }

    /** Removes the plan for {@code key}, e.g. when TensorRT refused to load it. */
    public void invalidate(Key key) throws IOException {
        Files.deleteIfExists(planFile(key));
    }

    /** Takes the key's lock file, or null where the folder cannot hold one (read-only cache). */
    private FileLock lockFile(Key key, Progress progress) {
        try {
            Files.createDirectories(dir);
            FileChannel ch = FileChannel.open(
                    dir.resolve(key.digest() + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                return new ChannelClosingLock(ch, ch.lock());
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            progress.line("TensorRT engine cache: cannot lock in " + dir + " (" + e.getMessage() + ")");
            return null;
        }
    }

    /** Stores {@code payload} under {@code key} atomically. */
    static void write(Path file, String key, byte[] payload) throws IOException {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(header)) {
            out.write(MAGIC);
            out.writeInt(keyBytes.length);
            out.write(keyBytes);
            out.writeLong(payload.length);
            out.write(HexFormat.of().parseHex(ModelBundle.sha256(payload)));
        }
        AtomicFiles.write(file, out -> {
            header.writeTo(out);
            out.write(payload);
        });
    }

    /**
     * The payload stored in {@code file} for {@code key}; no payload and no problem when there is
     * no file; a problem in words when there is one that cannot be used.
     */
    static Read read(Path file, String key) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Read.missing();
        } catch (IOException | OutOfMemoryError e) {
            return new Read(null, "cannot be read (" + e.getMessage() + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        if (all.length < MAGIC.length + 4 || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
            return new Read(null, "is not a stad TensorRT cache file");
        }
        b.position(MAGIC.length);
        int keyLength = b.getInt();
        if (keyLength < 0 || keyLength > MAX_KEY_BYTES || b.remaining() < keyLength + 8 + 32) {
            return new Read(null, "is truncated");
        }
        byte[] keyBytes = new byte[keyLength];
        b.get(keyBytes);
        if (!new String(keyBytes, StandardCharsets.UTF_8).equals(key)) {
            return new Read(null, "belongs to another key");
        }
        long length = b.getLong();
        byte[] sum = new byte[32];
        b.get(sum);
        if (length != b.remaining()) {
            return new Read(
                    null,
                    String.format(
                            Locale.ROOT,
                            "is truncated or padded (%d payload bytes, header says %d)",
                            b.remaining(),
                            length));
        }
        byte[] payload = new byte[b.remaining()];
        b.get(payload);
        if (!HexFormat.of().formatHex(sum).equals(ModelBundle.sha256(payload))) {
            return new Read(null, "is corrupt (checksum mismatch)");
        }
        return new Read(payload, null);
    }

    /** A file lock that also closes its channel. */
    private static final class ChannelClosingLock extends FileLock {
        private final FileLock lock;

        ChannelClosingLock(FileChannel channel, FileLock lock) {
            super(channel, lock.position(), lock.size(), lock.isShared());
            this.lock = lock;
        }

        @Override
        public boolean isValid() {
            return lock.isValid();
        }

        @Override
        public void release() throws IOException {
            try {
                lock.release();
            } finally {
                channel().close();
            }
        }
    }
}
