package dev.stad.runtime.engine.trt;

import dev.stad.runtime.engine.EngineException;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.ITimingCache;
import org.bytedeco.tensorrt.nvonnxparser.IParser;

/**
 * {@code delete} for each TensorRT class this engine creates and frees (see {@link
 * NativeDelete}); null or already deleted objects are left alone.
 */
final class TrtDeletes {
    private TrtDeletes() {}

    /** Created on first use, which comes after TensorRT's libraries were found to load. */
    private static final class Of {
        static final NativeDelete<IBuilder> BUILDER = new NativeDelete<>(IBuilder::new);
        static final NativeDelete<INetworkDefinition> NETWORK = new NativeDelete<>(INetworkDefinition::new);
        static final NativeDelete<IBuilderConfig> CONFIG = new NativeDelete<>(IBuilderConfig::new);
        static final NativeDelete<ITimingCache> TIMING_CACHE = new NativeDelete<>(ITimingCache::new);
        static final NativeDelete<IHostMemory> HOST_MEMORY = new NativeDelete<>(IHostMemory::new);
        static final NativeDelete<ICudaEngine> ENGINE = new NativeDelete<>(ICudaEngine::new);
        static final NativeDelete<IExecutionContext> CONTEXT = new NativeDelete<>(IExecutionContext::new);
        /**
         * {@code IParser} is abstract in the presets, so JavaCPP generated no deallocator to borrow;
         * it is deleted through its vtable. Its header (NvOnnxParser.h, TensorRT 10) declares the
         * destructor after eight methods (parse, parseFromFile, supportsModel,
         * parseWithWeightDescriptors, supportsOperator, getNbErrors, getError, clearErrors), so
         * slots 8 and 9 hold the complete-object and deleting destructors. Checked in the shipped
         * {@code libjninvonnxparser.so} (10.15): its wrappers call the other methods at slots 0-7
         * and 10-24, never 8 or 9. That library links {@code libnvonnxparser.so.10} by name, so
         * only TensorRT 10 parsers, whose interface may only grow at the end, reach this. The
         * slots are the Itanium C++ ABI's (Linux); elsewhere the parser is left allocated.
         */
        static final NativeDelete<IParser> PARSER =
                Loader.getPlatform().startsWith("linux") ? NativeDelete.throughVtable("IParser", 9) : null;
    }

    /**
     * Makes every deletion ready before TensorRT creates anything, so a JavaCPP that does not
     * allow it stops the engine with one line (and {@code auto} falls back) instead of leaking.
     */
    static void require() throws EngineException {
        try {
            Of.BUILDER.toString();
        } catch (ExceptionInInitializerError e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new EngineException("TensorRT: its objects cannot be freed from Java here: " + cause.getMessage());
        } catch (NoClassDefFoundError e) {
            throw new EngineException("TensorRT: its objects cannot be freed from Java here (" + e.getMessage() + ")");
        }
    }

    static void delete(IBuilder p) {
        Of.BUILDER.delete(p);
    }

    static void delete(INetworkDefinition p) {
        Of.NETWORK.delete(p);
    }

    static void delete(IBuilderConfig p) {
        Of.CONFIG.delete(p);
    }

    static void delete(ITimingCache p) {
        Of.TIMING_CACHE.delete(p);
    }

    static void delete(IHostMemory p) {
        Of.HOST_MEMORY.delete(p);
    }

    static void delete(ICudaEngine p) {
        Of.ENGINE.delete(p);
    }

    static void delete(IExecutionContext p) {
        Of.CONTEXT.delete(p);
    }

    /** Leaves the parser allocated off Linux (see {@link Of#PARSER}). */
    static void delete(IParser p) {
        if (Of.PARSER != null) {
            Of.PARSER.delete(p);
        }
    }
}
