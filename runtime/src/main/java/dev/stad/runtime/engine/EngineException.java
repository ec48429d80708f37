package dev.stad.runtime.engine;

/** An engine could not be created, or a graph failed to build or run on it. */
public class EngineException extends Exception {
    private static final long serialVersionUID = 1L;

    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
