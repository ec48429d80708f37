package dev.stad.runtime.engine.trt;

import dev.stad.runtime.progress.Progress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.bytedeco.tensorrt.nvinfer.ILogger;

/**
 * TensorRT's log: errors are kept per thread (the last few become part of an exception's message
 * when a build, a load or a run on that thread fails), warnings go to the progress lines of the
 * session being opened, the rest is dropped. TensorRT keeps one logger per process (a second
 * one passed later is ignored), so there is one, {@link #SHARED}, never freed: TensorRT may call
 * it from any thread for the life of the process.
 */
final class TrtLogger extends ILogger {
    /** The process's one logger. */
    static final TrtLogger SHARED = new TrtLogger();

    private static final int KEPT = 8;

    private volatile Progress progress = Progress.silent();
    private final ThreadLocal<Deque<String>> errors = ThreadLocal.withInitial(ArrayDeque::new);

    private TrtLogger() {}

    /** Where warnings go from now on (the session being opened). */
    TrtLogger reportingTo(Progress p) {
        this.progress = p;
        return this;
    }

    @Override
    public void log(Severity severity, String message) {
        Severity s = severity.intern();
        if (s == Severity.kERROR || s == Severity.kINTERNAL_ERROR) {
            Deque<String> mine = errors.get();
            if (mine.size() == KEPT) {
                mine.removeFirst();
            }
            mine.addLast(message.strip());
        } else if (s == Severity.kWARNING) {
            progress.line("TensorRT warning: " + message.strip());
        }
    }

    /** The errors logged since the last call, oldest first, joined for a message; empty if none. */
    String drainErrors() {
        Deque<String> mine = errors.get();
        List<String> out = new ArrayList<>(mine);
        mine.clear();
        return String.join("; ", out);
    }
}
