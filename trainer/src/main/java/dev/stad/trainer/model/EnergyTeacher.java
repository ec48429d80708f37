package dev.stad.trainer.model;

import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A teacher that is not learned: the texture-energy descriptor written as a patch network, so it
 * runs, exports and tiles as every other teacher does. For a scale of receptive field {@code rf}
 * and descriptor length {@code d}:
 *
 * <ol>
 *   <li>a conv of side {@code k = (rf + 1) / 2} and a ReLU: the even and odd parts of complex
 *       Gabor filters on the grey image (the channels' mean), each once with either sign so that
 *       the ReLU keeps its magnitude; each colour channel's local mean and the grey mean over
 *       {@code k x k}, lifted to be positive; and each colour channel's centre less its own local
 *       mean over boxes of four sides up to {@code k}, with either sign;
 *   <li>an average pool of side {@code rf - k + 1}, stride 1: the energies and deviations
 *       averaged over the rest of the patch;
 *   <li>a 1x1 conv and a logarithm: each filter part's two signs summed into its mean magnitude
 *       (8 orientations, {@code (d - 16) / 16} wavelengths, even and odd: texture, orientation,
 *       scale and sharpness), the four means, and each channel's mean absolute deviation at the
 *       four sides (contrast, coarse to fine), each logged, so a fade or a blur moves it by a
 *       shift whatever the texture's own level;
 *   <li>a 1x1 conv that is the identity: the descriptor is a conv's output, as every teacher's.
 * </ol>
 *
 * <p>What differs from {@link TextureEnergy}, the descriptor this one writes in layers: a
 * part's mean magnitude rather than the filter's modulus, the grey mean and the deviations at
 * four sides rather than one standard deviation per channel, and more wavelengths, to fill the
 * scale's descriptor length.
 */
public final class EnergyTeacher {
    private static final int ORIENTATIONS = 8;
    private static final int PARTS = 2;
    private static final int SIGNS = 2;
    private static final int COLOURS = 3;
    private static final int DEVIATION_SIDES = 4;
    /** Colour means, grey mean, deviations. */
    private static final int COLOUR_DIMS = COLOURS + 1 + COLOURS * DEVIATION_SIDES;
    /**
     * Added before the logarithm: a flat patch has no energy and no deviation. About 0.6 grey
     * levels of 255 after the usual normalisation, so a calm texture's energies stay above it.
     */
    static final float EPSILON = 1e-2f;

    private EnergyTeacher() {}

    /**
     * The energy teacher of a scale whose students are {@code students}: same name, input,
     * receptive field and descriptor length.
     *
     * @throws IllegalArgumentException if the scale's patch or descriptor length does not fit
     */
    public static NetworkSpec spec(NetworkSpec students) {
        int rf = students.receptiveField();
        int d = students.descriptorDim();
        int k = (rf + 1) / 2;
        if (students.inputChannels() != COLOURS) {
            throw new IllegalArgumentException("an energy teacher reads colour images (3 channels); scale "
                    + students.name() + " reads " + students.inputChannels());
        }
        if (k < 5) {
            throw new IllegalArgumentException("an energy teacher needs a receptive field of at least 9 pixels; scale "
                    + students.name() + " sees " + rf);
        }
        if (d < 2 * ORIENTATIONS * PARTS + COLOUR_DIMS || (d - COLOUR_DIMS) % (ORIENTATIONS * PARTS) != 0) {
            throw new IllegalArgumentException("an energy teacher's descriptor holds 16 colour values and 16 per"
                    + " wavelength (at least two); scale " + students.name() + "'s has " + d
                    + " channels: give its last conv 48, 64, ... 128 outputs");
        }
        return new NetworkSpec(
                students.name(),
                COLOURS,
                List.of(
                        Layer.conv(firstChannels(d), k, 1, Layer.Activation.RELU, 0f),
                        Layer.avgPool(rf - k + 1, 1),
                        Layer.conv(d, 1, 1, Layer.Activation.LOG, 0f),
                        Layer.conv(d, 1, 1, Layer.Activation.NONE, 0f)));
    }

    /**
     * The fixed weights of {@link #spec}'s network, named as {@link NetworkSpec#weightName}.
     *
     * @param spec a network {@link #spec} made
     * @param inputStd the per-channel deviation the images are divided by: a local mean is lifted
     *     by {@code 1 + 1 / min(std)}, more than any normalised pixel's distance from zero
     */
    public static Map<String, FloatTensor> weights(NetworkSpec spec, float[] inputStd) {
        Layer first = spec.layers().get(0);
        int k = first.kernel();
        int kk = k * k;
        int d = spec.descriptorDim();
        int wavelengths = wavelengths(d);
        int filters = ORIENTATIONS * wavelengths;
        int c1 = first.out();
        if (c1 != firstChannels(d) || spec.layers().size() != 4) {
            throw new IllegalArgumentException("not an energy teacher's network: " + spec);
        }
        float smallest = Float.POSITIVE_INFINITY;
        for (float v : inputStd) {
            smallest = Math.min(smallest, v);
        }
        double lift = 1 + 1 / (double) smallest;
        GaborBank bank = GaborBank.of(k, ORIENTATIONS, wavelengths);

        float[] w0 = new float[c1 * COLOURS * kk];
        float[] b0 = new float[c1];
        float[] w2 = new float[d * c1];
        float[] b2 = new float[d];
        int ch = 0; // the first conv's channel being written
        int out = 0; // the descriptor value being written
        // Energies: each filter part, either sign, on the grey image; summed after the pool.
        for (int f = 0; f < filters; f++) {
            for (float[] part : new float[][] {bank.real(), bank.imaginary()}) {
                for (int sign : new int[] {1, -1}) {
                    for (int c = 0; c < COLOURS; c++) {
                        for (int i = 0; i < kk; i++) {
                            w0[(ch * COLOURS + c) * kk + i] = sign * part[f * kk + i] / COLOURS;
                        }
                    }
                    w2[out * c1 + ch] = 1;
                    ch++;
                }
                b2[out++] = EPSILON;
            }
        }
        // Local means, each colour's then the grey one, lifted above zero.
        for (int m = 0; m <= COLOURS; m++) {
            for (int c = 0; c < COLOURS; c++) {
                if (m == COLOURS || m == c) {
                    float v = (float) (1.0 / kk / (m == COLOURS ? COLOURS : 1));
                    for (int i = 0; i < kk; i++) {
                        w0[(ch * COLOURS + c) * kk + i] = v;
                    }
                }
            }
            b0[ch] = (float) lift;
            w2[out * c1 + ch] = 1;
            ch++;
            out++;
        }
        // Deviations: a colour channel's centre (its middle pixel, or the middle 2x2 of an even
        // side) less its mean over a centred box, either sign.
        int middle = 2 - k % 2;
        for (int c = 0; c < COLOURS; c++) {
            for (int s = 0; s < DEVIATION_SIDES; s++) {
                int side = deviationSide(k, s);
                for (int sign : new int[] {1, -1}) {
                    addBox(w0, (ch * COLOURS + c) * kk, k, side, -sign / (float) (side * side));
                    addBox(w0, (ch * COLOURS + c) * kk, k, middle, sign / (float) (middle * middle));
                    w2[out * c1 + ch] = 1;
                    ch++;
                }
                b2[out++] = EPSILON;
            }
        }
        if (ch != c1 || out != d) {
            throw new IllegalStateException(
                    "energy teacher laid out " + ch + " and " + out + " channels, not " + c1 + " and " + d);
        }
        float[] w3 = new float[d * d];
        for (int i = 0; i < d; i++) {
            w3[i * d + i] = 1;
        }
        Map<String, FloatTensor> weights = new LinkedHashMap<>();
        weights.put(NetworkSpec.weightName(0), new FloatTensor(new long[] {c1, COLOURS, k, k}, w0));
        weights.put(NetworkSpec.biasName(0), new FloatTensor(new long[] {c1}, b0));
        weights.put(NetworkSpec.weightName(2), new FloatTensor(new long[] {d, c1, 1, 1}, w2));
        weights.put(NetworkSpec.biasName(2), new FloatTensor(new long[] {d}, b2));
        weights.put(NetworkSpec.weightName(3), new FloatTensor(new long[] {d, d, 1, 1}, w3));
        weights.put(NetworkSpec.biasName(3), new FloatTensor(new long[] {d}, new float[d]));
        return weights;
    }

    /** The Gabor wavelengths a descriptor of {@code d} holds: 16 values each, beside the colour ones. */
    private static int wavelengths(int d) {
        return (d - COLOUR_DIMS) / (ORIENTATIONS * PARTS);
    }

    /** The first conv's channels for a descriptor of {@code d}: two signs of every signed value. */
    private static int firstChannels(int d) {
        return ORIENTATIONS * wavelengths(d) * PARTS * SIGNS + COLOURS + 1 + COLOURS * DEVIATION_SIDES * SIGNS;
    }

    /** Adds {@code v} to the centred {@code side x side} box of the {@code k x k} filter at {@code base}. */
    private static void addBox(float[] w, int base, int k, int side, float v) {
        int from = (k - side) / 2;
        for (int y = from; y < from + side; y++) {
            for (int x = from; x < from + side; x++) {
                w[base + y * k + x] += v;
            }
        }
    }

    /**
     * The side of deviation box {@code s} of a filter of side {@code k}: of k's parity, so the box
     * is centred, from the smallest larger than the middle (3 or 4) up to {@code k}.
     */
    static int deviationSide(int k, int s) {
        int smallest = 4 - k % 2;
        int side = (int) Math.round(smallest + (k - smallest) * s / (double) (DEVIATION_SIDES - 1));
        return (side - k) % 2 == 0 ? side : side + 1 > k ? side - 1 : side + 1;
    }
}
