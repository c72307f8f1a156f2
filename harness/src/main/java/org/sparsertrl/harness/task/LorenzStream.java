package org.sparsertrl.harness.task;

import java.util.SplittableRandom;

/**
 * One-step-ahead prediction of the Lorenz-63 system, integrated with classical fourth-order
 * Runge-Kutta. The input is the scaled state at time t, the target the scaled state one sample later.
 * <pre>
 *   dx/dt = sigma (y - x)      dy/dt = x (rho - z) - y      dz/dt = x y - beta z
 * </pre>
 * Our choices (the paper gives none): RK4 step {@code dt}, {@code substeps} RK4 steps per sample, a
 * seeded start near (1, 1, 1) followed by {@code burnIn} samples to settle onto the attractor, and
 * the fixed scaling {@code (x / 20, y / 20, (z - 25) / 20)} that brings the classic attractor into
 * roughly [-1, 1]. At step {@code shiftAt} the parameters change from {@code before} to {@code after}.
 */
public final class LorenzStream implements Stream {

    /** Parameters of the Lorenz system. */
    public record Parameters(double sigma, double rho, double beta) {
        /** The classic chaotic regime: sigma 10, rho 28, beta 8/3. */
        public static Parameters classic() {
            return new Parameters(10, 28, 8.0 / 3.0);
        }

        @Override
        public String toString() {
            return String.format("sigma=%s, rho=%s, beta=%.4g", sigma, rho, beta);
        }
    }

    /** Scale of the inputs and targets: x / SCALE, y / SCALE, (z - Z_CENTER) / SCALE. */
    public static final double SCALE = 20;
    public static final double Z_CENTER = 25;

    private final Parameters before;
    private final Parameters after;
    private final long shiftAt;
    private final double dt;
    private final int substeps;
    private final double[] state = new double[3];
    private final double[] k1 = new double[3], k2 = new double[3], k3 = new double[3], k4 = new double[3], tmp = new double[3];
    private long step;

    public LorenzStream(Parameters before, Parameters after, long shiftAt, double dt, int substeps, int burnIn, long seed) {
        if (!(dt > 0) || substeps < 1 || burnIn < 0 || shiftAt < 0) {
            throw new IllegalArgumentException("dt = " + dt + ", substeps = " + substeps + ", burnIn = " + burnIn
                    + ", shiftAt = " + shiftAt + ": need dt > 0, substeps >= 1, burnIn >= 0, shiftAt >= 0");
        }
        this.before = before;
        this.after = after;
        this.shiftAt = shiftAt;
        this.dt = dt;
        this.substeps = substeps;
        SplittableRandom random = new SplittableRandom(seed);
        state[0] = 1 + random.nextDouble(-0.5, 0.5);
        state[1] = 1 + random.nextDouble(-0.5, 0.5);
        state[2] = 1 + random.nextDouble(-0.5, 0.5);
        for (int i = 0; i < burnIn; i++) {
            advance(before);
        }
    }

    /** The unscaled state (x, y, z). */
    public double[] state() {
        return state.clone();
    }

    @Override
    public int inputs() {
        return 3;
    }

    @Override
    public int outputs() {
        return 3;
    }

    @Override
    public void next(float[] input, float[] target) {
        scaled(input);
        advance(step < shiftAt ? before : after);
        scaled(target);
        step++;
    }

    private void scaled(float[] out) {
        out[0] = (float) (state[0] / SCALE);
        out[1] = (float) (state[1] / SCALE);
        out[2] = (float) ((state[2] - Z_CENTER) / SCALE);
    }

    private void advance(Parameters p) {
        for (int s = 0; s < substeps; s++) {
            derivative(p, state, k1);
            offset(state, k1, dt / 2, tmp);
            derivative(p, tmp, k2);
            offset(state, k2, dt / 2, tmp);
            derivative(p, tmp, k3);
            offset(state, k3, dt, tmp);
            derivative(p, tmp, k4);
            for (int i = 0; i < 3; i++) {
                state[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
            }
        }
    }

    private static void offset(double[] base, double[] slope, double h, double[] out) {
        for (int i = 0; i < 3; i++) {
            out[i] = base[i] + h * slope[i];
        }
    }

    private static void derivative(Parameters p, double[] s, double[] out) {
        out[0] = p.sigma * (s[1] - s[0]);
        out[1] = s[0] * (p.rho - s[2]) - s[1];
        out[2] = s[0] * s[1] - p.beta * s[2];
    }
}
