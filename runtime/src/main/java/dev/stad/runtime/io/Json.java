package dev.stad.runtime.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;

/** JSON as every stad file is written: indented, so that people can read and diff it. */
public final class Json {
    private Json() {}

    /** A new mapper that writes indented JSON (a new one each time, so a caller may configure it further). */
    public static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    /** Writes {@code value} to {@code file} atomically (see {@link AtomicFiles}). */
    public static void write(Path file, Object value) throws IOException {
        ObjectMapper mapper = mapper();
        AtomicFiles.write(file, out -> mapper.writeValue(out, value));
    }
}
