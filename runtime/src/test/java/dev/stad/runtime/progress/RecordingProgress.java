package dev.stad.runtime.progress;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Progress that keeps its lines (thread-safe) for tests to read; stages go nowhere. */
public final class RecordingProgress implements Progress {
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void line(String text) {
        lines.add(text);
    }

    @Override
    public Stage stage(String name, long total, long done) {
        return Progress.silent().stage(name, total, done);
    }

    /** The lines so far, in order (a copy). */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }
}
