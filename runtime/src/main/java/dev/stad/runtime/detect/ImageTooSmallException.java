package dev.stad.runtime.detect;

/**
 * An image a native bundle cannot score: smaller than the model's largest receptive field (after
 * the bundle's scale), so not one patch fits. Resize bundles never throw it: they resize every
 * image to their input.
 */
public final class ImageTooSmallException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ImageTooSmallException(String message) {
        super(message);
    }
}
