package org.sparsertrl.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The machine's peak single-thread FMA throughput, measured from Java: independent vector accumulators
 * updated in registers, no memory traffic. One benchmark operation is one vector FMA; the report turns
 * it into GFLOP/s with the vector width recorded beside the results (2 flops per lane), and takes the
 * best of the chain counts as the peak.
 *
 * <p>Each chain is a GEMM's inner update, {@code acc = a * b + acc}: the accumulator is the only value
 * carried from one FMA to the next, so a chain's FMAs wait on nothing but their own latency, and
 * {@code chains} of them cover latency times the number of FMA pipes. How many that takes is the
 * machine's business (4-cycle latency on two pipes: 8), hence two counts: 12, which fits AVX2's 16
 * registers with the two operands, and 24, for deeper pipelines, which fills 26 of AVX-512's 32 (more
 * would spill). Each count is a method of its own because its accumulators must be locals the JIT can
 * keep in registers; an array of vectors would live in memory. (On the AMD EPYC this was written on, 12
 * to 24 chains ran alike outside JMH, at 205 to 226 GFLOP/s in 1 ms windows; 8 ran at 197.) The kernel is
 * a method of its own, not inlined into JMH's loop, and is run until the JIT has settled on it before
 * JMH times it ({@link SteadyState}): interpreted, it boxes every vector and runs a thousand times
 * slower, which a short warm-up iteration would average into the peak.
 */
public class PeakProbe extends MachineProbe {

    /** Vector FMAs per invocation, whatever the chain count: 24,576, a multiple of 12 and 24. */
    public static final int FMAS = 24 * 1024;

    /** Independent accumulators. */
    @Param({"12", "24"})
    public int chains;

    private float a = 1.0001f;
    private float b = 1e-3f;

    @Setup(Level.Trial)
    public void settle() {
        SteadyState.reach(this::fma, "PeakProbe, " + chains + " chains");
    }

    /** One invocation: {@value #FMAS} vector FMAs ({@code FMAS / chains} passes), so that JMH's operation count is one constant. */
    @Benchmark
    @OperationsPerInvocation(FMAS)
    public float fma() {
        return switch (chains) {
            case 12 -> chains12(a, b, FMAS / 12);
            case 24 -> chains24(a, b, FMAS / 24);
            default -> throw new IllegalStateException("chains = " + chains + " is not one of 12, 24");
        };
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    static float chains12(float x, float y, int passes) {
        FloatVector a = FloatVector.broadcast(SPECIES, x), b = FloatVector.broadcast(SPECIES, y);
        FloatVector c0 = b.mul(0f), c1 = b.mul(1f), c2 = b.mul(2f), c3 = b.mul(3f), c4 = b.mul(4f), c5 = b.mul(5f);
        FloatVector c6 = b.mul(6f), c7 = b.mul(7f), c8 = b.mul(8f), c9 = b.mul(9f), c10 = b.mul(10f), c11 = b.mul(11f);
        for (int i = 0; i < passes; i++) {
            c0 = a.fma(b, c0);
            c1 = a.fma(b, c1);
            c2 = a.fma(b, c2);
            c3 = a.fma(b, c3);
            c4 = a.fma(b, c4);
            c5 = a.fma(b, c5);
            c6 = a.fma(b, c6);
            c7 = a.fma(b, c7);
            c8 = a.fma(b, c8);
            c9 = a.fma(b, c9);
            c10 = a.fma(b, c10);
            c11 = a.fma(b, c11);
        }
        return c0.add(c1).add(c2.add(c3)).add(c4.add(c5).add(c6.add(c7))).add(c8.add(c9).add(c10.add(c11)))
                .reduceLanes(VectorOperators.ADD);
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    static float chains24(float x, float y, int passes) {
        FloatVector a = FloatVector.broadcast(SPECIES, x), b = FloatVector.broadcast(SPECIES, y);
        FloatVector c0 = b.mul(0f), c1 = b.mul(1f), c2 = b.mul(2f), c3 = b.mul(3f), c4 = b.mul(4f), c5 = b.mul(5f);
        FloatVector c6 = b.mul(6f), c7 = b.mul(7f), c8 = b.mul(8f), c9 = b.mul(9f), c10 = b.mul(10f), c11 = b.mul(11f);
        FloatVector c12 = b.mul(12f), c13 = b.mul(13f), c14 = b.mul(14f), c15 = b.mul(15f), c16 = b.mul(16f);
        FloatVector c17 = b.mul(17f), c18 = b.mul(18f), c19 = b.mul(19f), c20 = b.mul(20f), c21 = b.mul(21f);
        FloatVector c22 = b.mul(22f), c23 = b.mul(23f);
        for (int i = 0; i < passes; i++) {
            c0 = a.fma(b, c0);
            c1 = a.fma(b, c1);
            c2 = a.fma(b, c2);
            c3 = a.fma(b, c3);
            c4 = a.fma(b, c4);
            c5 = a.fma(b, c5);
            c6 = a.fma(b, c6);
            c7 = a.fma(b, c7);
            c8 = a.fma(b, c8);
            c9 = a.fma(b, c9);
            c10 = a.fma(b, c10);
            c11 = a.fma(b, c11);
            c12 = a.fma(b, c12);
            c13 = a.fma(b, c13);
            c14 = a.fma(b, c14);
            c15 = a.fma(b, c15);
            c16 = a.fma(b, c16);
            c17 = a.fma(b, c17);
            c18 = a.fma(b, c18);
            c19 = a.fma(b, c19);
            c20 = a.fma(b, c20);
            c21 = a.fma(b, c21);
            c22 = a.fma(b, c22);
            c23 = a.fma(b, c23);
        }
        return c0.add(c1).add(c2.add(c3)).add(c4.add(c5).add(c6.add(c7)))
                .add(c8.add(c9).add(c10.add(c11)).add(c12.add(c13).add(c14.add(c15))))
                .add(c16.add(c17).add(c18.add(c19)).add(c20.add(c21).add(c22.add(c23))))
                .reduceLanes(VectorOperators.ADD);
    }
}
