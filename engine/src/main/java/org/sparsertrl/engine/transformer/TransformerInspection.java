package org.sparsertrl.engine.transformer;

/**
 * A transformer's parts, for the tests that check them and the benchmarks that time them:
 * {@link OnlineTransformer#inspect()}. It is not the training API: what it runs bypasses the model's
 * argument checks, and it may change with the implementation.
 *
 * <pre>{@code
 * model.step(x, target);
 * model.inspect().attentionBackward();   // the step's backward through attention, once more
 * }</pre>
 */
public final class TransformerInspection {

    private final OnlineTransformer model;

    TransformerInspection(OnlineTransformer model) {
        this.model = model;
    }

    /**
     * Runs the last step's backward pass through attention again, every layer, over the same window and
     * activations, and allocates nothing: what the benchmarks time as "attention backward". Per layer it
     * starts from the gradient w.r.t. the heads' concatenated outputs (the input of the output projection
     * WO, kept from that step) and covers the scores, the softmax and the products with Q, K and V (dQ,
     * dK, dV, with the step's head transport), then the Q, K and V projections: dWQ, dWK, dWV and the
     * gradient w.r.t. the attention's input LN1(h). It does not cover the output projection WO, the
     * LayerNorms, the MLP or the residual stream. The gradient of WQ, WK and WV is written anew, equal to
     * what the step wrote before clipping; the rest of the gradient stays; the weights do not change.
     *
     * @throws IllegalStateException when the window changed since the last backward pass (observe,
     *                               evaluate, predict, reset), or there was none (no step yet, or a
     *                               readout-only model)
     */
    public void attentionBackward() {
        model.rerunAttentionBackward();
    }
}
