package dev.stad.runtime.engine.trt;

import dev.stad.runtime.engine.EngineException;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;

/** CUDA runtime status codes as exceptions with the runtime's own words. */
final class Cuda {
    private Cuda() {}

    /** Throws unless {@code code} is {@code cudaSuccess}. */
    static void check(int code, String what) throws EngineException {
        if (code != 0) {
            throw new EngineException(what + " failed: " + errorText(code));
        }
    }

    /** {@code cudaErrorNoDevice: no CUDA-capable device is detected} for code 100. */
    static String errorText(int code) {
        BytePointer name = cudart.cudaGetErrorName(code);
        BytePointer text = cudart.cudaGetErrorString(code);
        return (name != null ? name.getString() : "CUDA error " + code) + ": "
                + (text != null ? text.getString() : "unknown");
    }
}
