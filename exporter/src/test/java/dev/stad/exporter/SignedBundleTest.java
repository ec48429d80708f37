package dev.stad.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.BundleSignature;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed bundles end to end: keys from {@code keygen}, a bundle exported with {@code --sign},
 * stations that trust one key. Every refusal names the bundle and the reason.
 */
class SignedBundleTest {
    private static final NetworkSpec SMALL = new NetworkSpec(
            "s9", List.of(Layer.conv(16, 3), Layer.maxPool(2, 2), Layer.conv(16, 3), Layer.conv(16, 2)));

    @TempDir
    static Path shared;

    static Path run;
    static BundleSignature.Generated ours;
    static BundleSignature.Generated theirs;
    static Path signed;
    static Path signedZip;
    static Path unsigned;

    @TempDir
    Path dir;

    @BeforeAll
    static void export() throws Exception {
        run = RandomRun.write(shared.resolve("run"), List.of(SMALL), 2, 9);
        ours = BundleSignature.generate(shared.resolve("keys/line-3"));
        theirs = BundleSignature.generate(shared.resolve("keys/someone-else"));
        Exporter.Options opts = new Exporter.Options(DetectorLayout.FUSED, 40, false, false, ours.privateKey());
        signed = shared.resolve("signed");
        signedZip = shared.resolve("signed.zip");
        unsigned = shared.resolve("unsigned");
        Exporter.export(run, signed, opts, Progress.silent());
        Exporter.export(run, signedZip, opts, Progress.silent());
        Exporter.export(run, unsigned, opts.withSignKey(null), Progress.silent());
    }

    private static List<PublicKey> trust(BundleSignature.Generated... keys) throws Exception {
        List<PublicKey> out = new java.util.ArrayList<>();
        for (BundleSignature.Generated k : keys) {
            out.add(BundleSignature.readPublic(k.publicKey()));
        }
        return out;
    }

    private Path copy(Path bundle) throws Exception {
        Path c = dir.resolve("copy");
        AtomicFiles.writeFolder(c, folder -> {
            try (var files = Files.walk(bundle)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Path to = folder.resolve(bundle.relativize(f).toString());
                    Files.createDirectories(to.getParent());
                    Files.copy(f, to);
                }
            }
        });
        return c;
    }

    @Test
    void signedBundleOpensForItsKeyAndWithoutTrustAsBefore() throws Exception {
        assertTrue(Files.exists(signed.resolve(BundleSignature.FILE_NAME)));
        ModelBundle.open(signed, trust(ours));
        ModelBundle.open(signedZip, trust(theirs, ours));
        ModelBundle.open(signed);
        ModelBundle.open(unsigned);
    }

    @Test
    void unsignedBundleIsRefusedWhenKeysAreTrusted() throws Exception {
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(unsigned, trust(ours)));
        assertEquals(
                unsigned + ": refused: the bundle is not signed (no manifest.sig) and trusted keys are configured",
                e.getMessage());
    }

    @Test
    void bundleSignedByAnotherKeyIsRefusedNamingBothKeys() throws Exception {
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(signed, trust(theirs)));
        assertTrue(
                e.getMessage()
                        .startsWith(signed + ": refused: it is signed by key " + ours.keyId()
                                + ", which is not one of the trusted keys (" + theirs.keyId() + ")"),
                e.getMessage());
    }

    @Test
    void anyChangedByteOfTheManifestBreaksTheSignature() throws Exception {
        Path c = copy(signed);
        Path manifest = c.resolve("manifest.json");
        byte[] b = Files.readAllBytes(manifest);
        String text = new String(b, StandardCharsets.UTF_8);
        // A plausible attack: raise the threshold so that defects pass.
        Files.writeString(manifest, text.replaceFirst("\"threshold\"\\s*:\\s*\\{\\s*\"value\"\\s*:\\s*", "$09"));
        assertTrue(!java.util.Arrays.equals(b, Files.readAllBytes(manifest)), "the manifest was changed");
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(c, trust(ours)));
        assertEquals(
                c + ": refused: the signature by key " + ours.keyId()
                        + " does not match manifest.json (changed after signing)",
                e.getMessage());
    }

    @Test
    void anyChangedByteOfAGraphIsCaughtByTheSignedChecksums() throws Exception {
        Path c = copy(signed);
        Path graph = c.resolve("detector.onnx");
        byte[] b = Files.readAllBytes(graph);
        b[b.length / 2] ^= 1;
        Files.write(graph, b);
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(c, trust(ours)));
        assertTrue(e.getMessage().contains("detector.onnx has sha256"), e.getMessage());
    }

    @Test
    void forgedSignatureFileIsRefused() throws Exception {
        Path c = copy(signed);
        Files.writeString(
                c.resolve(BundleSignature.FILE_NAME), "stad-signature-v1 ed25519 " + ours.keyId() + " AAAA\n");
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(c, trust(ours)));
        assertTrue(e.getMessage().contains("does not match manifest.json"), e.getMessage());
        Files.writeString(c.resolve(BundleSignature.FILE_NAME), "hello");
        e = assertThrows(BundleException.class, () -> ModelBundle.open(c, trust(ours)));
        assertEquals(c + ": refused: manifest.sig is not a stad signature", e.getMessage());
    }

    @Test
    void keysAreWrittenOnceWithThePrivateOneOwnerOnly() throws Exception {
        if (Files.getFileStore(ours.privateKey()).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ours.privateKey())));
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(ours.publicKey())));
        }
        byte[] before = Files.readAllBytes(ours.privateKey());
        assertThrows(FileAlreadyExistsException.class, () -> BundleSignature.generate(shared.resolve("keys/line-3")));
        assertArrayEquals(before, Files.readAllBytes(ours.privateKey()), "an existing key is never replaced");
        assertTrue(Files.readString(ours.publicKey()).startsWith("-----BEGIN PUBLIC KEY-----\n"));
        assertEquals(
                ours.keyId(),
                BundleSignature.keyId(
                        BundleSignature.readPrivate(ours.privateKey()).getPublic()));
    }

    @Test
    void exportWithAMissingKeyFailsBeforeAnyWork() {
        Path missing = dir.resolve("nope.key");
        Exception e = assertThrows(
                Exception.class,
                () -> Exporter.export(
                        run, dir.resolve("out"), Exporter.Options.defaults().withSignKey(missing), Progress.silent()));
        assertTrue(e.getMessage().contains("nope.key"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("out")));
    }
}
