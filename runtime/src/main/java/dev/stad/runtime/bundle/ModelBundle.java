package dev.stad.runtime.bundle;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.runtime.spec.NetworkSpec;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A model bundle opened for reading: a folder, or the same files in one {@code .zip}. Opening
 * checks everything before anything is used: the manifest's format version, that every path is
 * inside the bundle (no {@code ..}, no absolute paths, no symbolic link out of the folder), the
 * sha256 of every file, and that every ONNX file keeps its data inside and uses only known
 * operators ({@link OnnxInspector}). Nothing outside the bundle is ever read.
 *
 * <p>{@link #read} re-reads and re-checks a file, so a file changed after opening is refused
 * too. Instances hold no open handles and need no closing.
 */
public final class ModelBundle {
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path source;
    private final boolean zip;
    private final BundleManifest manifest;
    private final String sha256;

    private ModelBundle(Path source, boolean zip, BundleManifest manifest, String sha256) {
        this.source = source;
        this.zip = zip;
        this.manifest = manifest;
        this.sha256 = sha256;
    }

    /** Opens and verifies the bundle at {@code path} (a folder or a .zip file). */
    public static ModelBundle open(Path path) throws BundleException {
        return open(path, List.of());
    }

    /**
     * Opens and verifies the bundle at {@code path}; with {@code trusted} keys, only a bundle whose
     * manifest one of them signed ({@link BundleSignature}) is accepted, before anything else in it
     * is read. Without, a signature is not looked at.
     */
    public static ModelBundle open(Path path, List<PublicKey> trusted) throws BundleException {
        Objects.requireNonNull(path, "path must not be null");
        Objects.requireNonNull(trusted, "trusted must not be null");
        boolean zip;
        if (Files.isDirectory(path)) {
            zip = false;
        } else if (Files.isRegularFile(path)) {
            zip = true;
            checkZipEntries(path);
        } else {
            throw new BundleException(path + ": no such bundle (expected a folder or a .zip file)");
        }
        ModelBundle unchecked = new ModelBundle(path, zip, null, null);
        byte[] manifestBytes = unchecked.rawRead(BundleManifest.FILE_NAME);
        if (!trusted.isEmpty()) {
            byte[] signature =
                    unchecked.has(BundleSignature.FILE_NAME) ? unchecked.rawRead(BundleSignature.FILE_NAME) : null;
            BundleSignature.verify(path, manifestBytes, signature, trusted);
        }
        BundleManifest manifest = parseManifest(path, manifestBytes);
        ModelBundle bundle = new ModelBundle(path, zip, manifest, sha256(manifestBytes));
        for (String f : manifest.referencedFiles()) {
            if (!manifest.files().containsKey(f)) {
                throw new BundleException(path + ": manifest refers to " + f + " but lists no checksum for it");
            }
        }
        for (String f : manifest.files().keySet()) {
            bundle.verify(f);
        }
        return bundle;
    }

    public BundleManifest manifest() {
        return manifest;
    }

    public Path source() {
        return source;
    }

    /**
     * The bundle's identity: the sha256 of its manifest, which lists the sha256 of every other
     * file, so it changes when any byte of the model does, and is the same for a folder and its
     * zip. Results record it so that a score can be traced to the exact model.
     */
    public String sha256() {
        return sha256;
    }

    /**
     * The bytes of one file listed in the manifest, after checking its sha256 (and, for ONNX
     * files, that it is self-contained and uses known operators).
     */
    public byte[] read(String file) throws BundleException {
        String expected = manifest.files().get(file);
        if (expected == null) {
            throw new BundleException(source + ": " + file + " is not listed in " + BundleManifest.FILE_NAME);
        }
        byte[] bytes = rawRead(file);
        checkSha256(file, sha256(bytes), expected);
        if (file.endsWith(".onnx")) {
            OnnxInspector.inspect(bytes, source + ": " + file);
        }
        return bytes;
    }

    /**
     * What {@link #read} checks, from a stream: opening a bundle verifies every file this way, so
     * it holds a few KB of each at a time rather than the file (the trainer-side graphs of the
     * paper's full model are some 300 MB that a station never loads). The checksum is judged
     * first, so a damaged file is reported as damaged, not as invalid ONNX.
     */
    private void verify(String file) throws BundleException {
        String expected = manifest.files().get(file);
        MessageDigest sha = newSha256();
        try (Limited in = rawStream(file, sha)) {
            BundleException invalid = null;
            if (file.endsWith(".onnx")) {
                try {
                    OnnxInspector.inspect(in, source + ": " + file);
                } catch (BundleException e) {
                    if (in.exceeded()) {
                        throw e;
                    }
                    invalid = e;
                }
            }
            in.transferTo(OutputStream.nullOutputStream());
            checkSha256(file, HexFormat.of().formatHex(sha.digest()), expected);
            if (invalid != null) {
                throw invalid;
            }
        } catch (BundleException e) {
            throw e;
        } catch (IOException e) {
            throw new BundleException(source + ": cannot read " + file + " (" + e.getMessage() + ")", e);
        }
    }

    private void checkSha256(String file, String actual, String expected) throws BundleException {
        if (!actual.equalsIgnoreCase(expected)) {
            throw new BundleException(source + ": " + file + " has sha256 " + actual + " but the manifest says "
                    + expected + " (the file was altered or is corrupt)");
        }
    }

    /** Lowercase hex sha256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(newSha256().digest(bytes));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static BundleManifest parseManifest(Path path, byte[] bytes) throws BundleException {
        String where = path + ": " + BundleManifest.FILE_NAME;
        JsonNode tree;
        try {
            tree = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new BundleException(where + " is not valid JSON (" + e.getMessage() + ")", e);
        }
        if (tree == null || !tree.isObject() || !tree.path("formatVersion").canConvertToInt()) {
            throw new BundleException(where + " has no formatVersion; not a stad model bundle?");
        }
        int version = tree.get("formatVersion").asInt();
        if (version == 1) {
            throw new BundleException(where + " has format version 1, whose maps were computed on zero-padded"
                    + " borders; this runtime reads version " + BundleManifest.FORMAT_VERSION
                    + " only: train the model again with this version's trainer");
        }
        if (version != BundleManifest.FORMAT_VERSION) {
            throw new BundleException(where + " has unknown format version " + version + "; this runtime reads version "
                    + BundleManifest.FORMAT_VERSION + " (re-export the model with a matching exporter)");
        }
        BundleManifest m;
        try {
            m = JSON.treeToValue(tree, BundleManifest.class);
        } catch (IOException e) {
            throw new BundleException(where + " is not a valid manifest: " + e.getMessage(), e);
        }
        if (m.detector() == null
                || m.scales() == null
                || m.scales().isEmpty()
                || m.files() == null
                || m.preprocessing() == null
                || m.combination() == null) {
            throw new BundleException(where + " lacks detector, scales, combination, preprocessing or files");
        }
        for (BundleManifest.Scale s : m.scales()) {
            if (s.spec() == null || !s.spec().margin().equals(s.margin())) {
                throw new BundleException(
                        where + ": scale " + s.name() + " has margin " + s.margin() + " but its architecture needs "
                                + (s.spec() == null ? "a spec" : s.spec().margin()));
            }
            if (s.studentSpec() != null) {
                try {
                    s.studentSpec().requireStudentOf(s.spec());
                } catch (IllegalArgumentException e) {
                    throw new BundleException(where + ": " + e.getMessage());
                }
            }
        }
        if (!m.combination().hasLevelsOf(m.specs())) {
            throw new BundleException(where + ": the combination's levels "
                    + m.combination().levels() + " do not match the bundle's scales "
                    + m.specs().stream().map(NetworkSpec::name).toList());
        }
        NetworkSpec.Margin widest = m.combination()
                .levels()
                .get(m.combination().levels().size() - 1)
                .margin();
        if (widest.total()
                >= Math.min(m.preprocessing().height(), m.preprocessing().width())) {
            throw new BundleException(
                    where + ": input size " + m.preprocessing().width() + "x"
                            + m.preprocessing().height() + " is smaller than the largest receptive field");
        }
        if (!BundleManifest.RESIZE_FILTER.equals(m.resize())) {
            throw new BundleException(where + " asks for resize filter '" + m.resize() + "'; this runtime has '"
                    + BundleManifest.RESIZE_FILTER + "'");
        }
        for (String f : m.files().keySet()) {
            requireInside(path, f);
        }
        return m;
    }

    /** Largest manifest read: a real one is a few KB. */
    public static final long MAX_MANIFEST_BYTES = 1L << 20;
    /**
     * Largest file of a bundle read: the paper's full model's detector is about 150 MB; a zip
     * entry that inflates past this (a zip bomb) is refused while it is read.
     */
    public static final long MAX_FILE_BYTES = 1L << 30;

    private boolean has(String file) throws BundleException {
        requireInside(source, file);
        if (!zip) {
            return Files.isRegularFile(source.resolve(file));
        }
        try (ZipFile z = new ZipFile(source.toFile())) {
            ZipEntry e = z.getEntry(file);
            return e != null && !e.isDirectory();
        } catch (IOException e) {
            throw new BundleException(source + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private long limit(String file) {
        return file.equals(BundleManifest.FILE_NAME) || file.equals(BundleSignature.FILE_NAME)
                ? MAX_MANIFEST_BYTES
                : MAX_FILE_BYTES;
    }

    private byte[] rawRead(String file) throws BundleException {
        try {
            if (zip) {
                try (InputStream in = rawStream(file, null)) {
                    return in.readAllBytes();
                }
            }
            // A folder's file has a size: read it into an array of exactly that size.
            return Files.readAllBytes(folderFile(file));
        } catch (BundleException e) {
            throw e;
        } catch (IOException e) {
            throw new BundleException(source + ": cannot read " + file + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * A stream of one file of the bundle that refuses to give more than the file's limit, since
     * a zip entry's declared size can lie (a zip bomb) and a folder's file can grow after its size
     * was looked at; everything read or skipped goes through {@code digest} where not null.
     * Closing it closes the zip.
     */
    private Limited rawStream(String file, MessageDigest digest) throws IOException {
        long limit = limit(file);
        if (!zip) {
            return new Limited(Files.newInputStream(folderFile(file)), null, file, limit, digest);
        }
        ZipFile z = new ZipFile(source.toFile());
        try {
            requireInside(source, file);
            ZipEntry e = z.getEntry(file);
            if (e == null || e.isDirectory()) {
                throw new BundleException(source + ": missing file " + file);
            }
            if (e.getSize() > limit) {
                throw tooLarge(file, e.getSize(), limit);
            }
            return new Limited(z.getInputStream(e), z, file, limit, digest);
        } catch (IOException | RuntimeException e) {
            z.close();
            throw e;
        }
    }

    /** A folder bundle's file after the checks: inside, a regular file, not a link out, not too large. */
    private Path folderFile(String file) throws IOException {
        requireInside(source, file);
        Path root = source.toRealPath();
        Path f = source.resolve(file);
        if (!Files.isRegularFile(f)) {
            throw new BundleException(source + ": missing file " + file);
        }
        if (!f.toRealPath().startsWith(root)) {
            throw new BundleException(
                    source + ": " + file + " is a link to " + f.toRealPath() + ", outside the bundle");
        }
        long size = Files.size(f);
        if (size > limit(file)) {
            throw tooLarge(file, size, limit(file));
        }
        return f;
    }

    /** Counts (and digests) what is read or skipped, and refuses past the limit. */
    private final class Limited extends FilterInputStream {
        private final ZipFile zip;
        private final String file;
        private final long limit;
        private final MessageDigest digest;
        private long count;
        private byte[] skipBuffer;

        Limited(InputStream in, ZipFile zip, String file, long limit, MessageDigest digest) {
            super(in);
            this.zip = zip;
            this.file = file;
            this.limit = limit;
            this.digest = digest;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
                if (digest != null) {
                    digest.update((byte) b);
                }
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                counted(n);
                if (digest != null) {
                    digest.update(b, off, n);
                }
            }
            return n;
        }

        /** Reads what it skips: skipped bytes must be counted and digested too. */
        @Override
        public long skip(long n) throws IOException {
            if (skipBuffer == null) {
                skipBuffer = new byte[64 * 1024];
            }
            long skipped = 0;
            while (skipped < n) {
                int r = read(skipBuffer, 0, (int) Math.min(skipBuffer.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        boolean exceeded() {
            return count > limit;
        }

        private void counted(int n) throws BundleException {
            count += n;
            if (count > limit) {
                throw tooLarge(file, count, limit);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                if (zip != null) {
                    zip.close();
                }
            }
        }
    }

    private BundleException tooLarge(String file, long size, long limit) {
        return new BundleException(String.format(
                java.util.Locale.ROOT,
                "%s: %s is larger than the %d bytes a bundle file may hold (%d seen); refused before reading"
                        + " the rest",
                source,
                file,
                limit,
                size));
    }

    /** Refuses absolute paths, drive letters, backslashes and any {@code ..} segment. */
    static void requireInside(Path bundle, String name) throws BundleException {
        boolean bad = name.isEmpty()
                || name.startsWith("/")
                || name.contains("\\")
                || name.matches("^[A-Za-z]:.*")
                || name.contains("\0");
        for (String part : name.split("/")) {
            bad |= part.equals("..");
        }
        if (bad) {
            throw new BundleException(bundle + ": path '" + name + "' escapes the bundle (absolute or with '..')");
        }
    }

    private static void checkZipEntries(Path zipFile) throws BundleException {
        Map<String, ZipEntry> seen = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(zipFile.toFile())) {
            var entries = z.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                requireInside(
                        zipFile,
                        e.getName().endsWith("/") && e.isDirectory()
                                ? e.getName().substring(0, e.getName().length() - 1)
                                : e.getName());
                if (seen.put(e.getName(), e) != null) {
                    throw new BundleException(zipFile + ": entry '" + e.getName() + "' appears twice");
                }
            }
        } catch (BundleException e) {
            throw e;
        } catch (IOException e) {
            throw new BundleException(
                    zipFile + ": not a readable bundle folder or zip file (" + e.getMessage() + ")", e);
        } catch (IllegalArgumentException e) {
            // ZipFile decodes entry names as UTF-8 while iterating and says so unchecked; the
            // exporter writes only ASCII names, so such a zip was not written by it.
            throw new BundleException(zipFile + ": a zip entry's name is not valid UTF-8 (" + e.getMessage() + ")", e);
        }
    }
}
