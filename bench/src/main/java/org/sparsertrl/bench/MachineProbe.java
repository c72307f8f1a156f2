package org.sparsertrl.bench;

import java.util.concurrent.TimeUnit;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the machine probes ({@link PeakProbe}, {@link BandwidthProbe}) share: they count operations per
 * second, three warm-up and five measured iterations of one second (state and fork as in
 * {@link StepTiming}), and run their vector loops at the preferred vector width, whatever the
 * kernels in use: they measure the machine, not the engine.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class MachineProbe extends StepTiming {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
}
