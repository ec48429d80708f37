package dev.stad.bench.latency;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Child-JVM side of {@link FmaPeak}: every thread runs twelve independent chains of vector FMAs
 * held in registers, so nothing but the FMA units limits the rate. Twelve: on Zen 5 eight chains
 * reached 84% of the plateau and 12 to 16 the plateau itself (about 4 cycles of latency on two
 * 512-bit pipes); more spill registers.
 */
public final class FmaPeakProbe {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 12;
    private static final double SECONDS_PER_REP = 0.3;
    private static final int REPS = 5;

    private FmaPeakProbe() {}

    /**
     * {@code iters} rounds of {@link #CHAINS} FMAs; the sum keeps the JIT from dropping the work.
     * Written out chain by chain on purpose: in an array the vectors would live in memory, not in
     * registers, and loads and stores would limit the rate instead of the FMA units.
     */
    static float chains(long iters) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f);
        FloatVector c = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (long i = 0; i < iters; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1)
                .add(a2)
                .add(a3)
                .add(a4)
                .add(a5)
                .add(a6)
                .add(a7)
                .add(a8)
                .add(a9)
                .add(a10)
                .add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    private static double flop(long iters) {
        return 2.0 * CHAINS * S.length() * iters;
    }

    /** {@code threads}: how many threads run the chains at once. Prints {@code fma-peak THREADS LANES GFLOPS}. */
    public static void main(String[] args) throws InterruptedException {
        int threads = Integer.parseInt(args[0]);
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, found " + threads);
        }
        // Warm up until the JIT has compiled the loop to vector FMAs (the interpreter is ~50x slower),
        // then size a repetition from the compiled rate.
        double rate = 0;
        for (int i = 0; i < 40; i++) {
            long t0 = System.nanoTime();
            sink += chains(200_000);
            rate = Math.max(rate, flop(200_000) / (System.nanoTime() - t0));
        }
        long iters = (long) (rate * 1e9 * SECONDS_PER_REP / flop(1));
        double best = 0;
        for (int rep = 0; rep < REPS; rep++) {
            Thread[] ts = new Thread[threads];
            float[] sums = new float[threads];
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int k = t;
                ts[t] = new Thread(() -> sums[k] = chains(iters));
                ts[t].start();
            }
            for (Thread t : ts) {
                t.join();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            for (float f : sums) {
                sink += f;
            }
            best = Math.max(best, flop(iters) * threads / seconds / 1e9);
        }
        System.out.printf(Locale.ROOT, "%s %d %d %.1f%n", FmaPeak.TAG, threads, S.length(), best);
    }

    private static volatile float sink;
}
