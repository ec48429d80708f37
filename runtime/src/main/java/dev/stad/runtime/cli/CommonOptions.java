package dev.stad.runtime.cli;

import picocli.CommandLine.Option;

/**
 * The options every stad command has, mixed in with {@code @Mixin}. {@code --stacktrace} is read
 * by the error handler {@link Commands#configure} installs, which turns any other failure into
 * one line.
 */
public final class CommonOptions {
    @Option(names = "--stacktrace", description = "Print the stack trace of an error, not only its message.")
    boolean stacktrace;
}
