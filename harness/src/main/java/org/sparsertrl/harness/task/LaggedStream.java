package org.sparsertrl.harness.task;

/**
 * What the two memory tasks, {@link DelayStream} and {@link ProductStream}, share: one i.i.d. input a
 * step, and one target that reads past inputs through a lag D switching from {@code lagBefore} to
 * {@code lagAfter} at step {@code shiftAt}. The two differ only in the target their {@link #next} writes.
 */
public abstract sealed class LaggedStream implements Stream permits DelayStream, ProductStream {

    /** The longest lag: a ring of 10,000 floats, and far beyond the memory any studied network has. */
    public static final int MAX_LAG = LaggedInputs.MAX_LAG;

    /** The inputs so far and the current lag; {@link #next} reads the target from it, then advances it. */
    final LaggedInputs inputs;

    LaggedStream(int lagBefore, int lagAfter, long shiftAt, InputDistribution distribution, long seed) {
        this.inputs = new LaggedInputs(lagBefore, lagAfter, shiftAt, distribution, seed);
    }

    /** The lag D used by the target of step {@code t} (steps count from 0). */
    public int lagAt(long t) {
        return inputs.lagAt(t);
    }
}
