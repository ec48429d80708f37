package dev.stad.runtime.image;

import java.io.IOException;
import java.nio.file.Path;

/** An image file that exists but cannot be decoded: the message names the file and the problem. */
public final class ImageFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public ImageFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public ImageFormatException(Path file, String problem) {
        this(file, problem, null);
    }

    public Path file() {
        return file;
    }
}
