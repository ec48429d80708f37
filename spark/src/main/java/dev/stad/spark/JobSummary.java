package dev.stad.spark;

/**
 * What one run of {@link ScoreJob} did.
 *
 * @param listed image files found under the inputs
 * @param skipped of those, the ones {@code --resume} found done
 * @param scored images scored (status ok)
 * @param errors images that became error rows
 * @param removedTemporary temporary map files of killed tasks that the driver removed
 * @param seconds wall time from listing to the committed table
 * @param table the table written
 */
public record JobSummary(
        long listed, long skipped, long scored, long errors, int removedTemporary, double seconds, String table) {
    /** Images per second over the whole run, listing and commit included. */
    public double imagesPerSecond() {
        return seconds > 0 ? (scored + errors) / seconds : 0;
    }

    /** One line for the console. */
    public String line() {
        String line = String.format(
                java.util.Locale.ROOT,
                "%d images listed, %d skipped (done), %d scored, %d errors in %.1f s (%.1f images/s); table %s",
                listed,
                skipped,
                scored,
                errors,
                seconds,
                imagesPerSecond(),
                table);
        return removedTemporary > 0
                ? line + "; removed " + removedTemporary + " temporary map(s) of failed task attempts"
                : line;
    }
}
