package org.sparsertrl.harness.task;

/**
 * The product task, a memory task with a multiplicative target: the input {@code x_t} is drawn i.i.d.
 * from an {@link InputDistribution}, and the target is
 * <pre>
 *   y_t = 2 x_{t-1} x_{t-D}
 * </pre>
 * with the lag {@code D = lagBefore} before step {@code shiftAt} and {@code lagAfter} from it on (the
 * regime shift of the adaptation studies). Inputs before the first one count as 0, so the first
 * {@code D} targets are 0. With {@code D = 1} the target is {@code 2 x_{t-1}^2}.
 *
 * <p>Why this task and {@link DelayStream} both exist. A task whose target is a short linear function
 * of recent inputs (the sine) is solved by the readout alone and cannot separate learners. The delay
 * task {@code y_t = x_{t-D}} needs memory, but once the network holds {@code x_{t-D}} its target is
 * linear: it measures how far back a learner carries information. The product task needs the same
 * memory and, on top, an interaction of two inputs that no linear function of the inputs can express:
 * the inputs are independent and symmetric about 0, so {@code E[y_t x_{t-j}] = 0} for every {@code j}
 * and a least-squares fit of {@code y_t} on the last few inputs explains none of its variance (the
 * tests check that it leaves over 90 % of it, while the same fit solves the delay task exactly). For
 * {@code D >= 2} the target has mean 0 and variance {@code 4 sigma^4} (4/9 for uniform inputs, 4 for
 * Gaussian ones).
 *
 * <pre>{@code
 * Stream task = new ProductStream(3, 7, 5_000, InputDistribution.UNIFORM, 42);
 * float[] x = new float[1], y = new float[1];
 * for (int t = 0; t < 10_000; t++) {
 *     task.next(x, y);   // y[0] = 2 x_{t-1} x_{t-3} until step 5,000, then 2 x_{t-1} x_{t-7}
 * }
 * }</pre>
 *
 * <p>Keeps the last {@code max(lagBefore, lagAfter)} inputs in a ring; {@link #next} allocates nothing.
 */
public final class ProductStream extends LaggedStream {

    /**
     * @param lagBefore    D before the shift, in [1, {@value LaggedStream#MAX_LAG}]
     * @param lagAfter     D from step {@code shiftAt} on, in [1, {@value LaggedStream#MAX_LAG}]
     * @param shiftAt      the first step with lag {@code lagAfter} (Long.MAX_VALUE: never)
     * @param distribution the law of the inputs
     * @param seed         seed of the inputs
     * @throws IllegalArgumentException naming the argument and its value when one is out of range
     */
    public ProductStream(int lagBefore, int lagAfter, long shiftAt, InputDistribution distribution, long seed) {
        super(lagBefore, lagAfter, shiftAt, distribution, seed);
    }

    /**
     * Writes {@code x_t} and {@code y_t = 2 x_{t-1} x_{t-D}}. The product is taken of the float inputs
     * as written, in float arithmetic (a single rounding of the exact product), so a caller that
     * records the inputs can recompute every target exactly.
     */
    @Override
    public void next(float[] input, float[] target) {
        target[0] = 2f * inputs.past(1) * inputs.past(inputs.lag());
        input[0] = inputs.advance();
    }
}
