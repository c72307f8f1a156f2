package org.sparsertrl.engine.train;

/**
 * What was not finite when a trainer diverged (see {@link OnlineTrainer#divergence()}): the step
 * made no update, and further steps throw until {@link OnlineTrainer#reset()} or a restore.
 */
public enum Divergence {

    /** The loss of the step was NaN or infinite (the prediction or the target overflowed). */
    LOSS("loss"),
    /** The new hidden state held NaN or infinity (the loss may still have been finite). */
    HIDDEN_STATE("hidden state"),
    /** The gradient held NaN or infinity (an overflowing sensitivity), so no update was made. */
    GRADIENT("gradient");

    private final String quantity;

    Divergence(String quantity) {
        this.quantity = quantity;
    }

    /** {@return the quantity that was not finite, as messages name it: "loss", "hidden state" or "gradient"} */
    public String quantity() {
        return quantity;
    }

    /** {@return one line for logs and errors, e.g. {@code non-finite gradient}} */
    public String message() {
        return "non-finite " + quantity;
    }

    @Override
    public String toString() {
        return quantity;
    }
}
