package dev.stad.runtime.bundle;

import java.io.IOException;

/** A model bundle that cannot be used; the message names the bundle, the file and the problem. */
public final class BundleException extends IOException {
    private static final long serialVersionUID = 1L;

    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
