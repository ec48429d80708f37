package dev.stad.runtime.engine.trt;

import static org.bytedeco.tensorrt.global.nvinfer.createInferBuilder;
import static org.bytedeco.tensorrt.global.nvonnxparser.createParser;

import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.engine.InputProfile;
import dev.stad.runtime.engine.InteriorSides;
import dev.stad.runtime.progress.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer.BuilderFlag;
import org.bytedeco.tensorrt.global.nvinfer.DataType;
import org.bytedeco.tensorrt.global.nvinfer.ElementWiseOperation;
import org.bytedeco.tensorrt.global.nvinfer.LayerType;
import org.bytedeco.tensorrt.global.nvinfer.MemoryPoolType;
import org.bytedeco.tensorrt.global.nvinfer.OptProfileSelector;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IElementWiseLayer;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.ILayer;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvinfer.ITensor;
import org.bytedeco.tensorrt.nvinfer.ITimingCache;
import org.bytedeco.tensorrt.nvonnxparser.IParser;
import org.bytedeco.tensorrt.nvonnxparser.IParserError;

/**
 * Compiles an ONNX graph into a serialized TensorRT engine: ONNX parser, one optimisation profile
 * for the station's input range, workspace limit, optimisation level, fp16 where asked, int8
 * where the graph carries its own quantization (QuantizeLinear/DequantizeLinear), and the timing
 * cache of earlier builds. The JavaCPP presets of TensorRT 10.15 cannot implement
 * {@code IProgressMonitor} from Java, so a build reports its stages, and every 30 seconds that it
 * is still running.
 */
final class TrtBuilder {
    private static final long HEARTBEAT_SECONDS = 30;

    private TrtBuilder() {}

