package org.sparsertrl.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * The machine's peak single-thread FMA throughput, measured from Java: sixteen independent vector
 * accumulators updated in registers, no memory traffic. One benchmark operation is one vector FMA;
 * the report turns it into GFLOP/s with the vector width (2 flops per lane).
 */
public class PeakProbe extends MachineProbe {

    /** Vector FMAs per invocation: 16 chains x 1024 steps. */
    public static final int FMAS = 16 * 1024;

    private final float seed = 1.0001f;

    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(FMAS)
    public float fma() {
        // Sixteen independent chains: enough to cover a 4-cycle FMA latency on two pipes.
        FloatVector m = FloatVector.broadcast(SPECIES, 0.999f), c = FloatVector.broadcast(SPECIES, 1e-3f);
        FloatVector a0 = FloatVector.broadcast(SPECIES, seed), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f), a9 = a0.add(9f), a10 = a0.add(10f), a11 = a0.add(11f);
        FloatVector a12 = a0.add(12f), a13 = a0.add(13f), a14 = a0.add(14f), a15 = a0.add(15f);
        for (int i = 0; i < 1024; i++) {
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
            a12 = a12.fma(m, c);
            a13 = a13.fma(m, c);
            a14 = a14.fma(m, c);
            a15 = a15.fma(m, c);
        }
        FloatVector s = a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7)))
                .add(a8.add(a9).add(a10.add(a11)).add(a12.add(a13).add(a14.add(a15))));
        return s.reduceLanes(VectorOperators.ADD);
    }
}
