package dev.stad.runtime.cli;

import dev.stad.runtime.progress.Progress;
import java.io.PrintWriter;
import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * {@link Progress} on a console: lines on one stream and, on a terminal, a live bar per stage
 * (step, message, ETA). Off a terminal (CI logs, tests) a stage becomes a line every tenth of
 * the way, so logs stay readable.
 */
public final class ConsoleProgress implements Progress {
    private static final int WIDTH = 120;

    private final PrintWriter out;
    private final boolean interactive;

    public ConsoleProgress(PrintWriter out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    @Override
    public void line(String text) {
        if (interactive) {
            out.print("\r\033[2K"); // a bar may be drawn on this line
        }
        out.println(text);
        out.flush();
    }

    @Override
    public Stage stage(String task, long total, long done) {
        if (interactive) {
            ProgressBar pb = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(total)
                    .startsFrom(done, Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(500)
                    .setMaxRenderedLength(WIDTH)
                    .setConsumer(new LineConsumer(out))
                    .build();
            return new Stage() {
                @Override
                public void step(String message) {
                    pb.setExtraMessage(message);
                    pb.step();
                }

                @Override
                public void close() {
                    pb.close();
                    out.print("\r\033[2K");
                    out.flush();
                }
            };
        }
        return new Stage() {
            private long current = done;
            private long nextReport = nextTenth(done);
            private final long start = System.nanoTime();
            private final long startDone = done;

            private long nextTenth(long c) {
                long tenth = Math.max(1, total / 10);
                return (c / tenth + 1) * tenth;
            }

            @Override
            public void step(String message) {
                current++;
                if (current >= nextReport || current == total) {
                    nextReport = nextTenth(current);
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    double eta = current > startDone ? elapsed / (current - startDone) * (total - current) : 0;
                    out.printf("%s: %d/%d %s (%.0f s, ETA %.0f s)%n", task, current, total, message, elapsed, eta);
                    out.flush();
                }
            }

            @Override
            public void close() {}
        };
    }

    /** Draws a bar by rewriting the current line of {@code out}. */
    private record LineConsumer(PrintWriter out) implements ProgressBarConsumer {
        @Override
        public int getMaxRenderedLength() {
            return WIDTH;
        }

        @Override
        public void accept(String rendered) {
            out.print('\r');
            out.print(rendered);
            out.flush();
        }

        @Override
        public void close() {}
    }
}
