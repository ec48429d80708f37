/**
 * The {@code runtime} command ({@code score}, {@code info}) and what every stad command shares:
 * the picocli setup and error handling ({@link dev.stad.runtime.cli.Commands}), the common
 * options mixin, the version provider and console progress bars.
 */
package dev.stad.runtime.cli;
