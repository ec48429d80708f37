package dev.stad.trainer.config;

/** Default filling and range checks whose messages name the config field. */
final class Checks {
    private Checks() {}

    static <T> T orDefault(T value, T fallback) {
        return value == null ? fallback : value;
    }

    static void atLeast(String field, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be >= " + min + ", found " + value);
        }
    }

    static void positive(String field, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(field + " must be a positive number, found " + value);
        }
    }

    static void nonNegative(String field, double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(field + " must be >= 0, found " + value);
        }
    }
}
