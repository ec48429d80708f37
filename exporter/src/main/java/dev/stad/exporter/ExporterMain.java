package dev.stad.exporter;

/** Entry point of {@code mvn -pl exporter exec:java}; see {@link ExportCommand}. */
public final class ExporterMain {
    private ExporterMain() {}

    public static void main(String[] args) {
        System.exit(ExportCommand.commandLine(System.out, System.err).execute(args));
    }
}
