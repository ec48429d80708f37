package dev.stad.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * The one way the trainer reaches DJL: the PyTorch engine from the bundled CPU native jar, with
 * {@code ai.djl.offline=true} set before the engine first loads, so nothing is ever downloaded.
 */
public final class Djl {
    private Djl() {}

    /** The PyTorch engine, offline. */
    public static Engine engine() {
        System.setProperty("ai.djl.offline", "true");
        return Engine.getEngine("PyTorch");
    }

    /** A new base manager on {@link #engine()}; close it to free its native memory. */
    public static NDManager newManager() {
        return engine().newBaseManager();
    }
}
