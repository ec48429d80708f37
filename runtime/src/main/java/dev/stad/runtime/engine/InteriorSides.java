package dev.stad.runtime.engine;

/**
 * Which sides of a cut of a larger image lie inside that image, with at least the detector's
 * reach of image beyond the tile the cut is for, rather than on the image's edge. A detector graph
 * exported with the {@link #INPUT} input uses it to compute each scale only as far as that scale
 * reaches from the tile: a scale of a smaller patch needs less of the halo that the largest
 * patch needs, and on an edge of the image every scale still runs to the edge, where the outer
 * band and the nested levels are. Graphs without that input compute the whole cut for every
 * scale; the tile's pixels are the same either way.
 *
 * <p>The graph reads only the input's shape, {@code [1 + top, 1 + left, 1 + bottom, 1 + right]}
 * (each side 1 or 2): a shape is what TensorRT can compute slice bounds from, where the values of
 * a tensor are not.
 */
public record InteriorSides(boolean top, boolean left, boolean bottom, boolean right) {
    /** The graph input's name. */
    public static final String INPUT = "interior";

    /** No side inside: the whole image, or a graph computing all of its cut. */
    public static final InteriorSides NONE = new InteriorSides(false, false, false, false);

    /** Every side inside: the input's largest shape. */
    public static final InteriorSides ALL = new InteriorSides(true, true, true, true);

    /** The shape of the input that says this. */
    public long[] shape() {
        return new long[] {1 + bit(top), 1 + bit(left), 1 + bit(bottom), 1 + bit(right)};
    }

    /** Number of values in a tensor of {@link #shape}. */
    public int elements() {
        long n = 1;
        for (long d : shape()) {
            n *= d;
        }
        return (int) n;
    }

    private static long bit(boolean b) {
        return b ? 1 : 0;
    }
}
