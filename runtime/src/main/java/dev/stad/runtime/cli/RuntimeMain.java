package dev.stad.runtime.cli;

/** Entry point of {@code java -jar runtime.jar}; see {@link RuntimeCommand}. */
public final class RuntimeMain {
    private RuntimeMain() {}

    public static void main(String[] args) {
        System.exit(RuntimeCommand.commandLine(System.out, System.err, System.console() != null)
                .execute(args));
    }
}
