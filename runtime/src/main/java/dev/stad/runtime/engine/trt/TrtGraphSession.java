package dev.stad.runtime.engine.trt;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreate;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;
import static org.bytedeco.tensorrt.global.nvinfer.createInferRuntime;

import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.EngineUnavailableException;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.engine.InputProfile;
import dev.stad.runtime.engine.InteriorSides;
import dev.stad.runtime.image.FloatImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer.DataType;
import org.bytedeco.tensorrt.global.nvinfer.TensorIOMode;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.IRuntime;

/**
 * A graph compiled by TensorRT. Opening finds the engine in the {@link PlanCache} or builds it
 * ({@link TrtBuilder}); running takes a free execution context from a pool (each has its own CUDA
 * stream, device buffers and pinned host buffers sized for the profile's largest input), copies
 * the image in, {@code enqueueV3}, copies the outputs back. Threads beyond the pool's size wait
 * for a context; results do not depend on which context ran them. A read-write lock keeps
 * {@link #close} from taking contexts away under a running call. Closing deletes the session's
 * contexts, streams and buffers, and the engine with the last session that uses it ({@link
 * SharedEngines}); the process keeps only its one TensorRT runtime.
 */
public final class TrtGraphSession implements GraphSession {
    private final TrtLogger logger;
    private final ICudaEngine engine;
    private final int device;
    private final String input;
    /** Whether the engine takes {@link InteriorSides#INPUT}. */
    private final boolean interiorInput;

    private final List<String> outputs;
    private final InputProfile profile;
    private final String description;
    private final int poolSize;
    /** The engine's key in {@link #ENGINES}, released when this session closes. */
    private final String engineKey;
    /**
     * The process's one runtime, never deleted: engines deserialized from a runtime must be
     * deleted before it, and one runtime serves every engine.
     */
    private static IRuntime sharedRuntime;

    /** Engines of open sessions, by plan key and device; the last session to close deletes its engine. */
    private static final SharedEngines<ICudaEngine> ENGINES = new SharedEngines<>(TrtDeletes::delete);

    private final BlockingQueue<Context> idle = new LinkedBlockingQueue<>();
    private final List<Context> all = new ArrayList<>();
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;
    /**
     * Contexts freed after a stream error. A GPU that fails this way is suspect, so a session
     * replaces at most its pool size of them and then runs on the survivors.
     */
    private int discarded;

    private TrtGraphSession(
            TrtLogger logger,
            ICudaEngine engine,
            int device,
            String input,
            boolean interiorInput,
            List<String> outputs,
            InputProfile profile,
            String description,
            int poolSize,
            String engineKey) {
        this.engineKey = engineKey;
        this.logger = logger;
        this.engine = engine;
        this.device = device;
        this.input = input;
        this.interiorInput = interiorInput;
        this.outputs = List.copyOf(outputs);
        this.profile = profile;
        this.description = description;
        this.poolSize = poolSize;
    }

    /**
     * Loads (or builds and caches) the engine for {@code onnx} on the GPU {@code options.device()}.
     *
     * @param what names the graph in messages
     * @throws EngineUnavailableException when this machine has no usable GPU or TensorRT
     */
    public static TrtGraphSession open(
            byte[] onnx, String what, String input, List<String> outputs, InputProfile profile, EngineOptions options)
            throws EngineException {
        TrtAvailability.Status status = TrtAvailability.status();
        if (!status.available()) {
            throw new EngineUnavailableException("engine trt: " + status.problem());
        }
        if (profile == null) {
            // A caller's mistake, not an engine failure: never a reason for auto to fall back.
            throw new IllegalArgumentException(
                    what + ": TensorRT needs the input shapes the graph will see (an InputProfile)");
        }
        TrtOptions trt = options.trt();
        TrtDeletes.require();
        Cuda.check(cudaSetDevice(options.device()), "cudaSetDevice(" + options.device() + ")");
        String gpu;
        String capability;
        try (cudaDeviceProp props = new cudaDeviceProp()) {
            Cuda.check(cudaGetDeviceProperties(props, options.device()), "cudaGetDeviceProperties");
            gpu = props.name().getString().strip();
            capability = props.major() + "." + props.minor();
        }
        PlanCache cache = new PlanCache(trt.cacheDirOrDefault());
        PlanCache.Key key =
                PlanCache.Key.of(gpu, capability, status.tensorRt(), status.cuda(), onnx, profile.describe(), trt);
        String precision = key.precision();
        TrtLogger logger = TrtLogger.SHARED.reportingTo(trt.progress());
        logger.drainErrors();
        String shared = key.digest() + "@cuda:" + options.device();
        PlanCache.Builder build = timing -> TrtBuilder.build(onnx, what, input, profile, trt, timing, logger);
        ICudaEngine engine = ENGINES.acquire(shared, () -> load(key, cache, build, trt, what, logger), loaded -> {
            if (!loaded) {
                trt.progress().line("TensorRT: engine already loaded in this process");
            }
        });
        boolean opened = false;
        try {
            requireTensor(engine, what, input, TensorIOMode.kINPUT);
            for (String o : outputs) {
                requireTensor(engine, what, o, TensorIOMode.kOUTPUT);
            }
            boolean interior = tensorNames(engine).contains(InteriorSides.INPUT);
            if (interior) {
                requireTensor(engine, what, InteriorSides.INPUT, TensorIOMode.kINPUT);
            }
            String description = String.format(
                    Locale.ROOT,
                    "tensorrt %s %s, %s on cuda:%d %s (compute %s), %d contexts",
                    status.tensorRt(),
                    precision,
                    status.cuda(),
                    options.device(),
                    gpu,
                    capability,
                    trt.contexts());
            TrtGraphSession session = new TrtGraphSession(
                    logger,
                    engine,
                    options.device(),
                    input,
                    interior,
                    outputs,
                    profile,
                    description,
                    trt.contexts(),
                    shared);
            opened = true;
            return session;
        } finally {
            if (!opened) {
                ENGINES.release(shared);
            }
        }
    }

