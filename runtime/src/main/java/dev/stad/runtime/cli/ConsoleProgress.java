package dev.stad.runtime.cli;

import java.io.PrintStream;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Where a run tells the user what it is doing: summary lines on one stream and, on a terminal,
 * live progress bars (step, loss, ETA). Off a terminal (CI logs, tests) the bars become a
 * line every tenth of the way, so logs stay readable.
 */
public final class Reporter {
    private final PrintStream out;
    private final boolean interactive;

    public Reporter(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /** Bars when standard output is a terminal. */
    public static Reporter console() {
        return new Reporter(System.out, System.console() != null);
    }

    /** One summary line. */
    public void line(String text) {
        if (interactive) {
            out.print("\r\033[2K"); // a bar may be drawn on this line
        }
        out.println(text);
        out.flush();
    }

    /**
     * A progress bar for {@code total} steps of which {@code done} are already done (resumed);
     * close it when the work ends.
     */
    public Bar bar(String task, long total, long done) {
        if (interactive) {
            ProgressBar pb = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(total)
                    .startsFrom(done, Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(500)
                    .setMaxRenderedLength(120)
                    .setConsumer(new ConsoleProgressBarConsumer(out, 120))
                    .build();
            return new Bar() {
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
        return new Bar() {
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
            public void close() {
            }
        };
    }

    /** One running progress display. */
    public interface Bar extends AutoCloseable {
        void step(String message);

        @Override
        void close();
    }
}
