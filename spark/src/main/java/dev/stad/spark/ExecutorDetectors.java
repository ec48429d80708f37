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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link Detector} per executor JVM and bundle, shared by the tasks that run there at once:
 * opening one compiles the graph and warms it up (a second or more), and its native memory is the
 * bulk of an executor's, so neither is paid per task. Opened on first use, keyed by the bundle's
 * SHA-256 and the options that change the session, and closed when the JVM exits.
 */
final class ExecutorDetectors {
    private static final Map<String, Detector> OPEN = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorDetectors::closeAll, "stad-detectors-close"));
    }

    private ExecutorDetectors() {}

    /**
     * The detector for {@code settings} with {@code threads} ONNX Runtime threads, opened here the
     * first time. Concurrent callers with the same key wait for the one opening.
     *
     * @throws IllegalStateException if the bundle cannot be found or opened here, or this
     *     machine's copy is not the bundle the driver read (a different SHA-256)
     */
    static Detector get(JobSettings settings, int threads) {
        String key = settings.bundleSha256() + "|" + settings.precision() + "|" + threads + "|"
                + settings.memoryBudgetMb() + "|"
                + String.join(
                        ",",
                        settings.trustedKeys().stream().map(ModelBundle::sha256).toList());
        return OPEN.computeIfAbsent(key, k -> open(settings, threads));
    }

    private static Detector open(JobSettings settings, int threads) {
        var path = BundleLocation.resolve(settings.bundle());
        DetectorOptions options = DetectorOptions.defaults()
                .withThreads(threads)
                .withMemoryBudgetMb(settings.memoryBudgetMb())
                .withTrust(publicKeys(settings.trustedKeys()));
        if (settings.precision() != null) {
            options = options.withPrecision(settings.precision());
        }
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
        for (Detector d : OPEN.values()) {
            try {
                d.close();
            } catch (RuntimeException ignored) {
                // the JVM is exiting; the OS takes the rest
            }
        }
        OPEN.clear();
    }
}
