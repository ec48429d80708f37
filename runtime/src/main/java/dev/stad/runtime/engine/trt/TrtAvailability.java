package dev.stad.runtime.engine.trt;

import static org.bytedeco.cuda.global.cudart.cudaDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaRuntimeGetVersion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;

/**
 * Whether this machine can run TensorRT: an NVIDIA driver, a CUDA device, the CUDA runtime and
 * the TensorRT libraries, found once per process. JavaCPP reports a missing native library as an
 * {@link UnsatisfiedLinkError} the first time and as a bare {@link NoClassDefFoundError} on every
 * later touch, so the first answer, with its reason in words, is kept.
 */
public final class TrtAvailability {
    private static final Pattern MISSING_LIBRARY =
            Pattern.compile("(lib[\\w.+-]+?\\.so[\\w.]*): cannot open shared object file");
    private static final Path DRIVER = Path.of("/proc/driver/nvidia/version");
    private static Status status;
    private static Status libraries;

    private TrtAvailability() {}

    /**
     * What the probe found.
     *
     * @param problem why TensorRT cannot run here, in one line; null when it can
     * @param tensorRt the TensorRT library version, when it loaded
     * @param cuda the CUDA runtime and driver versions, when they loaded
     */
    public record Status(String problem, String tensorRt, String cuda) {
        public boolean available() {
            return problem == null;
        }
    }

    /** Probes once; later calls return the same answer. */
    public static synchronized Status status() {
        if (status == null) {
            status = probe();
        }
        return status;
    }

    private static Status probe() {
        if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
                && !Files.exists(DRIVER)) {
            // No kernel driver: nothing to load, and the libraries need not be unpacked to learn it.
            return new Status(
                    "no NVIDIA driver on this machine (" + DRIVER + " does not exist); TensorRT needs an NVIDIA"
                            + " GPU and its driver, version 580 or newer for CUDA 13",
                    null,
                    null);
        }
        return probeLibraries();
    }

    /**
     * Loads CUDA and TensorRT through JavaCPP and asks the driver for devices; once per process,
     * as a failed load cannot be retried.
     */
    static synchronized Status probeLibraries() {
        if (libraries == null) {
            libraries = loadLibraries();
        }
        return libraries;
    }

    private static Status loadLibraries() {
        String cuda = null;
        try {
            Loader.load(org.bytedeco.cuda.global.cudart.class);
            int[] driver = {0};
            int[] runtime = {0};
            cudaDriverGetVersion(driver);
            cudaRuntimeGetVersion(runtime);
            cuda = "runtime " + cudaVersion(runtime[0]) + ", driver " + cudaVersion(driver[0]);
            if (driver[0] == 0) {
                return new Status("no NVIDIA driver is loaded on this machine", null, cuda);
            }
            int[] count = {0};
            int code = cudaGetDeviceCount(count);
            if (code != 0) {
                return new Status(
                        "no usable CUDA device (" + Cuda.errorText(code) + "; driver supports CUDA "
                                + cudaVersion(driver[0]) + ", the runtime needs " + cudaVersion(runtime[0]) + ")",
                        null,
                        cuda);
            }
            if (count[0] == 0) {
                return new Status("the NVIDIA driver reports no CUDA device", null, cuda);
            }
            Loader.load(org.bytedeco.tensorrt.global.nvinfer.class);
            Loader.load(org.bytedeco.tensorrt.global.nvonnxparser.class);
            int v = org.bytedeco.tensorrt.global.nvinfer.getInferLibVersion();
            return new Status(null, tensorRtVersion(v), cuda);
        } catch (LinkageError e) {
            return new Status(explain(e), null, cuda);
        }
    }

    /** {@code 13010} as {@code 13.1}. */
    static String cudaVersion(int v) {
        return v == 0 ? "none" : (v / 1000) + "." + (v % 1000) / 10;
    }

    /** {@code 101501} (major*10000 + minor*100 + patch) as {@code 10.15.1}. */
    static String tensorRtVersion(int v) {
        return (v / 10000) + "." + (v / 100) % 100 + "." + v % 100;
    }

    /**
     * What a failure to load the native libraries means for the user, in one line, from the
     * messages along the cause chain (the real cause is often two levels down).
     */
    static String explain(Throwable failure) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = failure; t != null && messages.size() < 10; t = t.getCause()) {
            if (t.getMessage() != null) {
                messages.add(t.getMessage());
            }
            if (t instanceof NoClassDefFoundError
                    && t.getMessage() != null
                    && t.getMessage().startsWith("org/bytedeco")) {
                return "this runtime.jar was built without the TensorRT classes (" + t.getMessage() + " is missing)";
            }
        }
        for (String m : messages) {
            Matcher lib = MISSING_LIBRARY.matcher(m);
            if (!lib.find()) {
                continue;
            }
            String name = lib.group(1);
            if (name.startsWith("libcuda.so") || name.startsWith("libnvidia")) {
                return "no NVIDIA driver on this machine (" + name + " not found); TensorRT needs an NVIDIA GPU"
                        + " and its driver, version 580 or newer for CUDA 13";
            }
            if (name.startsWith("libnvinfer") || name.startsWith("libnvonnxparser")) {
                return "TensorRT 10 is not installed (" + name + " not found); build runtime.jar with"
                        + " `mvn -Ptrt package`, which bundles it, or install TensorRT 10.15 for CUDA 13";
            }
            return "the CUDA 13 runtime is not installed (" + name + " not found); build runtime.jar with"
                    + " `mvn -Ptrt package`, which bundles it, or install the CUDA 13 toolkit";
        }
        String first = messages.isEmpty() ? failure.toString() : messages.get(messages.size() - 1);
        return "TensorRT's native libraries cannot be loaded ("
                + first.lines().findFirst().orElse(first).strip() + ")";
    }
}