    static PlanCache.Built build(
            byte[] onnx,
            String what,
            String input,
            InputProfile profile,
            TrtOptions options,
            byte[] timingCache,
            TrtLogger logger)
            throws EngineException {
        Progress progress = options.progress();
        long t0 = System.nanoTime();
        IBuilder builder = null;
        INetworkDefinition network = null;
        IParser parser = null;
        IBuilderConfig config = null;
        ITimingCache timing = null;
        IHostMemory plan = null;
        IHostMemory timingOut = null;
        BytePointer onnxBytes = null;
        BytePointer timingBytes = null;
        // TrtGraphSession.open, the only caller, has made sure TrtDeletes can free what this makes.
        try {
            builder = require(createInferBuilder(logger), "createInferBuilder", logger);
            network = require(builder.createNetworkV2(0), "createNetworkV2", logger);
            parser = require(createParser(network, logger), "createParser", logger);
            progress.line(String.format(Locale.ROOT, "TensorRT: parsing %s (%.1f MB)", what, onnx.length / 1e6));
            onnxBytes = new BytePointer(onnx);
            if (!parser.parse(onnxBytes, onnx.length)) {
                throw new EngineException(
                        what + ": TensorRT's ONNX parser rejected the graph: " + parserErrors(parser));
            }
            boolean quantized = hasLayer(network, LayerType.kQUANTIZE);
            config = require(builder.createBuilderConfig(), "createBuilderConfig", logger);
            config.setMemoryPoolLimit(MemoryPoolType.kWORKSPACE, options.workspaceMb() << 20);
            config.setBuilderOptimizationLevel(options.optimizationLevel());
            if (quantized) {
                // Explicit quantization: the graph's own Q/DQ scales, no calibrator.
                config.setFlag(BuilderFlag.kINT8);
            }
            if (options.precision() == Precision.FP16) {
                if (!builder.platformHasFastFp16()) {
                    progress.line("TensorRT: this GPU has no fast fp16; fp16 is asked for but may not be faster");
                }
                config.setFlag(BuilderFlag.kFP16);
                // OBEY, not PREFER: a preference lets TensorRT run a pinned layer in fp16 anyway, and the
                // pins exist because the scoring overflows or cancels there.
                config.setFlag(BuilderFlag.kOBEY_PRECISION_CONSTRAINTS);
                // TF32 (on by default) would run the pinned convolutions with fp16's 10-bit mantissa.
                config.clearFlag(BuilderFlag.kTF32);
                Pins pins = keepScoringInFp32(network);
                progress.line("TensorRT: fp16 networks, " + pins.layers() + " scoring layers kept in fp32");
                if (pins.named() == 0) {
                    progress.line("TensorRT: this bundle's scoring tail has no "
                            + BundleManifest.DetectorGraph.FP32_NODE_PREFIX
                            + " node names (exported by an earlier version): its convolutions and maxima may run in"
                            + " fp16; export it again to keep all of it in fp32");
                }
            }
            IOptimizationProfile p = require(builder.createOptimizationProfile(), "createOptimizationProfile", logger);
            try (Dims64 min = dims(1, profile.channels(), profile.minHeight(), profile.minWidth());
                    Dims64 opt = dims(1, profile.channels(), profile.optHeight(), profile.optWidth());
                    Dims64 max =
                            dims(profile.maxBatch(), profile.channels(), profile.maxHeight(), profile.maxWidth())) {
                if (!p.setDimensions(input, OptProfileSelector.kMIN, min)
                        || !p.setDimensions(input, OptProfileSelector.kOPT, opt)
                        || !p.setDimensions(input, OptProfileSelector.kMAX, max)) {
                    throw new EngineException(what + ": TensorRT refused the input profile " + profile.describe()
                            + " for input '" + input + "': " + logger.drainErrors());
                }
            }
            if (hasInput(network, InteriorSides.INPUT)) {
                // A detector's sides input: only its shape is read, between no side inside and all four.
                try (Dims64 none = dims(InteriorSides.NONE.shape());
                        Dims64 all = dims(InteriorSides.ALL.shape())) {
                    if (!p.setDimensions(InteriorSides.INPUT, OptProfileSelector.kMIN, none)
                            || !p.setDimensions(InteriorSides.INPUT, OptProfileSelector.kOPT, all)
                            || !p.setDimensions(InteriorSides.INPUT, OptProfileSelector.kMAX, all)) {
                        throw new EngineException(what + ": TensorRT refused the profile of input '"
                                + InteriorSides.INPUT + "': " + logger.drainErrors());
                    }
                }
            }
            if (config.addOptimizationProfile(p) < 0) {
                throw new EngineException(what + ": TensorRT refused the input profile " + profile.describe() + ": "
                        + logger.drainErrors());
            }
            if (timingCache != null) {
                timingBytes = new BytePointer(timingCache);
            }
            timing = config.createTimingCache(timingBytes, timingCache != null ? timingCache.length : 0);
            if (timing == null || !config.setTimingCache(timing, false)) {
                progress.line("TensorRT: the stored timing cache was not accepted; timing from scratch");
            }
            progress.line(String.format(
                    Locale.ROOT,
                    "TensorRT: building the engine (%s, input %s, optimisation level %d, workspace %d MB);"
                            + " the first build on a GPU takes minutes",
                    PlanCache.precision(quantized, options.precision()),
                    profile.describe(),
                    options.optimizationLevel(),
                    options.workspaceMb()));
            ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tensorrt-build-progress");
                t.setDaemon(true);
                return t;
            });
            heartbeat.scheduleAtFixedRate(
                    () -> progress.line(String.format(
                            Locale.ROOT, "TensorRT: still building, %.0f s", (System.nanoTime() - t0) / 1e9)),
                    HEARTBEAT_SECONDS,
                    HEARTBEAT_SECONDS,
                    TimeUnit.SECONDS);
            try {
                plan = builder.buildSerializedNetwork(network, config);
            } finally {
                heartbeat.shutdownNow();
            }
            if (plan == null || plan.isNull() || plan.size() == 0) {
                throw new EngineException(what + ": TensorRT could not build an engine: " + logger.drainErrors());
            }
            byte[] planBytes = bytes(plan.data(), plan.size());
            byte[] timingBytesOut = null;
            ITimingCache used = config.getTimingCache();
            if (used != null && !used.isNull()) {
                timingOut = used.serialize();
                if (timingOut != null && !timingOut.isNull()) {
                    timingBytesOut = bytes(timingOut.data(), timingOut.size());
                }
            }
            progress.line(String.format(
                    Locale.ROOT,
                    "TensorRT: engine built in %.1f s (%.1f MB)",
                    (System.nanoTime() - t0) / 1e9,
                    planBytes.length / 1e6));
            return new PlanCache.Built(planBytes, timingBytesOut);
        } finally {
            // TensorRT's objects deleted for real (TrtDeletes), each before what it was given or
            // came from, the builder last; the parser, holding the graph's weights it copied,
            // before the network it filled.
            TrtDeletes.delete(timingOut);
            TrtDeletes.delete(plan);
            try {
                TrtDeletes.delete(parser);
            } catch (IllegalStateException e) {
                // Only a parser object with no vtable gets here; what else was made is still freed.
                progress.line("TensorRT: the ONNX parser was not freed: " + e.getMessage());
            }
            TrtDeletes.delete(config); // before the timing cache it was given
            TrtDeletes.delete(timing);
            TrtDeletes.delete(network);
            TrtDeletes.delete(builder);
            for (Pointer q : new Pointer[] {onnxBytes, timingBytes}) {
                if (q != null) {
                    q.close(); // allocated by JavaCPP, which frees them
                }
            }
        }
    }

    /**
     * What {@link #keepScoringInFp32} pinned: every layer, and those found by the scoring tail's
     * name that are not convolutions (a graph whose tail is named has many; one exported while
     * only the tail's convolutions were named has none, and its maxima and slices are not pinned).
     */
    record Pins(int layers, int named) {}

    /**
     * Pins the scoring tail to fp32: every layer whose ONNX node the exporter named with {@link
     * BundleManifest.DetectorGraph#FP32_NODE_PREFIX} (everything after the networks: e, v and the
     * calm term with its whitening convolution, the combination of scales, the smoothing, the
     * outer band), and for bundles exported before those names every reduction, unary function
     * and element-wise layer but a maximum (the networks' dense pools are maxima). In half
     * precision the sum of 128 squared descriptor differences passes 65504 on a strong anomaly,
     * and the standardisation subtracts nearly equal numbers; the networks' own layers
     * (convolutions, activations, max pools) are safe in fp16. Layers on integer or boolean data
     * (shape arithmetic) are left alone.
     */
    static Pins keepScoringInFp32(INetworkDefinition network) {
        int kept = 0;
        int named = 0;
        for (int i = 0; i < network.getNbLayers(); i++) {
            ILayer layer = network.getLayer(i);
            int type = layer.getType().value;
            // The parser names each layer after its ONNX node (a suffix added where a name repeats).
            String name = layer.getName();
            boolean byName = name != null && name.startsWith(BundleManifest.DetectorGraph.FP32_NODE_PREFIX);
            boolean scoring = (byName && type != LayerType.kCONSTANT.value)
                    || type == LayerType.kREDUCE.value
                    || type == LayerType.kUNARY.value;
            if (!scoring && type == LayerType.kELEMENTWISE.value) {
                int op = new IElementWiseLayer(layer).getOperation().value;
                scoring = op != ElementWiseOperation.kMAX.value;
            }
            // Only layers on float data: with dynamic sizes the parser adds integer and boolean
            // shape arithmetic, which must keep its own types.
            for (int o = 0; o < layer.getNbOutputs() && scoring; o++) {
                ITensor t = layer.getOutput(o);
                scoring = t.isExecutionTensor()
                        && !t.isShapeTensor()
                        && (t.getType().value == DataType.kFLOAT.value || t.getType().value == DataType.kHALF.value);
            }
            if (scoring) {
                layer.setPrecision(DataType.kFLOAT);
                for (int o = 0; o < layer.getNbOutputs(); o++) {
                    layer.setOutputType(o, DataType.kFLOAT);
                }
                kept++;
                if (byName && type != LayerType.kCONVOLUTION.value) {
                    named++;
                }
            }
        }
        return new Pins(kept, named);
    }

    /** Whether the parsed network has an input named {@code name}. */
    static boolean hasInput(INetworkDefinition network, String name) {
        for (int i = 0; i < network.getNbInputs(); i++) {
            ITensor t = network.getInput(i);
            if (t != null && name.equals(t.getName())) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasLayer(INetworkDefinition network, LayerType type) {
        for (int i = 0; i < network.getNbLayers(); i++) {
            if (network.getLayer(i).getType().value == type.value) {
                return true;
            }
        }
        return false;
    }

    /** One line per parser error, with the node it concerns. */
    private static String parserErrors(IParser parser) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < parser.getNbErrors(); i++) {
            IParserError e = parser.getError(i);
            String node = e.nodeName() != null && !e.nodeName().isEmpty() ? e.nodeName() : "#" + e.node();
            out.add("node " + node
                    + (e.nodeOperator() != null && !e.nodeOperator().isEmpty() ? " (" + e.nodeOperator() + ")" : "")
                    + ": " + e.desc());
        }
        return out.isEmpty() ? "no reason given" : String.join("; ", out);
    }

    static Dims64 dims(long... d) {
        Dims64 dims = new Dims64();
        dims.nbDims(d.length);
        for (int i = 0; i < d.length; i++) {
            dims.d(i, d[i]);
        }
        return dims;
    }

    static byte[] bytes(Pointer data, long size) throws EngineException {
        if (size > Integer.MAX_VALUE - 64) {
            throw new EngineException("TensorRT returned " + size + " bytes, more than a Java array holds");
        }
        byte[] out = new byte[(int) size];
        new BytePointer(data).capacity(size).get(out);
        return out;
    }

    private static <T extends Pointer> T require(T p, String call, TrtLogger logger) throws EngineException {
        if (p == null || p.isNull()) {
            throw new EngineException("TensorRT " + call + " failed: " + logger.drainErrors());
        }
        return p;
    }
}
