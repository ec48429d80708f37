package dev.stad.runtime.cli;

import dev.stad.runtime.bundle.BundleSignature;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --trust KEY.pub ...}: only bundles signed by one of these keys are opened. */
public final class TrustOptions {
    @Option(
            names = "--trust",
            arity = "1..*",
            paramLabel = "KEY.pub",
            description = "Public keys (PEM, from `runtime keygen`) of which one must have signed the bundle; an"
                    + " unsigned bundle, one signed by another key or with any byte changed is refused. Default:"
                    + " signatures are not checked.")
    List<Path> keys = new ArrayList<>();

    /** The keys read from their files; empty without {@code --trust}. */
    public List<PublicKey> publicKeys() throws IOException {
        List<PublicKey> out = new ArrayList<>();
        for (Path k : keys) {
            out.add(BundleSignature.readPublic(k));
        }
        return out;
    }
}
