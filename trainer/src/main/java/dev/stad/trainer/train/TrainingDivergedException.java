package dev.stad.trainer.train;

/**
 * Thrown when a loss or a weight stops being finite. Training stops at once and nothing from the
 * failing epoch or step is saved: a NaN model must never be written as if it were trained.
 */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message + ". Nothing from this step was saved. Try a lower learning rate; on some CPUs libtorch's"
                + " oneDNN backward pass yields NaN for convs whose output channels are not a multiple of 16.");
    }
}
