package dev.stad.runtime.progress;

/**
 * Where long work says what it is doing: one line per event worth keeping, and stages of counted
 * steps (images scored, optimiser steps) that a console can draw as bars. Training, calibration
 * and scoring loops take a {@code Progress} and never know whether anyone watches: the command
 * layer passes a console one, an embedding application its own or {@link #silent()}.
 */
public interface Progress {
    /** One line worth keeping in a log (an epoch's loss, where a file was written). */
    void line(String text);

    /**
     * Starts a stage of {@code total} steps of which {@code done} are already done (a resumed
     * run); close it when the work ends.
     */
    Stage stage(String name, long total, long done);

    /** One running stage. */
    interface Stage extends AutoCloseable {
        /** One step done; {@code message} (a loss, a file name) may be shown with it. */
        void step(String message);

        @Override
        void close();
    }

    /** Progress that goes nowhere. */
    static Progress silent() {
        return Silent.INSTANCE;
    }

    /** The implementation behind {@link #silent()}. */
    enum Silent implements Progress, Stage {
        INSTANCE;

        @Override
        public void line(String text) {}

        @Override
        public Stage stage(String name, long total, long done) {
            return this;
        }

        @Override
        public void step(String message) {}

        @Override
        public void close() {}
    }
}
