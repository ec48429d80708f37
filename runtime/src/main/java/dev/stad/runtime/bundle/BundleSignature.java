package dev.stad.runtime.bundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ed25519 signatures of bundles. Checksums in the manifest catch damage; a signature catches
 * tampering, because whoever replaces a bundle cannot sign its new manifest without the private
 * key. The exporter signs the exact bytes of {@code manifest.json} and stores the signature as
 * {@value #FILE_NAME} next to it; since the manifest holds the SHA-256 of every other file, and
 * those are checked on every read, one signature covers the whole bundle.
 *
 * <p>Key files are PEM, as {@code openssl} writes them: the public key a {@code PUBLIC KEY} block
 * (X.509 SubjectPublicKeyInfo), the private key file a {@code PRIVATE KEY} block (PKCS#8) followed
 * by its public key, so the signer can name the key it signs with. A key's id is the first 16
 * hex digits of the SHA-256 of its public key's encoding. The signature file is one line:
 * {@code stad-signature-v1 ed25519 <key id> <base64 signature>}.
 */
public final class BundleSignature {
    /** The signature's file name inside a bundle. */
    public static final String FILE_NAME = "manifest.sig";

    private static final String ALGORITHM = "Ed25519";
    private static final String HEADER = "stad-signature-v1 ed25519 ";
    private static final Pattern LINE =
            Pattern.compile("stad-signature-v1 ed25519 ([0-9a-f]{16}) ([A-Za-z0-9+/=]+)\\s*");
    private static final long MAX_KEY_FILE_BYTES = 64 << 10;

    private BundleSignature() {}

    /** The two files {@link #generate} wrote and the key's id. */
    public record Generated(Path privateKey, Path publicKey, String keyId) {}

    /**
     * Creates a key pair as {@code prefix.key} (owner read/write only, from the moment it exists)
     * and {@code prefix.pub}. Refuses to replace existing files: a lost private key cannot be
     * recovered.
     */
    public static Generated generate(Path prefix) throws IOException {
        Path priv = sibling(prefix, ".key");
        Path pub = sibling(prefix, ".pub");
        for (Path p : List.of(priv, pub)) {
            if (Files.exists(p)) {
                throw new FileAlreadyExistsException(p.toString(), null, "a key file is there already; not replaced");
            }
        }
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no Ed25519", e);
        }
        String pubPem = pem("PUBLIC KEY", pair.getPublic().getEncoded());
        writeNew(priv, pem("PRIVATE KEY", pair.getPrivate().getEncoded()) + pubPem, true);
        writeNew(pub, pubPem, false);
        return new Generated(priv, pub, keyId(pair.getPublic()));
    }

    /** The private key and its public half from a {@code .key} file that {@link #generate} wrote. */
    public static KeyPair readPrivate(Path file) throws IOException {
        String text = readKeyFile(file);
        byte[] priv = block(file, text, "PRIVATE KEY");
        byte[] pub = block(file, text, "PUBLIC KEY");
        try {
            KeyFactory f = KeyFactory.getInstance(ALGORITHM);
            return new KeyPair(
                    f.generatePublic(new X509EncodedKeySpec(pub)), f.generatePrivate(new PKCS8EncodedKeySpec(priv)));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not an Ed25519 private key file (" + e.getMessage() + ")", e);
        }
    }

    /** An Ed25519 public key from a PEM {@code PUBLIC KEY} file. */
    public static PublicKey readPublic(Path file) throws IOException {
        byte[] pub = block(file, readKeyFile(file), "PUBLIC KEY");
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(pub));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not an Ed25519 public key (" + e.getMessage() + ")", e);
        }
    }

    /** First 16 hex digits of the SHA-256 of the key's encoding. */
    public static String keyId(PublicKey key) {
        return ModelBundle.sha256(key.getEncoded()).substring(0, 16);
    }

    /** The content of {@value #FILE_NAME} for {@code manifest} signed with {@code key}. */
    public static byte[] sign(byte[] manifest, KeyPair key) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key.getPrivate());
            s.update(manifest);
            String line =
                    HEADER + keyId(key.getPublic()) + " " + Base64.getEncoder().encodeToString(s.sign()) + "\n";
            return line.getBytes(StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing with Ed25519 failed: " + e.getMessage(), e);
        }
    }

    /**
     * Checks that {@code signatureFile} (null when the bundle has none) is a signature of
     * {@code manifest} by one of {@code trusted}; the exception's message names the bundle and
     * the reason.
     */
    public static void verify(Path bundle, byte[] manifest, byte[] signatureFile, List<PublicKey> trusted)
            throws BundleException {
        String where = bundle + ": refused: ";
        if (signatureFile == null) {
            throw new BundleException(
                    where + "the bundle is not signed (no " + FILE_NAME + ") and trusted keys are" + " configured");
        }
        Matcher m = LINE.matcher(new String(signatureFile, StandardCharsets.US_ASCII));
        if (!m.matches()) {
            throw new BundleException(where + FILE_NAME + " is not a stad signature");
        }
        String id = m.group(1);
        PublicKey key =
                trusted.stream().filter(k -> keyId(k).equals(id)).findFirst().orElse(null);
        if (key == null) {
            throw new BundleException(where + "it is signed by key " + id + ", which is not one of the trusted keys ("
                    + String.join(
                            ", ", trusted.stream().map(BundleSignature::keyId).toList()) + ")");
        }
        boolean ok;
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(manifest);
            ok = s.verify(Base64.getDecoder().decode(m.group(2)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            ok = false;
        }
        if (!ok) {
            throw new BundleException(where + "the signature by key " + id + " does not match "
                    + BundleManifest.FILE_NAME + " (changed after signing)");
        }
    }

    private static Path sibling(Path prefix, String suffix) {
        return prefix.resolveSibling(prefix.getFileName() + suffix);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static byte[] block(Path file, String text, String type) throws IOException {
        Matcher m = Pattern.compile("-----BEGIN " + type + "-----([A-Za-z0-9+/=\\s]+)-----END " + type + "-----")
                .matcher(text);
        if (!m.find()) {
            throw new IOException(file + ": no PEM " + type + " block (expected a key file written by `runtime"
                    + " keygen` or openssl)");
        }
        try {
            return Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": the " + type + " block is not valid base64", e);
        }
    }

    private static String readKeyFile(Path file) throws IOException {
        if (Files.size(file) > MAX_KEY_FILE_BYTES) {
            throw new IOException(file + ": " + Files.size(file) + " bytes, too large for a key file");
        }
        return Files.readString(file, StandardCharsets.US_ASCII);
    }

    /** Writes a new file atomically; a private one is owner-only from creation (never readable by others). */
    private static void writeNew(Path target, String text, boolean secret) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // createTempFile makes the file owner-only (rw-------) on POSIX file systems.
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            if (!secret && Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(
                        tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
