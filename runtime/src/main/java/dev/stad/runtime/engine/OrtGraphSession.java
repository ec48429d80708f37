package dev.stad.runtime.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import dev.stad.runtime.image.FloatImage;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A graph on ONNX Runtime, on the CPU or with the CUDA execution provider: full graph
 * optimisation, a fixed number of intra-op threads, no memory pattern. ONNX Runtime sessions accept concurrent
 * runs; a lock only keeps {@link #close} from freeing the session under a running call.
 *
 * <p>ONNX Runtime's CPU arena keeps what the largest input needed for the session's life, so some
 * runs end by handing its free regions back to the system ({@link ArenaShrinkage} says which).
 */
public final class OrtGraphSession implements GraphSession {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String input;
    /** Whether the graph takes {@link InteriorSides#INPUT}. */
    private final boolean interiorInput;

    private final Set<String> outputs;
    private final String description;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final OrtSession.RunOptions shrinking;
    private final ArenaShrinkage shrinkage = new ArenaShrinkage();
    private boolean closed;

    private OrtGraphSession(
            OrtEnvironment env,
            OrtSession session,
            OrtSession.RunOptions shrinking,
            String input,
            boolean interiorInput,
            Set<String> outputs,
            String description) {
        this.env = env;
        this.session = session;
        this.shrinking = shrinking;
        this.input = input;
        this.interiorInput = interiorInput;
        this.outputs = outputs;
        this.description = description;
    }

    /**
     * Compiles {@code onnx} for {@code kind} ({@link EngineKind#ORT} or {@link EngineKind#ORT_CUDA}).
     *
     * @param what names the graph in error messages (e.g. the bundle and file)
     */
    static OrtGraphSession open(byte[] onnx, String what, String input, List<String> outputs, EngineOptions options)
            throws EngineException {
        boolean cuda = switch (options.kind()) {
            case ORT -> false;
            case ORT_CUDA -> true;
            default ->
                throw new IllegalArgumentException(
                        "not an ONNX Runtime engine: " + options.kind().id());
        };
        OrtEnvironment env;
        try {
            env = OrtEnvironment.getEnvironment();
        } catch (LinkageError e) {
            throw new EngineException(
                    "ONNX Runtime's native library cannot be loaded on this machine (" + e.getMessage() + ")", e);
        }
        if (cuda && Engines.ortCudaProblem() != null) {
            throw new EngineUnavailableException("engine ort-cuda: " + Engines.ortCudaProblem());
        }
        OrtSession.SessionOptions opened;
        try {
            opened = sessionOptions(options);
        } catch (OrtException e) {
            // Only the CUDA provider can fail here: its libraries (CUDA, cuDNN) or a GPU are missing.
            throw new EngineUnavailableException("engine ort-cuda: ONNX Runtime's CUDA provider cannot start on this"
                    + " machine (" + firstLine(e.getMessage()) + "); it needs an NVIDIA driver, CUDA 12 and cuDNN 9");
        }
        try (OrtSession.SessionOptions so = opened) {
            OrtSession session = env.createSession(onnx, so);
            if (!session.getInputNames().contains(input)) {
                session.close();
                throw new EngineException(
                        what + ": graph has no input '" + input + "' (inputs: " + session.getInputNames() + ")");
            }
            for (String o : outputs) {
                if (!session.getOutputNames().contains(o)) {
                    session.close();
                    throw new EngineException(
                            what + ": graph has no output '" + o + "' (outputs: " + session.getOutputNames() + ")");
                }
                String problem;
                try {
                    problem = notFloat(session.getOutputInfo().get(o).getInfo());
                } catch (OrtException e) {
                    session.close();
                    throw e;
                }
                if (problem != null) {
                    session.close();
                    throw new EngineException(what + ": output '" + o + "' is " + problem
                            + "; the engine reads float tensors only (float32, float16, bfloat16)");
                }
            }
            String device = cuda ? "cuda:" + options.device() : "cpu";
            int n = options.effectiveThreads();
            String threads = n + (n == 1 ? " thread" : " threads");
            String description = String.format(Locale.ROOT, "onnxruntime %s %s, %s", env.getVersion(), device, threads);
            OrtSession.RunOptions shrinking;
            try {
                shrinking = shrinkingRunOptions();
            } catch (OrtException e) {
                session.close();
                throw e;
            }
            boolean interior = session.getInputNames().contains(InteriorSides.INPUT);
            return new OrtGraphSession(
                    env, session, shrinking, input, interior, new LinkedHashSet<>(outputs), description);
        } catch (OrtException e) {
            throw new EngineException(what + ": ONNX Runtime cannot load the graph: " + e.getMessage(), e);
        }
    }

    /**
     * The session options every graph of this engine gets: full graph optimisation, no memory
     * pattern, the intra-op threads asked for (one per physical core by default), the CUDA provider for {@link EngineKind#ORT_CUDA}. The caller closes them.
     */
    static OrtSession.SessionOptions sessionOptions(EngineOptions options) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // Always explicit: ONNX Runtime's own default (0) counted the cores of a 2-vCPU VM as
            // one and ran the full model 1.7x slower than with two threads asked for.
            so.setIntraOpNumThreads(options.effectiveThreads());
            // A memory pattern is planned and kept per input shape, so tiles of several shapes each
            // left a block behind; without it the full model's station peak at 256x256 was 2% lower
            // at the same speed. The arena stays: without it the same map took 1.7x as long
            // (every tensor freshly mapped and zeroed) and peaked higher.
            so.setMemoryPatternOptimization(false);
            if (options.kind() == EngineKind.ORT_CUDA) {
                so.addCUDA(options.device());
            }
            return so;
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    /**
     * Run options that end a run by shrinking the CPU arena (only the CPU one: the CUDA arena's
     * shrinkage has not been tried on a GPU). The caller closes them.
     */
    private static OrtSession.RunOptions shrinkingRunOptions() throws OrtException {
        OrtSession.RunOptions ro = new OrtSession.RunOptions();
        try {
            ro.addRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
            return ro;
        } catch (OrtException | RuntimeException e) {
            ro.close();
            throw e;
        }
    }

    /** The first line of an error message, for one-line reports. */
    static String firstLine(String s) {
        return s == null ? "no reason given" : s.lines().findFirst().orElse(s).strip();
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public List<Map<String, FloatImage>> runBatch(List<FloatImage> batch, InteriorSides interior)
            throws EngineException {
        if (batch.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
        FloatImage first = batch.get(0);
        // One image (every station call) is wrapped as it is; only a real batch is copied together.
        float[] data = batch.size() == 1 ? first.data() : concatenate(batch);
        long[] shape = {batch.size(), first.channels(), first.height(), first.width()};
        lock.readLock().lock();
        try {
            if (closed) {
                throw new EngineException(
                        "the engine session is closed (its Detector was closed); nothing more can run on it");
            }
            List<Map<String, FloatImage>> out = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                out.add(new LinkedHashMap<>());
            }
            boolean shrink = shrinkage.shrinksAfter((long) batch.size() * first.height() * first.width());
            try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
                    // Only its shape is read: the values stay zero.
                    OnnxTensor sides = interiorInput
                            ? OnnxTensor.createTensor(env, FloatBuffer.allocate(interior.elements()), interior.shape())
                            : null;
                    OrtSession.Result r = shrink
                            ? session.run(inputs(t, sides), outputs, shrinking)
                            : session.run(inputs(t, sides), outputs)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    List<FloatImage> images = toImages(e.getKey(), e.getValue(), batch.size());
                    for (int i = 0; i < images.size(); i++) {
                        out.get(i).put(e.getKey(), images.get(i));
                    }
                }
            }
            return out;
        } catch (OrtException e) {
            throw new EngineException(
                    "ONNX Runtime failed on a batch of " + batch.size() + " " + first.height() + "x" + first.width()
                            + " image(s): " + e.getMessage(),
                    e);
        } finally {
            lock.readLock().unlock();
        }
    }

    private Map<String, OnnxTensor> inputs(OnnxTensor image, OnnxTensor interior) {
        return interior == null ? Map.of(input, image) : Map.of(input, image, InteriorSides.INPUT, interior);
    }

    private static float[] concatenate(List<FloatImage> batch) {
        FloatImage first = batch.get(0);
        int per = first.data().length;
        float[] data = new float[per * batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            FloatImage b = batch.get(i);
            if (b.channels() != first.channels() || b.height() != first.height() || b.width() != first.width()) {
                throw new IllegalArgumentException("batch image " + i + " is " + b.channels() + "x" + b.height() + "x"
                        + b.width() + ", the first " + first.channels() + "x" + first.height() + "x" + first.width());
            }
            System.arraycopy(b.data(), 0, data, i * per, per);
        }
        return data;
    }

    /**
     * Why a graph output cannot be read as floats, or null if it can: float32, and float16 and
     * bfloat16, which ONNX Runtime's Java API widens to float32.
     */
    static String notFloat(ValueInfo info) {
        if (!(info instanceof TensorInfo t)) {
            return "not a tensor (" + info + ")";
        }
        return switch (t.type) {
            case FLOAT, FLOAT16, BFLOAT16 -> null;
            default -> "a tensor of " + t.type;
        };
    }

    private static List<FloatImage> toImages(String name, OnnxValue value, int n) throws EngineException {
        String problem = value instanceof OnnxTensor tensor ? notFloat(tensor.getInfo()) : "not a tensor";
        if (problem != null) {
            throw new EngineException("output " + name + " is " + problem
                    + "; the engine reads float tensors only (float32, float16, bfloat16)");
        }
        OnnxTensor t = (OnnxTensor) value;
        long[] s = t.getInfo().getShape();
        if (s.length != 4 || s[0] != n) {
            throw new EngineException(
                    "output " + name + " has shape " + Arrays.toString(s) + ", expected [" + n + ", C, H, W]");
        }
        FloatBuffer fb = t.getFloatBuffer();
        List<FloatImage> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] data = new float[(int) (s[1] * s[2] * s[3])];
            fb.get(data);
            images.add(new FloatImage((int) s[1], (int) s[2], (int) s[3], data));
        }
        return images;
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                shrinking.close();
                session.close();
            }
        } catch (OrtException e) {
            throw new IllegalStateException("closing an ONNX Runtime session failed: " + e.getMessage(), e);
        } finally {
            lock.writeLock().unlock();
        }
    }
}
