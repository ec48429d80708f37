package dev.stad.runtime.score;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the scales' normalised score maps become one anomaly map that covers every pixel.
 *
 * <p>A scale has descriptors only where its whole patch lies inside the image
 * ({@link NetworkSpec#margin()}); the larger the receptive field, the narrower that valid region,
 * so the regions are nested and every pixel sees the scales up to some receptive field. The
 * scales valid at a pixel form its <em>level</em>: level 0 holds the scales of the smallest
 * receptive field, each further level adds the next ones. At a pixel of level k the map is
 *
 * <pre>(mean of the level's scale scores - mean_k) / std_k</pre>
 *
 * with mean_k and std_k measured on the validation images over every pixel where level k is
 * valid (its own band, where it is the deepest level valid, and the interior, where its scales
 * are valid too: the same scores, many times the pixels of a thin band, whose tail on a few
 * validation images would be a handful of values): the interior is standardised, and each outer band is
 * mapped so that on good images its mean and its 99.9th percentile land where the interior's do.
 * Matching the tail, not only the spread, matters because the image score is a maximum: one
 * scale alone has heavier tails than the mean of several, so a band standardised by its standard
 * deviation would still hold most good images' maxima. The outer bands, which see fewer scales,
 * are then neither hotter nor colder than the interior. Pixels closer to the border than the
 * smallest margin have no descriptor at any scale; each takes the largest value among the level-0
 * pixels whose patches contain it (see {@link #fillOuterBand}), standardised ring by ring
 * ({@code outerBand}) like the levels: on good images a maximum over up to rf x rf values is far
 * above their typical value, so unstandardised the band held good images' maxima on busy
 * textures. An optional Gaussian smoothing
 * ({@code smoothingSigma} pixels) turns isolated hot pixels into what they are, noise, before the
 * image score (the map's maximum) is taken. It runs on level 0's region, before the border fill,
 * with zeros (a good image's mean) beyond it: smoothing a map whose border band repeats its edge
 * would count the edge values many times, and good images' maxima would move to the border.
 * Zeros make the region's outer 3 sigma slightly colder instead.
 *
 * @param levels from the widest valid region (smallest receptive field) to the narrowest
 * @param smoothingSigma standard deviation of the Gaussian in pixels; 0 for none
 * @param outerBand per ring of the outer band (its distance from the border, see {@link #ring}), the
 *     standardisation of its filled values; empty in bundles written before it existed, whose
 *     band keeps the raw maximum
 */
public record ScaleCombination(
        @JsonProperty("levels") List<Level> levels,
        @JsonProperty("smoothingSigma") double smoothingSigma,

        @JsonProperty("outerBand") @JsonInclude(JsonInclude.Include.NON_EMPTY)
        List<Affine> outerBand) {

    /**
     * The standardisation of one ring of the outer band: {@code (value - mean) / std}.
     *
     * @param mean mean of the ring's filled values on the validation images
     * @param std the divisor that puts the ring's 99.9th percentile where the interior's is
     */
    public record Affine(
            @JsonProperty("mean") double mean,
            @JsonProperty("std") double std) {
        @JsonCreator
        public Affine {
            if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
                throw new IllegalArgumentException(
                        "outer band: mean must be finite and std positive, found " + mean + " and " + std);
            }
        }
    }

    /** A combination whose outer band is not standardised (bundles written before it was). */
    public ScaleCombination(List<Level> levels, double smoothingSigma) {
        this(levels, smoothingSigma, List.of());
    }

    /**
     * One level.
     *
     * @param scales names of the scales valid on this level (those of every earlier level and the new ones)
     * @param margin the level's valid region: the margin of its largest receptive field
     * @param mean mean of the level's mean scale score over the validation pixels of its band
     * @param std its divisor: for the deepest level the standard deviation of the same; for the
     *     others, the divisor that puts their 99.9th percentile where the deepest level's is
     */
    public record Level(
            @JsonProperty("scales") List<String> scales,
            @JsonProperty("margin") NetworkSpec.Margin margin,
            @JsonProperty("mean") double mean,
            @JsonProperty("std") double std) {

        @JsonCreator
        public Level {
            Objects.requireNonNull(scales, "scales must not be null");
            Objects.requireNonNull(margin, "margin must not be null");
            scales = List.copyOf(scales);
            if (scales.isEmpty()) {
                throw new IllegalArgumentException("a level needs at least one scale");
            }
            if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
                throw new IllegalArgumentException(
                        "level " + scales + ": mean must be finite and std positive, found " + mean + " and " + std);
            }
        }
    }

    @JsonCreator
    public ScaleCombination {
        Objects.requireNonNull(levels, "levels must not be null");
        levels = List.copyOf(levels);
        outerBand = outerBand == null ? List.of() : List.copyOf(outerBand);
        if (levels.isEmpty()) {
            throw new IllegalArgumentException("a combination needs at least one level");
        }
        NetworkSpec.Margin first = levels.get(0).margin();
        int rings = Math.max(first.before(), first.after());
        if (!outerBand.isEmpty() && outerBand.size() != rings) {
            throw new IllegalArgumentException("the outer band is " + rings + " pixels wide but " + outerBand.size()
                    + " ring standardisations are given");
        }
        if (!(smoothingSigma >= 0) || !Double.isFinite(smoothingSigma)) {
            throw new IllegalArgumentException("smoothingSigma must be >= 0, found " + smoothingSigma);
        }
        for (int k = 1; k < levels.size(); k++) {
            Level prev = levels.get(k - 1);
            Level cur = levels.get(k);
            if (!cur.scales().containsAll(prev.scales())
                    || cur.scales().size() <= prev.scales().size()
                    || cur.margin().before() < prev.margin().before()
                    || cur.margin().after() < prev.margin().after()) {
                throw new IllegalArgumentException(
                        "level " + k + " " + cur.scales() + " must hold every scale of level " + (k - 1) + " "
                                + prev.scales() + " and more, in a region no wider");
            }
        }
    }

    /** The levels the given scales form, with placeholder statistics (mean 0, std 1). */
    public static ScaleCombination uncalibrated(List<NetworkSpec> scales, double smoothingSigma) {
        List<Level> levels = new ArrayList<>();
        for (List<NetworkSpec> group : levelGroups(scales)) {
            levels.add(new Level(
                    group.stream().map(NetworkSpec::name).toList(),
                    group.get(group.size() - 1).margin(),
                    0,
                    1));
        }
        return new ScaleCombination(levels, smoothingSigma);
    }

    /** Quantile of each band's validation values whose position the calibration aligns. */
    public static final double TAIL_QUANTILE = 0.999;

    /**
     * Measures each level's statistics over every pixel of the validation images where the level
     * is valid: mean and standard deviation for the deepest, mean and
     * the {@value #TAIL_QUANTILE} quantile for the others (see the class comment).
     *
     * @param scales the scales, in any order
     * @param validation per validation image, each scale's normalised score map on its valid region
     * @param height image height the maps were computed on
     * @param width image width
     */
    public static ScaleCombination calibrate(
            List<NetworkSpec> scales,
            List<Map<String, FloatImage>> validation,
            int height,
            int width,
            double smoothingSigma) {
        return calibrate(
                scales, validation, Collections.nCopies(validation.size(), new int[] {height, width}), smoothingSigma);
    }

    /**
     * {@link #calibrate(List, List, int, int, double)} for validation images of any sizes (a
     * native-resolution model's): each image's size is its maps' plus the scale's margins.
     */
    public static ScaleCombination calibrate(
            List<NetworkSpec> scales, List<Map<String, FloatImage>> validation, double smoothingSigma) {
        Map<String, NetworkSpec.Margin> margins = margins(scales);
        List<int[]> sizes = new ArrayList<>();
        for (Map<String, FloatImage> maps : validation) {
            sizes.add(imageSize(maps, margins));
        }
        return calibrate(scales, validation, sizes, smoothingSigma);
    }

    /** The {@code {height, width}} of the image whose valid-region maps {@code maps} are. */
    public static int[] imageSize(Map<String, FloatImage> maps, Map<String, NetworkSpec.Margin> margins) {
        for (Map.Entry<String, FloatImage> e : maps.entrySet()) {
            NetworkSpec.Margin m = margins.get(e.getKey());
            if (m != null) {
                return new int[] {
                    e.getValue().height() + m.total(), e.getValue().width() + m.total()
                };
            }
        }
        throw new IllegalArgumentException("no map of a known scale among " + maps.keySet());
    }

    /** {@link #imageSize(Map, Map)} with the margins of {@code scales}. */
    public static int[] imageSize(Map<String, FloatImage> maps, List<NetworkSpec> scales) {
        return imageSize(maps, margins(scales));
    }

    private static ScaleCombination calibrate(
            List<NetworkSpec> scales,
            List<Map<String, FloatImage>> validation,
            List<int[]> sizes,
            double smoothingSigma) {
        ScaleCombination shape = uncalibrated(scales, smoothingSigma);
        Map<String, NetworkSpec.Margin> margins = margins(scales);
        int count = shape.levels.size();
        double[] means = new double[count];
        double[] stds = new double[count];
        double[] tails = new double[count];
        for (int k = 0; k < count; k++) {
            Level level = shape.levels.get(k);
            NetworkSpec.Margin m = level.margin();
            List<float[]> perImage = new ArrayList<>();
            int n = 0;
            for (int i = 0; i < validation.size(); i++) {
                Map<String, FloatImage> maps = validation.get(i);
                int height = sizes.get(i)[0];
                int width = sizes.get(i)[1];
                List<float[]> z = shape.checked(maps, margins, height, width);
                float[] values = new float[(height - m.total()) * (width - m.total())];
                int used = 0;
                for (int r = m.before(); r < height - m.after(); r++) {
                    for (int c = m.before(); c < width - m.after(); c++) {
                        // Every pixel where the level is valid, not only its own band: the same
                        // scales, many times the pixels, so a tail measured on a few images is
                        // not one thin strip's.
                        values[used++] = (float) shape.levelMean(level, z, margins, width, r, c);
                    }
                }
                perImage.add(values);
                n += values.length;
            }
            if (n == 0) {
                throw new IllegalArgumentException(
                        "level " + level.scales() + " has no pixel of its own in the validation images");
            }
            float[] all = new float[n];
            int o = 0;
            double sum = 0;
            for (float[] v : perImage) {
                System.arraycopy(v, 0, all, o, v.length);
                o += v.length;
                for (float x : v) {
                    sum += x;
                }
            }
            double mean = sum / n;
            double sq = 0;
            for (float x : all) {
                sq += (x - mean) * (x - mean);
            }
            Arrays.sort(all);
            means[k] = mean;
            stds[k] = Math.sqrt(sq / n);
            tails[k] = quantile(all, TAIL_QUANTILE) - mean;
            if (!(stds[k] > 0) || !(tails[k] > 0)) {
                throw new IllegalArgumentException(
                        "level " + level.scales() + ": the validation scores do not vary" + " (std " + stds[k] + ")");
            }
        }
        List<Level> levels = new ArrayList<>();
        double interior = tails[count - 1] / stds[count - 1];
        for (int k = 0; k < count; k++) {
            Level level = shape.levels.get(k);
            double divisor = k == count - 1 ? stds[k] : tails[k] / interior;
            levels.add(new Level(level.scales(), level.margin(), means[k], divisor));
        }
        ScaleCombination inside = new ScaleCombination(levels, smoothingSigma);
        return new ScaleCombination(
                levels, smoothingSigma, inside.calibrateOuterBand(scales, validation, sizes, interior));
    }

    /**
     * The outer band's standardisation, ring by ring (ring d: the pixels d from the border, as
     * {@link #ring} counts them): each ring's filled values are mapped so that on good images their
     * mean is 0 and their {@value #TAIL_QUANTILE} quantile lands at {@code interior}, where the
     * standardised interior's is. A maximum over the patches that contain a pixel is far above
     * their typical value on a busy texture, and more so the more patches there are (the deeper
     * the ring), so without this the band holds the good images' maxima.
     *
     * <p>A ring's value is the maximum of level 0 over a window of fixed shape: {@code d + 1} rows
     * of the level-0 region by the receptive field's width of columns along the top and bottom
     * edges, the same turned along the sides ({@link #fillOuterBand}). Its distribution is
     * measured over every position of such windows in level 0's region of the validation images,
     * not only at the ring: the ring is a strip one pixel wide whose values repeat their
     * neighbours', so its own tail on a few validation images is close to a single draw, and the
     * band it standardised was twice as hot in its tail on new images as the interior. Level 0 is
     * valid, and standardised the same way, everywhere inside its margin. A smoothed map keeps
     * the statistics of the ring's own pixels ({@link #ringStatisticsOnTheRing}).
     */
    private List<Affine> calibrateOuterBand(
            List<NetworkSpec> scales, List<Map<String, FloatImage>> validation, List<int[]> sizes, double interior) {
        Level zero = levels.get(0);
        NetworkSpec.Margin first = zero.margin();
        int rings = Math.max(first.before(), first.after());
        if (rings == 0) {
            return List.of();
        }
        if (smoothingSigma > 0) {
            return ringStatisticsOnTheRing(scales, validation, sizes, first, rings, interior);
        }
        int across = first.total() + 1;
        Map<String, NetworkSpec.Margin> margins = margins(scales);
        List<FloatList> values = perRing(rings);
        for (int i = 0; i < validation.size(); i++) {
            int height = sizes.get(i)[0];
            int width = sizes.get(i)[1];
            List<float[]> z = checked(validation.get(i), margins, height, width);
            int h = height - first.total();
            int w = width - first.total();
            float[] l0 = new float[h * w];
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    double v = levelMean(zero, z, margins, width, r + first.before(), c + first.before());
                    l0[r * w + c] = (float) ((v - zero.mean()) / zero.std());
                }
            }
            // Large images: every position would be millions of near-repeats; a stride keeps
            // about 16,000 windows per image, ring and orientation.
            int stride = (int) Math.max(1, Math.ceil(Math.sqrt((double) h * w / 16_000)));
            windowMaxima(l0, h, w, across, rings, stride, values);
            windowMaxima(transpose(l0, h, w), w, h, across, rings, stride, values);
        }
        List<Affine> out = new ArrayList<>();
        for (int d = 0; d < rings; d++) {
            float[] v = values.get(d).toArray();
            if (v.length == 0) {
                throw new IllegalArgumentException("outer band ring " + d + ": level 0's region of the validation"
                        + " images is smaller than the band's window (" + (d + 1) + " x " + across + ")");
            }
            out.add(ringAffine(v, d, interior));
        }
        return out;
    }

    /** One empty list of values for each of {@code rings} rings. */
    private static List<FloatList> perRing(int rings) {
        List<FloatList> values = new ArrayList<>();
        for (int d = 0; d < rings; d++) {
            values.add(new FloatList());
        }
        return values;
    }

    /**
     * The standardisation that gives ring {@code d}'s {@code values} mean 0 and puts their
     * {@value #TAIL_QUANTILE} quantile at {@code interior}; sorts {@code values}.
     */
    private static Affine ringAffine(float[] values, int d, double interior) {
        double sum = 0;
        for (float x : values) {
            sum += x;
        }
        Arrays.sort(values);
        double mean = sum / values.length;
        double tail = quantile(values, TAIL_QUANTILE) - mean;
        if (!(tail > 0)) {
            throw new IllegalArgumentException(
                    "outer band ring " + d + ": the validation scores do not vary (tail " + tail + ")");
        }
        return new Affine(mean, tail / interior);
    }

    /**
     * The ring statistics measured on the ring's own pixels of the combined, smoothed validation
     * maps: what the calibration does when the map is smoothed, since the windows of {@link
     * #calibrateOuterBand} see level 0 unsmoothed, and smoothing already tames the band's tail.
     */
    private List<Affine> ringStatisticsOnTheRing(
            List<NetworkSpec> scales,
            List<Map<String, FloatImage>> validation,
            List<int[]> sizes,
            NetworkSpec.Margin first,
            int rings,
            double interior) {
        List<FloatList> values = perRing(rings);
        for (int i = 0; i < validation.size(); i++) {
            int height = sizes.get(i)[0];
            int width = sizes.get(i)[1];
            float[] map = combine(scales, validation.get(i), height, width).data();
            for (int r = 0; r < height; r++) {
                for (int c = 0; c < width; c++) {
                    int d = ring(first, height, width, r, c);
                    if (d >= 0) {
                        values.get(d).add(map[r * width + c]);
                    }
                }
            }
        }
        List<Affine> out = new ArrayList<>();
        for (int d = 0; d < rings; d++) {
            float[] v = values.get(d).toArray();
            if (v.length == 0) {
                // A ring only the wider side has (an even receptive field): share the previous one's.
                out.add(out.isEmpty() ? new Affine(0, 1) : out.get(out.size() - 1));
                continue;
            }
            out.add(ringAffine(v, d, interior));
        }
        return out;
    }

    /**
     * Adds to {@code values.get(d)} the maximum of {@code map} ({@code h x w}) over every window
     * of {@code d + 1} rows by {@code across} columns that fits, at positions {@code stride}
     * apart, for each ring {@code d < rings}: the running maximum over rows of the maxima along
     * the rows, so each ring costs one pass.
     */
    private static void windowMaxima(
            float[] map, int h, int w, int across, int rings, int stride, List<FloatList> values) {
        int cols = w - across + 1;
        if (cols <= 0) {
            return;
        }
        float[] rowMax = new float[h * cols];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < cols; c++) {
                float m = Float.NEGATIVE_INFINITY;
                for (int x = c; x < c + across; x++) {
                    m = Math.max(m, map[r * w + x]);
                }
                rowMax[r * cols + c] = m;
            }
        }
        float[] running = rowMax.clone();
        for (int d = 0; d < rings; d++) {
            if (d > 0) {
                // running(r, c) = maximum of rows r .. r + d
                for (int r = 0; r + d < h; r++) {
                    for (int c = 0; c < cols; c++) {
                        running[r * cols + c] = Math.max(running[r * cols + c], rowMax[(r + d) * cols + c]);
                    }
                }
            }
            FloatList out = values.get(d);
            for (int r = 0; r + d < h; r += stride) {
                for (int c = 0; c < cols; c += stride) {
                    out.add(running[r * cols + c]);
                }
            }
        }
    }

    private static float[] transpose(float[] map, int h, int w) {
        float[] t = new float[map.length];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                t[c * h + r] = map[r * w + c];
            }
        }
        return t;
    }

    /** A growable float array: a ring's window maxima, millions on a large validation set. */
    private static final class FloatList {
        private float[] data = new float[1024];
        private int size;

        void add(float v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    /**
     * The ring of the outer band pixel (r, c) is in, or -1 inside level 0's region: the rows above
     * and below that region span the whole width (their ring is the distance to the top or bottom
     * edge), the columns left and right of it only its rows (their ring is the distance to the left
     * or right edge). The detector graph cuts the band the same way.
     */
    static int ring(NetworkSpec.Margin first, int height, int width, int r, int c) {
        if (r < first.before()) {
            return r;
        }
        if (r >= height - first.after()) {
            return height - 1 - r;
        }
        if (c < first.before()) {
            return c;
        }
        if (c >= width - first.after()) {
            return width - 1 - c;
        }
        return -1;
    }

    /** Whether the levels are those {@code scales} form (names and margins; statistics aside). */
    public boolean hasLevelsOf(List<NetworkSpec> scales) {
        List<Level> expected;
        try {
            expected = uncalibrated(scales, 0).levels();
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (expected.size() != levels.size()) {
            return false;
        }
        for (int k = 0; k < levels.size(); k++) {
            if (!new HashSet<>(expected.get(k).scales())
                            .equals(new HashSet<>(levels.get(k).scales()))
                    || !expected.get(k).margin().equals(levels.get(k).margin())) {
                return false;
            }
        }
        return true;
    }

    /** Every scale's name, in level order. */
    @JsonIgnore
    public List<String> scaleNames() {
        return levels.get(levels.size() - 1).scales();
    }

    /**
     * Pixels beyond a map pixel that its value depends on, on each side: the widest scale margin
     * plus the smoothing radius. A tile computed with this much of the image around it is exact
     * (the smoothing's zeros lie at level 0's edge, at most the narrowest margin in from the cut).
     */
    @JsonIgnore
    public NetworkSpec.Margin reach() {
        NetworkSpec.Margin m = levels.get(levels.size() - 1).margin();
        int r = smoothingRadius();
        return new NetworkSpec.Margin(m.before() + r, m.after() + r);
    }

    /** Radius of the smoothing kernel: 3 sigma, rounded up (0 without smoothing). */
    @JsonIgnore
    public int smoothingRadius() {
        return (int) Math.ceil(3 * smoothingSigma);
    }

    /** The normalised 1-D Gaussian taps, {@code 2 * radius + 1} of them; {@code [1]} without smoothing. */
    @JsonIgnore
    public float[] smoothingKernel() {
        int r = smoothingRadius();
        float[] k = new float[2 * r + 1];
        if (r == 0) {
            k[0] = 1f;
            return k;
        }
        double sum = 0;
        double[] w = new double[k.length];
        for (int i = -r; i <= r; i++) {
            w[i + r] = Math.exp(-0.5 * i * i / (smoothingSigma * smoothingSigma));
            sum += w[i + r];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) (w[i] / sum);
        }
        return k;
    }

    /**
     * The anomaly map of a {@code height x width} image from each scale's normalised score map on
     * its valid region, computed in double precision.
     *
     * @param scales the scales by name (margins come from their specs)
     * @param scores each scale's [1, height - rf + 1, width - rf + 1] score map, by name
     */
    public FloatImage combine(List<NetworkSpec> scales, Map<String, FloatImage> scores, int height, int width) {
        Map<String, NetworkSpec.Margin> margins = margins(scales);
        List<float[]> z = checked(scores, margins, height, width);
        NetworkSpec.Margin first = levels.get(0).margin();
        int r0 = first.before();
        int r1 = height - first.after() - 1;
        int c0 = first.before();
        int c1 = width - first.after() - 1;
        if (r1 < r0 || c1 < c0) {
            throw new IllegalArgumentException(
                    "a " + height + "x" + width + " image is smaller than the receptive field of "
                            + levels.get(0).scales());
        }
        double[] map = new double[height * width];
        for (int r = r0; r <= r1; r++) {
            for (int c = c0; c <= c1; c++) {
                int k = levels.size() - 1;
                while (!inside(levels.get(k).margin(), height, width, r, c)) {
                    k--;
                }
                Level level = levels.get(k);
                map[r * width + c] = (levelMean(level, z, margins, width, r, c) - level.mean()) / level.std();
            }
        }
        if (smoothingRadius() > 0) {
            smoothInside(map, width, r0, r1, c0, c1);
        }
        fillOuterBand(map, height, width, first);
        if (!outerBand.isEmpty()) {
            for (int r = 0; r < height; r++) {
                for (int c = 0; c < width; c++) {
                    int d = ring(first, height, width, r, c);
                    if (d >= 0) {
                        Affine a = outerBand.get(d);
                        map[r * width + c] = (map[r * width + c] - a.mean()) / a.std();
                    }
                }
            }
        }
        float[] out = new float[map.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) map[i];
        }
        return new FloatImage(1, height, width, out);
    }

    /**
     * Gives every pixel outside level 0's region (rows and columns closer to the border than the
     * first margin) the largest value among the level-0 pixels whose patches contain it: those
     * within {@code after} above or left and {@code before} below or right of it. It is what the
     * patches that see the pixel say at their most suspicious, so a defect at the very border is
     * as hot there as in the patches next to it; and as it only repeats values of the map, it
     * adds no new maximum. Separable: the maximum over the rows of the window first, then over
     * its columns, as the graph computes it.
     */
    static void fillOuterBand(double[] map, int height, int width, NetworkSpec.Margin first) {
        int b = first.before();
        int a = first.after();
        if (b == 0 && a == 0) {
            return;
        }
        int r0 = b;
        int r1 = height - a - 1;
        int c0 = b;
        int c1 = width - a - 1;
        // column maxima of the valid rows whose patches contain each row, for the valid columns
        double[] rows = new double[height * width];
        for (int r = 0; r < height; r++) {
            int lo = Math.max(r0, r - a);
            int hi = Math.min(r1, r + b);
            for (int c = c0; c <= c1; c++) {
                double m = Double.NEGATIVE_INFINITY;
                for (int y = lo; y <= hi; y++) {
                    m = Math.max(m, map[y * width + c]);
                }
                rows[r * width + c] = m;
            }
        }
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < width; c++) {
                if (r >= r0 && r <= r1 && c >= c0 && c <= c1) {
                    continue;
                }
                int lo = Math.max(c0, c - a);
                int hi = Math.min(c1, c + b);
                double m = Double.NEGATIVE_INFINITY;
                for (int x = lo; x <= hi; x++) {
                    m = Math.max(m, rows[r * width + x]);
                }
                map[r * width + c] = m;
            }
        }
    }

    /**
     * {@link #fillOuterBand(double[], int, int, NetworkSpec.Margin)} on a float map, in place,
     * each band pixel then standardised by its ring's affine in float as the detector graph's Mul
     * and Add compute it ({@code rings} empty: the raw maximum). What a station computing a map
     * in tiles fills the band with once the tiles are put together: a tile's own band pixels near
     * a neighbouring tile were filled by the graph without that neighbour's level-0 pixels, and
     * everything else in the band comes out as it was.
     */
    public static void fillOuterBand(float[] map, int height, int width, NetworkSpec.Margin first, List<Affine> rings) {
        int b = first.before();
        int a = first.after();
        int r0 = b;
        int r1 = height - a - 1;
        int c0 = b;
        int c1 = width - a - 1;
        if ((b == 0 && a == 0) || r1 < r0 || c1 < c0) {
            return;
        }
        // A window reads level 0's region only and only band pixels are written: in place.
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < width; c++) {
                int ring = ring(first, height, width, r, c);
                if (ring < 0) {
                    continue;
                }
                float m = Float.NEGATIVE_INFINITY;
                for (int y = Math.max(r0, r - a); y <= Math.min(r1, r + b); y++) {
                    for (int x = Math.max(c0, c - a); x <= Math.min(c1, c + b); x++) {
                        m = Math.max(m, map[y * width + x]);
                    }
                }
                if (!rings.isEmpty()) {
                    Affine affine = rings.get(ring);
                    m = m * (float) (1 / affine.std()) + (float) (-affine.mean() / affine.std());
                }
                map[r * width + c] = m;
            }
        }
    }

    /**
     * Separable Gaussian over rows [r0, r1] and columns [c0, c1] of {@code map}, in place, rows
     * first, with zeros (a good image's mean) beyond that region: no value is counted twice, so
     * the region's edge is never favoured over its inside.
     */
    private void smoothInside(double[] map, int width, int r0, int r1, int c0, int c1) {
        float[] k = smoothingKernel();
        int r = smoothingRadius();
        double[] tmp = new double[map.length];
        for (int y = r0; y <= r1; y++) {
            for (int x = c0; x <= c1; x++) {
                double s = 0;
                for (int i = Math.max(-r, r0 - y); i <= Math.min(r, r1 - y); i++) {
                    s += k[i + r] * map[(y + i) * width + x];
                }
                tmp[y * width + x] = s;
            }
        }
        for (int y = r0; y <= r1; y++) {
            for (int x = c0; x <= c1; x++) {
                double s = 0;
                for (int i = Math.max(-r, c0 - x); i <= Math.min(r, c1 - x); i++) {
                    s += k[i + r] * tmp[y * width + x + i];
                }
                map[y * width + x] = s;
            }
        }
    }

    private List<float[]> checked(
            Map<String, FloatImage> scores, Map<String, NetworkSpec.Margin> margins, int height, int width) {
        List<String> names = scaleNames();
        if (!margins.keySet().containsAll(names)) {
            throw new IllegalArgumentException(
                    "the combination needs scales " + names + ", given specs of " + margins.keySet());
        }
        List<float[]> out = new ArrayList<>();
        for (String n : names) {
            FloatImage s = scores.get(n);
            if (s == null) {
                throw new IllegalArgumentException("no score map for scale " + n + " among " + scores.keySet());
            }
            NetworkSpec.Margin m = margins.get(n);
            if (s.channels() != 1 || s.height() != height - m.total() || s.width() != width - m.total()) {
                throw new IllegalArgumentException(
                        "score map of scale " + n + " is " + s + ", a " + height + "x" + width + " image with margin "
                                + m + " needs 1x" + (height - m.total()) + "x" + (width - m.total()));
            }
            out.add(s.data());
        }
        return out;
    }

    /** Mean score of the level's scales at pixel (r, c); {@code z} in {@link #scaleNames()} order. */
    private double levelMean(
            Level level, List<float[]> z, Map<String, NetworkSpec.Margin> margins, int width, int r, int c) {
        List<String> names = scaleNames();
        double sum = 0;
        for (String n : level.scales()) {
            NetworkSpec.Margin m = margins.get(n);
            int w = width - m.total();
            sum += z.get(names.indexOf(n))[(r - m.before()) * w + (c - m.before())];
        }
        return sum / level.scales().size();
    }

    /** Linear-interpolation quantile of sorted values. */
    private static double quantile(float[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static boolean inside(NetworkSpec.Margin m, int height, int width, int r, int c) {
        return r >= m.before() && r < height - m.after() && c >= m.before() && c < width - m.after();
    }

    private static Map<String, NetworkSpec.Margin> margins(List<NetworkSpec> scales) {
        Map<String, NetworkSpec.Margin> m = new LinkedHashMap<>();
        for (NetworkSpec s : scales) {
            m.put(s.name(), s.margin());
        }
        return m;
    }

    /** The scales grouped by margin, smallest first; each group adds to the ones before. */
    private static List<List<NetworkSpec>> levelGroups(List<NetworkSpec> scales) {
        if (scales.isEmpty()) {
            throw new IllegalArgumentException("no scales");
        }
        List<NetworkSpec> sorted = new ArrayList<>(scales);
        sorted.sort(Comparator.comparingInt((NetworkSpec s) -> s.margin().before())
                .thenComparingInt(s -> s.margin().after()));
        List<List<NetworkSpec>> groups = new ArrayList<>();
        List<NetworkSpec> current = new ArrayList<>();
        for (NetworkSpec s : sorted) {
            if (!current.isEmpty() && !current.get(current.size() - 1).margin().equals(s.margin())) {
                groups.add(List.copyOf(current));
            }
            current.add(s);
        }
        groups.add(List.copyOf(current));
        return groups;
    }
}
