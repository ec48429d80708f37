package dev.stad.trainer.train;

/**
 * Thrown when a loss or a weight stops being finite. Training stops at once and nothing from the
 * failing epoch or step is saved: a NaN model must never be written as if it were trained.
 * Checked, like every error a caller can act on (here: another learning rate, other data), so a
 * program that trains cannot forget it; see the error rules in {@code docs/training.md}.
 */
public final class TrainingDivergedException extends Exception {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message + ". Nothing from this step was saved. Try a lower learning rate; on some CPUs libtorch's"
                + " oneDNN backward pass yields NaN for convs whose output channels are not a multiple of 16.");
    }
}
