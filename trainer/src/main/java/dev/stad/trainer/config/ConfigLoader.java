package dev.stad.trainer.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.stad.runtime.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads configs with errors that name the file and the field. */
public final class ConfigLoader {

    /** The config used when none is given: {@code configs/default.json}, also embedded in the jar. */
    public static final String DEFAULT_CONFIG = "configs/default.json";

    /** Largest config read: real ones are a few KB, so anything near this is not a config. */
    public static final long MAX_CONFIG_BYTES = 1L << 20;

    private static final ObjectMapper JSON = mapper();

    private ConfigLoader() {}

    /** The mapper used for configs and run metadata: strict on input, indented on output. */
    public static ObjectMapper mapper() {
        return Json.mapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public static TrainingConfig load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "config file not found");
        }
        if (Files.size(file) > MAX_CONFIG_BYTES) {
            throw new IOException(file + ": " + Files.size(file) + " bytes, more than the " + MAX_CONFIG_BYTES
                    + " a config may hold; not read");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        }
    }

    /** The default config: the file under the working directory if present, else the embedded copy. */
    public static TrainingConfig loadDefault() throws IOException {
        Path file = Path.of(DEFAULT_CONFIG);
        if (Files.isRegularFile(file)) {
            return load(file);
        }
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/" + DEFAULT_CONFIG)) {
            if (in == null) {
                throw new NoSuchFileException(
                        DEFAULT_CONFIG, null, "no default config in the working directory or the jar");
            }
            return parse(in, "embedded " + DEFAULT_CONFIG);
        }
    }

    public static TrainingConfig parse(InputStream in, String origin) throws IOException {
        try {
            TrainingConfig config = JSON.readValue(in, TrainingConfig.class);
            if (config == null) {
                throw new IOException(origin + ": config is empty");
            }
            return config;
        } catch (UnrecognizedPropertyException e) {
            throw new IOException(
                    origin + ": unknown field '" + e.getPropertyName() + "' at " + path(e) + "; known fields there: "
                            + e.getKnownPropertyIds(),
                    e);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException(origin + ": invalid config at " + path(e) + ": " + cause.getMessage(), e);
        } catch (JsonProcessingException e) {
            throw new IOException(origin + ": cannot read config: " + e.getOriginalMessage() + " at " + path(e), e);
        }
    }

    /**
     * The config as a JSON tree, exactly as it reads back from a file (numbers typed as the
     * parser types them), so a saved config and a live one compare equal when they are.
     */
    public static JsonNode toTree(TrainingConfig config) {
        try {
            return JSON.readTree(JSON.writeValueAsString(config));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("config cannot be written as JSON", e);
        }
    }

    public static String toJson(TrainingConfig config) {
        try {
            return JSON.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("config cannot be written as JSON", e);
        }
    }

    private static String path(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m
                && !m.getPath().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (var ref : m.getPath()) {
                if (ref.getFieldName() != null) {
                    if (sb.length() > 0) {
                        sb.append('.');
                    }
                    sb.append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    sb.append('[').append(ref.getIndex()).append(']');
                }
            }
            return sb.toString();
        }
        return e.getLocation() == null ? "?" : "line " + e.getLocation().getLineNr();
    }
}
