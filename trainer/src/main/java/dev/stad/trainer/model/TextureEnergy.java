package dev.stad.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;

/**
 * A fixed, hand-made patch descriptor of local texture and colour, the distillation target of a
 * pretrained teacher: a universal feature extractor that needs no download.
 *
 * <p>For a receptive field of {@code rf} pixels: a bank of complex Gabor filters of side
 * {@code k = ceil(rf / 2)} (8 orientations x 4 wavelengths from 2.5 pixels to {@code k / 1.5}) on
 * the mean of the colour channels; the modulus of each response (its local energy, blind to the
 * phase, so small shifts do not change it), averaged over the remaining {@code rf - k + 1}
 * pixels and logged; plus the mean and the log standard deviation of each colour channel over
 * the whole receptive field. Energy sees texture, orientation, scale and sharpness (a blurred
 * patch loses its short wavelengths, a faded one all of them); the moments see colour and
 * contrast. Every output needs exactly the {@code rf x rf} patch, so a dense teacher's output and
 * this one align pixel for pixel: {@code [B, 3, H, W] -> [B, dims, H - rf + 1, W - rf + 1]}.
 */
public final class TextureEnergy {
    private static final int ORIENTATIONS = 8;
    private static final int WAVELENGTHS = 4;
    private static final float EPSILON = 1e-3f;

    private final int receptiveField;
    private final int kernel;
    private final float[] real;
    private final float[] imaginary;

    public TextureEnergy(int receptiveField) {
        if (receptiveField < 3) {
            throw new IllegalArgumentException("receptive field must be >= 3, found " + receptiveField);
        }
        this.receptiveField = receptiveField;
        this.kernel = (receptiveField + 1) / 2;
        GaborBank bank = GaborBank.of(kernel, ORIENTATIONS, WAVELENGTHS);
        real = bank.real();
        imaginary = bank.imaginary();
    }

    /** Length of the descriptor. */
    public int dims() {
        return ORIENTATIONS * WAVELENGTHS + 6;
    }

    public int receptiveField() {
        return receptiveField;
    }

    /** The descriptor of every patch inside the images, [B, dims, H - rf + 1, W - rf + 1]. */
    public NDArray compute(NDArray images) {
        NDManager m = images.getManager();
        int f = ORIENTATIONS * WAVELENGTHS;
        int pool = receptiveField - kernel + 1;
        Shape one = new Shape(1, 1);
        Shape none = new Shape(0, 0);
        NDArray grey = images.mean(new int[] {1}, true);
        NDArray wr = m.create(real, new Shape(f, 1, kernel, kernel));
        NDArray wi = m.create(imaginary, new Shape(f, 1, kernel, kernel));
        NDArray re = Conv2d.conv2d(grey, wr, null, one, none, one, 1).singletonOrThrow();
        NDArray im = Conv2d.conv2d(grey, wi, null, one, none, one, 1).singletonOrThrow();
        NDArray energy = re.square().add(im.square()).add(EPSILON * EPSILON).sqrt();
        NDArray pooled = Pool.avgPool2d(energy, new Shape(pool, pool), one, none, false, true)
                .add(EPSILON)
                .log();
        Shape window = new Shape(receptiveField, receptiveField);
        NDArray mean = Pool.avgPool2d(images, window, one, none, false, true);
        NDArray meanSquare = Pool.avgPool2d(images.square(), window, one, none, false, true);
        NDArray std = meanSquare
                .sub(mean.square())
                .maximum(0f)
                .add(EPSILON * EPSILON)
                .sqrt()
                .add(EPSILON)
                .log();
        return NDArrays.concat(new NDList(pooled, mean, std), 1);
    }
}
