package dev.stad.spark;

import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.engine.EngineException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * One {@link Detector} per executor JVM and bundle, shared by the tasks that run there at once:
 * opening one compiles the graph and warms it up (a second or more), and its native memory is the
 * bulk of an executor's, so neither is paid per task. Opened on first use, keyed by the bundle's
 * SHA-256 and the options that change the session.
 *
 * <p>A task holds a {@link Lease} while it scores. Detectors nobody holds stay open for the next
 * task, up to {@link #MAX_OPEN} of them (an executor that serves jobs with several bundles, as a
 * long-lived session can, does not keep every one): beyond that the least recently used idle one
 * is closed. The rest close when the JVM exits.
 */
final class ExecutorDetectors {
    /** Detectors kept open per JVM, idle or not, unless more are in use at once. */
    static final int MAX_OPEN = 2;

    /** In access order: the first idle entry is the least recently used. Guarded by itself. */
    private static final LinkedHashMap<String, Entry> OPEN = new LinkedHashMap<>(8, 0.75f, true);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorDetectors::closeAll, "stad-detectors-close"));
    }

    private ExecutorDetectors() {}

    private static final class Entry {
        /** Set once, under the entry's own lock, by the first task that needs it. */
        private volatile Detector detector;
        /** Tasks holding a lease; guarded by {@link #OPEN}. */
        private int users;
    }

    /** A task's use of a detector; closing it lets the detector be closed when it is idle and old. */
    static final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean released;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        Detector detector() {
            return entry.detector;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                release(entry);
            }
        }
    }

    /**
     * The detector for {@code settings} with {@code threads} ONNX Runtime threads, opened here the
     * first time. Concurrent callers with the same key wait for the one opening.
     *
     * @throws IllegalStateException if the bundle cannot be found or opened here, or this
     *     machine's copy is not the bundle the driver read (a different SHA-256)
     */
    static Lease acquire(JobSettings settings, int threads) {
        String key = settings.bundleSha256() + "|" + settings.precision() + "|" + threads + "|"
                + settings.memoryBudgetMb() + "|"
                + String.join(
                        ",",
                        settings.trustedKeys().stream().map(ModelBundle::sha256).toList());
        Entry entry;
        synchronized (OPEN) {
            entry = OPEN.computeIfAbsent(key, k -> new Entry());
            entry.users++;
        }
        try {
            synchronized (entry) {
                if (entry.detector == null) {
                    entry.detector = open(settings, threads);
                }
            }
        } catch (RuntimeException | Error e) {
            // An Error too (a native library that fails to load): a user count left behind
            // would pin the entry for the life of the executor.
            release(entry);
            throw e;
        }
        Lease lease = new Lease(entry);
        evictIdle();
        return lease;
    }

    /** Detectors open in this JVM now, in use or idle. */
    static int openCount() {
        synchronized (OPEN) {
            return (int) OPEN.values().stream().filter(e -> e.detector != null).count();
        }
    }

    private static void release(Entry entry) {
        synchronized (OPEN) {
            entry.users--;
            if (entry.users == 0 && entry.detector == null) {
                // Its opening failed: the next task tries again from scratch.
                OPEN.values().remove(entry);
            }
        }
        evictIdle();
    }

    private static void evictIdle() {
        List<Detector> close = new ArrayList<>();
        synchronized (OPEN) {
            Iterator<Entry> it = OPEN.values().iterator();
            int open = OPEN.size();
            while (open > MAX_OPEN && it.hasNext()) {
                Entry e = it.next();
                if (e.users == 0 && e.detector != null) {
                    close.add(e.detector);
                    it.remove();
                    open--;
                }
            }
        }
        for (Detector d : close) {
            try {
                d.close();
            } catch (RuntimeException e) {
                // Nobody uses it any more; a failing close must not fail the task that evicts it.
            }
        }
    }

    private static Detector open(JobSettings settings, int threads) {
        var path = BundleLocation.resolve(settings.bundle());
        DetectorOptions options = DetectorOptions.defaults()
                .withThreads(threads)
                .withMemoryBudgetMb(settings.memoryBudgetMb())
                .withTrust(publicKeys(settings.trustedKeys()))
                .withPrecision(settings.precision());
        Detector detector;
        try {
            detector = Detector.open(path, options);
        } catch (BundleException | EngineException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        if (!detector.bundleSha256().equals(settings.bundleSha256())) {
            String found = detector.bundleSha256();
            detector.close();
            throw new IllegalStateException(path + ": this executor's copy of the bundle has SHA-256 " + found
                    + ", the driver's " + settings.bundleSha256() + "; every executor must see the same bundle");
        }
        return detector;
    }

    private static List<PublicKey> publicKeys(List<byte[]> encoded) {
        List<PublicKey> keys = new ArrayList<>(encoded.size());
        try {
            KeyFactory factory = KeyFactory.getInstance("Ed25519");
            for (byte[] e : encoded) {
                keys.add(factory.generatePublic(new X509EncodedKeySpec(e)));
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot rebuild a trusted public key on this executor: " + e, e);
        }
        return keys;
    }

    private static void closeAll() {
        List<Entry> all;
        synchronized (OPEN) {
            all = new ArrayList<>(OPEN.values());
            OPEN.clear();
        }
        for (Entry e : all) {
            try {
                if (e.detector != null) {
                    e.detector.close();
                }
            } catch (RuntimeException ignored) {
                // the JVM is exiting; the OS takes the rest
            }
        }
    }
}
