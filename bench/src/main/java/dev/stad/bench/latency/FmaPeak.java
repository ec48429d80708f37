package dev.stad.bench.latency;

import java.io.IOException;
import java.util.List;

/**
 * The CPU's measured fp32 FMA rate: the ceiling no convolution can pass, next to which the
 * detector's GFLOP/s say how much of the machine it uses.
 *
 * <p>The sgemm yardstick alone cannot say that: on a 2-core AMD EPYC (Zen 5) ONNX Runtime's
 * MatMul reached 290-340 GFLOP/s while its convolutions ran at 430 and the FMA units at 440, so
 * the detector read 146% of sgemm. The probe ({@link FmaPeakProbe}) runs in a child JVM because
 * it needs the incubating Vector API, which the bench's own JVM (Maven's, under exec:java) does
 * not load.
 *
 * @param threads threads that ran the FMA chains at once
 * @param lanes fp32 lanes per vector (16 with AVX-512, 8 with AVX2)
 * @param gflops best rate over the repetitions, all threads together
 */
public record FmaPeak(int threads, int lanes, double gflops) {
    static final String TAG = "fma-peak";
    /** By name: loading the probe class here would need the Vector API in this JVM. */
    private static final String PROBE = "dev.stad.bench.latency.FmaPeakProbe";

    private static final long TIMEOUT_SECONDS = 120;

    /** Runs the probe with {@code threads} threads in a child JVM. */
    public static FmaPeak measure(int threads) throws IOException, InterruptedException {
        String out = ProbeJvm.run(
                "FMA peak probe",
                List.of("--add-modules", "jdk.incubator.vector", "-Xmx64m"),
                PROBE,
                List.of(String.valueOf(threads)),
                TIMEOUT_SECONDS);
        return parse(out);
    }

    /** The probe's last line: {@code fma-peak THREADS LANES GFLOPS}. */
    static FmaPeak parse(String output) throws IOException {
        String[] lines = output.strip().split("\n");
        String[] f = lines[lines.length - 1].trim().split(" ");
        if (f.length != 4 || !f[0].equals(TAG)) {
            throw new IOException("FMA peak probe printed no result: " + output);
        }
        try {
            return new FmaPeak(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Double.parseDouble(f[3]));
        } catch (NumberFormatException e) {
            throw new IOException("FMA peak probe printed a bad result: " + lines[lines.length - 1], e);
        }
    }
}
