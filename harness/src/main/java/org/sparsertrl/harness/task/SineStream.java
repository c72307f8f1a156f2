package org.sparsertrl.harness.task;

import org.sparsertrl.engine.Arguments;

/**
 * One-step-ahead prediction of a sine: the input is {@code sin(phase_t)}, the target the next value
 * {@code sin(phase_{t+1})}, with {@code phase_{t+1} = phase_t + omega}. The frequency can change at a
 * given step (the regime shift of the adaptation studies); the phase stays continuous across the
 * shift, so the only thing that changes is the frequency.
 */
public final class SineStream implements Stream {

    private final double before;
    private final double after;
    private final long shiftAt;
    private double phase;
    private long step;

    /**
     * @param omega   angular step (radians per step) before the shift
     * @param omegaAfter angular step from step {@code shiftAt} on
     * @param shiftAt the step at which the frequency changes (Long.MAX_VALUE: never)
     * @param phase   initial phase
     */
    public SineStream(double omega, double omegaAfter, long shiftAt, double phase) {
        Arguments.requirePositive("omega", (float) omega);
        Arguments.requirePositive("omegaAfter", (float) omegaAfter);
        if (shiftAt < 0) {
            throw new IllegalArgumentException("shiftAt = " + shiftAt + " must be >= 0");
        }
        this.before = omega;
        this.after = omegaAfter;
        this.shiftAt = shiftAt;
        this.phase = phase;
    }

    /** A sine of constant frequency. */
    public static SineStream constant(double omega, double phase) {
        return new SineStream(omega, omega, Long.MAX_VALUE, phase);
    }

    /** The angular step used by step {@code t}. */
    public double omegaAt(long t) {
        return t < shiftAt ? before : after;
    }

    @Override
    public void next(float[] input, float[] target) {
        double next = phase + omegaAt(step);
        input[0] = (float) Math.sin(phase);
        target[0] = (float) Math.sin(next);
        phase = next;
        step++;
    }
}
