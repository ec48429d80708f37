package dev.stad.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The project version, recorded in every model's provenance. */
public final class StadVersion {
    private static final String VERSION = load();

    private StadVersion() {}

    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = StadVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read version.properties", e);
        }
    }
}