    /** The process's one runtime. */
    private static synchronized IRuntime runtime(TrtLogger logger) throws EngineException {
        if (sharedRuntime == null) {
            IRuntime r = createInferRuntime(logger);
            if (r == null || r.isNull()) {
                throw new EngineException("TensorRT createInferRuntime failed: " + logger.drainErrors());
            }
            sharedRuntime = r;
        }
        return sharedRuntime;
    }

    /** The engine for {@code key}: from the plan cache, or built; a cached plan that does not load is rebuilt. */
    private static ICudaEngine load(
            PlanCache.Key key, PlanCache cache, PlanCache.Builder build, TrtOptions trt, String what, TrtLogger logger)
            throws EngineException {
        PlanCache.Result plan = cache.loadOrBuild(key, build, trt.progress());
        IRuntime runtime = runtime(logger);
        ICudaEngine engine = deserialize(runtime, plan.plan());
        if (engine == null && !plan.built()) {
            // Same key, but this TensorRT cannot read the file (e.g. a patch release changed the format).
            trt.progress()
                    .line("TensorRT: the cached engine " + plan.file() + " does not load (" + logger.drainErrors()
                            + "); building it again");
            try {
                cache.invalidate(key);
            } catch (IOException e) {
                trt.progress().line("TensorRT engine cache: cannot remove " + plan.file() + ": " + e.getMessage());
            }
            plan = cache.loadOrBuild(key, build, trt.progress());
            engine = deserialize(runtime, plan.plan());
        }
        if (engine == null) {
            throw new EngineException(what + ": TensorRT cannot load the engine it built: " + logger.drainErrors());
        }
        try {
            trt.progress()
                    .line((plan.built() ? "TensorRT: engine cached at " : "TensorRT: engine loaded from cache ")
                            + plan.file());
        } catch (RuntimeException | Error e) {
            TrtDeletes.delete(engine); // not yet handed to anyone
            throw e;
        }
        return engine;
    }

    private static ICudaEngine deserialize(IRuntime runtime, byte[] plan) {
        try (BytePointer bytes = new BytePointer(plan)) {
            ICudaEngine e = runtime.deserializeCudaEngine(bytes, plan.length);
            return e == null || e.isNull() ? null : e;
        }
    }

