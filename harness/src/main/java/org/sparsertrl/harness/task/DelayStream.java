package org.sparsertrl.harness.task;

/**
 * The delay task, a memory task with a linear target: the input {@code x_t} is drawn i.i.d. from an
 * {@link InputDistribution}, and the target is the input {@code D} steps back,
 * <pre>
 *   y_t = x_{t-D}
 * </pre>
 * with {@code D = lagBefore} before step {@code shiftAt} and {@code lagAfter} from it on (the regime
 * shift of the adaptation studies). Inputs before the first one count as 0, so the first {@code D}
 * targets are 0.
 *
 * <p>Why this task and {@link ProductStream} both exist. The delay task isolates memory: the target
 * is a linear function of one past input (a least-squares fit on the last {@code D + 1} inputs solves
 * it exactly, which the tests check), so a learner succeeds as soon as it carries {@code x_{t-D}} in
 * the network's state to the readout. The product task {@code 2 x_{t-1} x_{t-D}} needs the same
 * memory and a multiplicative interaction no linear function of the inputs expresses. A learner that
 * does well on this task and badly on the product lacks the interaction, not the memory.
 *
 * <pre>{@code
 * Stream task = new DelayStream(3, 7, 5_000, InputDistribution.GAUSSIAN, 42);
 * float[] x = new float[1], y = new float[1];
 * for (int t = 0; t < 10_000; t++) {
 *     task.next(x, y);   // y[0] = x_{t-3} until step 5,000, then x_{t-7}
 * }
 * }</pre>
 *
 * <p>Keeps the last {@code max(lagBefore, lagAfter)} inputs in a ring; {@link #next} allocates nothing.
 */
public final class DelayStream extends LaggedStream {

    /**
     * @param lagBefore    D before the shift, in [1, {@value LaggedStream#MAX_LAG}]
     * @param lagAfter     D from step {@code shiftAt} on, in [1, {@value LaggedStream#MAX_LAG}]
     * @param shiftAt      the first step with lag {@code lagAfter} (Long.MAX_VALUE: never)
     * @param distribution the law of the inputs
     * @param seed         seed of the inputs
     * @throws IllegalArgumentException naming the argument and its value when one is out of range
     */
    public DelayStream(int lagBefore, int lagAfter, long shiftAt, InputDistribution distribution, long seed) {
        super(lagBefore, lagAfter, shiftAt, distribution, seed);
    }

    /** Writes {@code x_t} and {@code y_t = x_{t-D}}, the float input of step {@code t - D} unchanged. */
    @Override
    public void next(float[] input, float[] target) {
        target[0] = inputs.past(inputs.lag());
        input[0] = inputs.advance();
    }
}
