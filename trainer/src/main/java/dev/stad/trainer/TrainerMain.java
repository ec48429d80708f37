package dev.stad.trainer;

/** Entry point of {@code mvn -pl trainer exec:java}; see {@link TrainCommand}. */
public final class TrainerMain {
    private TrainerMain() {}

    public static void main(String[] args) {
        System.exit(TrainCommand.commandLine(System.out, System.err, System.console() != null)
                .execute(args));
    }
}
