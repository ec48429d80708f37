package dev.stad.bench.latency;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The class path a child JVM needs to run one of the bench's probes. */
final class ClassPath {
    private ClassPath() {}

    /** Where this class was loaded from (exec:java runs the bench in its own class loader). */
    static String ofBench() {
        List<String> parts = new ArrayList<>();
        ClassLoader cl = ClassPath.class.getClassLoader();
        if (cl instanceof URLClassLoader u) {
            for (URL url : u.getURLs()) {
                try {
                    parts.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // not a file: cannot be on a java -cp
                }
            }
        }
        return parts.isEmpty() ? System.getProperty("java.class.path") : String.join(File.pathSeparator, parts);
    }

    /** The java launcher of this JVM. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
