package dev.stad.runtime.image;

import java.io.IOException;
import java.nio.file.Path;

/** An image file that exists but cannot be decoded: the message names the file and the problem. */
public class ImageFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public ImageFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public ImageFormatException(Path file, String problem) {
        this(file, problem, null);
    }

    /**
     * An image that is not a file (a request body, a message), {@code where} naming it; {@link
     * #file()} is null.
     */
    public ImageFormatException(String where, String problem) {
        super(where + ": " + problem);
        this.file = null;
    }

    /** The file, or null where the image did not come from one. */
    public Path file() {
        return file;
    }
}
