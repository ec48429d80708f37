package dev.stad.trainer.data;

import java.io.IOException;

/** A dataset folder that cannot be used as given; the message names the folder and what is wrong. */
public final class DatasetException extends IOException {
    private static final long serialVersionUID = 1L;

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
