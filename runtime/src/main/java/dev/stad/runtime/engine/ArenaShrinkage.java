package dev.stad.runtime.engine;

/**
 * When a session's memory arena gives its free memory back. ONNX Runtime's arena keeps what the
 * largest input needed for the session's life: a station that scored one large input would stay at
 * that peak. So a run on an input with at most {@link #RATIO} of the pixels of the largest one
 * since the arena last shrank ends by shrinking it. Runs of one size never shrink, nor do the
 * tiles of one image (an edge tile has 0.6 to 0.9 of an inner one's pixels): memory given back
 * would only be mapped and zeroed again by the next run.
 */
final class ArenaShrinkage {
    /** Share of the largest input's pixels at or below which a run shrinks the arena. */
    static final double RATIO = 0.5;

    private long largestSinceShrink;

    /** Records a run on {@code pixels} (batch times height times width); true: it should shrink. */
    synchronized boolean shrinksAfter(long pixels) {
        if (pixels <= RATIO * largestSinceShrink) {
            largestSinceShrink = pixels;
            return true;
        }
        largestSinceShrink = Math.max(largestSinceShrink, pixels);
        return false;
    }
}
