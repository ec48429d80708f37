package dev.stad.runtime.engine;

/**
 * The engine asked for cannot run on this machine at all (no GPU driver, no TensorRT, a build
 * without the CUDA provider), as opposed to a graph that fails on a working engine. The message
 * is one line: what is missing and how to get it. The command line exits with code 2 on it.
 */
public final class EngineUnavailableException extends EngineException {
    private static final long serialVersionUID = 1L;

    public EngineUnavailableException(String message) {
        super(message);
    }
}
