package dev.stad.runtime.cli;

import dev.stad.runtime.StadVersion;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code --version} of every stad command: the top command's name and the project version. */
public final class VersionProvider implements IVersionProvider {
    @Spec
    CommandSpec spec;

    @Override
    public String[] getVersion() {
        return new String[] {"stad " + spec.root().name() + " " + StadVersion.get()};
    }
}
