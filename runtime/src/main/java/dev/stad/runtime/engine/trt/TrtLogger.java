package dev.stad.runtime.engine.trt;

import dev.stad.runtime.progress.Progress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.bytedeco.tensorrt.nvinfer.ILogger;

/**
 * TensorRT's log: errors are kept (the last few become part of an exception's message when a
 * build or a load fails), warnings go to the progress lines, the rest is dropped. TensorRT calls
 * it from its own threads; the object must stay reachable as long as TensorRT holds it.
 */
final class TrtLogger extends ILogger {
    private static final int KEPT = 8;

    private final Progress progress;
    private final Deque<String> errors = new ArrayDeque<>();

    TrtLogger(Progress progress) {
        this.progress = progress;
    }

    @Override
    public void log(Severity severity, String message) {
        Severity s = severity.intern();
        if (s == Severity.kERROR || s == Severity.kINTERNAL_ERROR) {
            synchronized (errors) {
                if (errors.size() == KEPT) {
                    errors.removeFirst();
                }
                errors.addLast(message.strip());
            }
        } else if (s == Severity.kWARNING) {
            progress.line("TensorRT warning: " + message.strip());
        }
    }

    /** The errors logged since the last call, oldest first, joined for a message; empty if none. */
    String drainErrors() {
        List<String> out;
        synchronized (errors) {
            out = new ArrayList<>(errors);
            errors.clear();
        }
        return String.join("; ", out);
    }
}
