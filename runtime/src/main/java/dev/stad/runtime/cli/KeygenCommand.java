package dev.stad.runtime.cli;

import dev.stad.runtime.bundle.BundleSignature;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code runtime keygen}: an Ed25519 key pair for signing bundles ({@code export --sign}). */
@Command(
        name = "keygen",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Creates an Ed25519 key pair for signing bundles: PREFIX.key (private, owner-only) and"
                + " PREFIX.pub (public, for stations' --trust). Existing files are never replaced.")
public final class KeygenCommand implements Callable<Integer> {
    @Option(
            names = "--out",
            required = true,
            paramLabel = "PREFIX",
            description = "Path and name of the key files, without extension.")
    Path out;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        BundleSignature.Generated g = BundleSignature.generate(out);
        spec.commandLine()
                .getOut()
                .printf(
                        "Key %s: private key %s (keep it secret; sign with `export --sign %s`), public key %s (give it to"
                                + " stations: `runtime score --trust %s`)%n",
                        g.keyId(), g.privateKey(), g.privateKey(), g.publicKey(), g.publicKey());
        return 0;
    }
}
