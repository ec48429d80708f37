package dev.stad.runtime.image;

import java.nio.file.Path;

/**
 * An image whose header promises more pixels than the decoder's limit: refused before its pixels
 * are allocated. A caller may answer it differently from a broken file (an HTTP service says 413,
 * not 415).
 */
public final class ImageTooLargeException extends ImageFormatException {
    private static final long serialVersionUID = 1L;

    public ImageTooLargeException(Path file, String problem) {
        super(file, problem);
    }

    public ImageTooLargeException(String where, String problem) {
        super(where, problem);
    }
}
