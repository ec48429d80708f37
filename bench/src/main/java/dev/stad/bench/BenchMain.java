package dev.stad.bench;

/** Entry point of {@code mvn -pl bench exec:java@bench}; see {@link BenchCommand}. */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(BenchCommand.commandLine(System.out, System.err, System.console() != null)
                .execute(args));
    }
}
