package dev.stad.runtime.engine;

import dev.stad.runtime.image.FloatImage;
import java.util.List;
import java.util.Map;

/**
 * One ONNX graph with a single image input (and, for detectors, {@link InteriorSides}), compiled
 * for an engine and ready to run. Runs may come from many threads at once. Holds native memory
 * until closed.
 */
public interface GraphSession extends AutoCloseable {

    /** The engine in words, for logs and reports (e.g. {@code onnxruntime 1.24.1 cpu, 2 threads}). */
    String description();

    /**
     * Runs the graph on one image {@code [1, C, H, W]}; returns each requested output without its
     * batch axis. Safe to call concurrently.
     */
    default Map<String, FloatImage> run(FloatImage input) throws EngineException {
        return runBatch(List.of(input), InteriorSides.NONE).get(0);
    }

    /**
     * Runs the graph on one cut {@code [1, C, H, W]} of a larger image whose {@code interior}
     * sides lie inside it: a graph with the {@link InteriorSides#INPUT} input is given them, any
     * other ignores them. Safe to call concurrently.
     */
    default Map<String, FloatImage> run(FloatImage input, InteriorSides interior) throws EngineException {
        return runBatch(List.of(input), interior).get(0);
    }

    /**
     * Runs the graph once on a batch {@code [N, C, H, W]} of images of one size; returns, per
     * image and in order, each requested output without its batch axis. Safe to call concurrently.
     */
    default List<Map<String, FloatImage>> runBatch(List<FloatImage> batch) throws EngineException {
        return runBatch(batch, InteriorSides.NONE);
    }

    /**
     * {@link #runBatch(List)} with the {@link InteriorSides} of the batch's cuts (one for all),
     * given to a graph with that input and ignored by any other. Safe to call concurrently.
     */
    List<Map<String, FloatImage>> runBatch(List<FloatImage> batch, InteriorSides interior) throws EngineException;

    @Override
    void close();
}