    /** The names of the engine's inputs and outputs. */
    private static List<String> tensorNames(ICudaEngine engine) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < engine.getNbIOTensors(); i++) {
            names.add(engine.getIOTensorName(i));
        }
        return names;
    }

    private static void requireTensor(ICudaEngine engine, String what, String name, TensorIOMode mode)
            throws EngineException {
        List<String> names = tensorNames(engine);
        if (!names.contains(name) || engine.getTensorIOMode(name).value != mode.value) {
            throw new EngineException(what + ": the engine has no " + (mode == TensorIOMode.kINPUT ? "input" : "output")
                    + " '" + name + "' (tensors: " + names + ")");
        }
        if (engine.getTensorDataType(name).value != DataType.kFLOAT.value) {
            throw new EngineException(
                    what + ": tensor '" + name + "' is " + engine.getTensorDataType(name) + ", expected float");
        }
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
        for (FloatImage b : batch) {
            if (b.channels() != first.channels() || b.height() != first.height() || b.width() != first.width()) {
                throw new IllegalArgumentException("batch images differ in shape: " + b + " and " + first);
            }
        }
        if (!profile.admits(batch.size(), first.channels(), first.height(), first.width())) {
            throw new EngineException("TensorRT engine was built for inputs " + profile.describe() + ", not a batch of "
                    + batch.size() + " " + first.channels() + "x" + first.height() + "x" + first.width());
        }
        lock.readLock().lock();
        try {
            if (closed) {
                throw new EngineException(
                        "the engine session is closed (its Detector was closed); nothing more can run on it");
            }
            Context c = borrow();
            boolean healthy = true;
            try {
                return c.run(batch, interior);
            } catch (EngineException | RuntimeException e) {
                // Work may still be queued on its stream: let it finish before the next user. A
                // stream that reports an error holds a context in an unknown state: it is freed,
                // and the pool makes a new one when it needs it.
                int status = cudaStreamSynchronize(c.stream);
                if (status != 0) {
                    healthy = false;
                    e.addSuppressed(new EngineException("the CUDA stream reported error " + status
                            + " after this failure; its context is discarded"));
                }
                throw e;
            } finally {
                if (healthy) {
                    idle.add(c);
                } else {
                    discard(c);
                }
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Frees a context that must not run again; the pool may create another in its place. */
    private void discard(Context c) {
        synchronized (all) {
            all.remove(c);
            discarded++;
        }
        c.free();
    }

    /**
     * A free context, a new one while the pool is below its size, else waits for one (checking
     * again now and then: a discarded context leaves room for a new one).
     */
    private Context borrow() throws EngineException {
        while (true) {
            Context c = idle.poll();
            if (c != null) {
                return c;
            }
            synchronized (all) {
                if (discarded >= poolSize && all.isEmpty()) {
                    throw new EngineException("TensorRT: " + discarded + " execution contexts of " + description
                            + " failed on the GPU; its state is unknown, restart the process");
                }
                // After poolSize discards no context is made any more: the survivors serve.
                if (all.size() < poolSize && discarded < poolSize) {
                    Context made = new Context();
                    all.add(made);
                    return made;
                }
            }
            try {
                c = idle.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EngineException("interrupted while waiting for a TensorRT execution context");
            }
            if (c != null) {
                return c;
            }
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            cudaSetDevice(device);
            RuntimeException failed = null;
            synchronized (all) {
                // No call runs (the write lock): each context is idle; its work is waited for
                // before its memory goes.
                for (Context c : all) {
                    try {
                        cudaStreamSynchronize(c.stream);
                        c.free();
                    } catch (RuntimeException e) {
                        failed = e;
                    }
                }
                all.clear();
                idle.clear();
            }
            if (failed != null) {
                // A context may still exist: its engine must outlive it, so the engine stays.
                throw new IllegalStateException(
                        "TensorRT: an execution context of " + description + " could not be freed; its engine is kept",
                        failed);
            }
            // Contexts first: an engine must outlive the contexts made from it.
            ENGINES.release(engineKey);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** One execution context with its stream and buffers, used by one thread at a time. */
    private final class Context {
        private final IExecutionContext context;
        private final CUstream_st stream = new CUstream_st();
        private final Map<String, Pointer> deviceBuffers = new LinkedHashMap<>();
        private final Map<String, Pointer> hostBuffers = new LinkedHashMap<>();
        private final Map<String, Long> capacities = new LinkedHashMap<>();

        Context() throws EngineException {
            Cuda.check(cudaSetDevice(device), "cudaSetDevice(" + device + ")");
            context = engine.createExecutionContext();
            if (context == null || context.isNull()) {
                throw new EngineException("TensorRT createExecutionContext failed: " + logger.drainErrors());
            }
            try {
                Cuda.check(cudaStreamCreate(stream), "cudaStreamCreate");
                long inputFloats =
                        (long) profile.maxBatch() * profile.channels() * profile.maxHeight() * profile.maxWidth();
                allocate(input, inputFloats);
                if (interiorInput) {
                    // Only its shape is read (TensorRT would take a null address); a small buffer
                    // is bound all the same. No side inside: every scale computes all of the cut,
                    // so outputs inside the networks are their largest.
                    allocate(InteriorSides.INPUT, InteriorSides.ALL.elements());
                    setInteriorShape(InteriorSides.NONE.shape());
                }
                // Largest output: set the largest input shape and ask the context what it yields.
                try (Dims64 max = TrtBuilder.dims(
                        profile.maxBatch(), profile.channels(), profile.maxHeight(), profile.maxWidth())) {
                    if (!context.setInputShape(input, max)) {
                        throw new EngineException(
                                "TensorRT rejected input shape " + profile.describe() + ": " + logger.drainErrors());
                    }
                }
                for (String o : outputs) {
                    allocate(o, elements(context.getTensorShape(o), o));
                }
            } catch (EngineException | RuntimeException e) {
                free();
                throw e;
            }
        }

        private void allocate(String name, long floats) throws EngineException {
            long bytes = floats * Float.BYTES;
            Pointer d = new Pointer();
            Cuda.check(cudaMalloc(d, bytes), "cudaMalloc(" + bytes + " bytes for " + name + ")");
            deviceBuffers.put(name, d);
            Pointer h = new Pointer();
            Cuda.check(cudaMallocHost(h, bytes), "cudaMallocHost(" + bytes + " bytes for " + name + ")");
            hostBuffers.put(name, h);
            capacities.put(name, floats);
            if (!context.setTensorAddress(name, d)) {
                throw new EngineException("TensorRT setTensorAddress(" + name + ") failed: " + logger.drainErrors());
            }
        }

        private void setInteriorShape(long[] shape) throws EngineException {
            try (Dims64 d = TrtBuilder.dims(shape)) {
                if (!context.setInputShape(InteriorSides.INPUT, d)) {
                    throw new EngineException("TensorRT rejected the shape " + java.util.Arrays.toString(shape)
                            + " of input '" + InteriorSides.INPUT + "': " + logger.drainErrors());
                }
            }
        }

        List<Map<String, FloatImage>> run(List<FloatImage> batch, InteriorSides interior) throws EngineException {
            Cuda.check(cudaSetDevice(device), "cudaSetDevice(" + device + ")");
            if (interiorInput) {
                setInteriorShape(interior.shape());
            }
            FloatImage first = batch.get(0);
            int per = first.data().length;
            FloatPointer in = new FloatPointer(hostBuffers.get(input)).capacity(capacities.get(input));
            for (int i = 0; i < batch.size(); i++) {
                in.position((long) i * per).put(batch.get(i).data(), 0, per);
            }
            in.position(0);
            try (Dims64 shape = TrtBuilder.dims(batch.size(), first.channels(), first.height(), first.width())) {
                if (!context.setInputShape(input, shape)) {
                    throw new EngineException("TensorRT rejected input shape " + batch.size() + "x" + first.channels()
                            + "x" + first.height() + "x" + first.width() + ": " + logger.drainErrors());
                }
            }
            long inBytes = (long) batch.size() * per * Float.BYTES;
            Cuda.check(
                    cudaMemcpyAsync(
                            deviceBuffers.get(input), hostBuffers.get(input), inBytes, cudaMemcpyHostToDevice, stream),
                    "copying the input to the GPU");
            if (!context.enqueueV3(stream)) {
                throw new EngineException("TensorRT enqueueV3 failed: " + logger.drainErrors());
            }
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (String o : outputs) {
                Dims64 s = context.getTensorShape(o);
                long n = elements(s, o);
                if (n > capacities.get(o) || s.nbDims() != 4 || s.d(0) != batch.size()) {
                    throw new EngineException("TensorRT output " + o + " has " + n + " values in " + s.nbDims()
                            + " dimensions, more than its buffer or not [" + batch.size() + ", C, H, W]");
                }
                shapes.put(o, new long[] {s.d(0), s.d(1), s.d(2), s.d(3)});
                Cuda.check(
                        cudaMemcpyAsync(
                                hostBuffers.get(o),
                                deviceBuffers.get(o),
                                n * Float.BYTES,
                                cudaMemcpyDeviceToHost,
                                stream),
                        "copying " + o + " from the GPU");
            }
            Cuda.check(cudaStreamSynchronize(stream), "running the TensorRT engine");
            List<Map<String, FloatImage>> out = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                out.add(new LinkedHashMap<>());
            }
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                long[] s = e.getValue();
                int c = (int) s[1];
                int h = (int) s[2];
                int w = (int) s[3];
                int each = c * h * w;
                FloatPointer host = new FloatPointer(hostBuffers.get(e.getKey())).capacity(capacities.get(e.getKey()));
                for (int i = 0; i < batch.size(); i++) {
                    float[] data = new float[each];
                    host.position((long) i * each).get(data);
                    out.get(i).put(e.getKey(), new FloatImage(c, h, w, data));
                }
            }
            return out;
        }

        private long elements(Dims64 s, String name) throws EngineException {
            long n = 1;
            for (int i = 0; i < s.nbDims(); i++) {
                if (s.d(i) < 0) {
                    throw new EngineException(
                            "TensorRT cannot tell the shape of " + name + " (dimension " + i + " is " + s.d(i) + ")");
                }
                n *= s.d(i);
            }
            return n;
        }

        void free() {
            for (Pointer d : deviceBuffers.values()) {
                cudaFree(d);
            }
            for (Pointer h : hostBuffers.values()) {
                cudaFreeHost(h);
            }
            deviceBuffers.clear();
            hostBuffers.clear();
            if (!stream.isNull()) {
                cudaStreamDestroy(stream);
                stream.setNull();
            }
            TrtDeletes.delete(context);
        }
    }
}
