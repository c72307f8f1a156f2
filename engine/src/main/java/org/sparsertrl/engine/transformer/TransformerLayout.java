package org.sparsertrl.engine.transformer;

import java.util.ArrayList;
import java.util.List;

import org.sparsertrl.engine.memory.ModelMemory;

/**
 * Where each parameter tensor of an {@link OnlineTransformer} lives in its parameter slab (and, with
 * the same offsets, in its gradient slab). Every linear map is stored input-major, {@code W[in, out]}
 * with {@code y = x W}, each row padded to whole vectors; padding is not a parameter and stays zero.
 *
 * <p>Slab order: the embedding ({@code W_IN}, {@code B_IN}, {@code POSITION}), then per layer
 * {@code LN1_GAIN, LN1_BIAS, WQ, WK, WV, WO, BO, LN2_GAIN, LN2_BIAS, W1, B1, W2, B2}, then
 * {@code LNF_GAIN, LNF_BIAS, WR, BR} (the readout).
 */
public final class TransformerLayout {

    /** The parameter tensors. Per-layer kinds exist once per layer. */
    public enum Kind {
        /** Input embedding, (m, dModel). */
        W_IN,
        /** Input embedding bias, (1, dModel). */
        B_IN,
        /** Position embedding by age (0 the newest step), (T, dModel). */
        POSITION,
        /** Gain of the LayerNorm before attention, (1, dModel). */
        LN1_GAIN,
        /** Bias of the LayerNorm before attention, (1, dModel). */
        LN1_BIAS,
        /** Query projection of every head, (dModel, dModel). */
        WQ,
        /** Key projection of every head, (dModel, dModel). */
        WK,
        /** Value projection of every head, (dModel, dModel). */
        WV,
        /** Attention output projection, (dModel, dModel). */
        WO,
        /** Attention output bias, (1, dModel). */
        BO,
        /** Gain of the LayerNorm before the MLP, (1, dModel). */
        LN2_GAIN,
        /** Bias of the LayerNorm before the MLP, (1, dModel). */
        LN2_BIAS,
        /** MLP input weights, (dModel, hidden). */
        W1,
        /** MLP hidden bias, (1, hidden). */
        B1,
        /** MLP output weights, (hidden, dModel). */
        W2,
        /** MLP output bias, (1, dModel). */
        B2,
        /** Gain of the final LayerNorm, (1, dModel). */
        LNF_GAIN,
        /** Bias of the final LayerNorm, (1, dModel). */
        LNF_BIAS,
        /** Readout weights, (dModel, outputs). */
        WR,
        /** Readout bias, (1, outputs). */
        BR;

        /** {@return true for the kinds that exist once per layer} */
        public boolean perLayer() {
            return ordinal() >= LN1_GAIN.ordinal() && ordinal() <= B2.ordinal();
        }
    }

    /**
     * One tensor: {@code rows x cols} values, row {@code r} starting at {@code offset + r * stride}.
     *
     * @param kind   which tensor
     * @param layer  its layer; 0 for the kinds that are not per layer
     * @param offset slab index of its first element
     * @param rows   rows (the input side of a linear map)
     * @param cols   values per row, padding excluded
     * @param stride floats from one row to the next: {@code cols} padded to whole vectors
     */
    public record Tensor(Kind kind, int layer, long offset, int rows, int cols, int stride) {

        /**
         * {@return the slab index of element {@code (r, c)}}
         *
         * @param r the row, in [0, rows) (not checked)
         * @param c the column, in [0, cols) (not checked)
         */
        public int index(int r, int c) {
            return (int) (offset + (long) r * stride + c);
        }
    }

    private final int inputs;
    private final int outputs;
    private final int dModel;
    private final int heads;
    private final int layers;
    private final int context;
    private final int hidden;
    private final List<Tensor> tensors = new ArrayList<>();
    private final Tensor[][] byKind;
    private final int size;

    /**
     * @param inputs  m, inputs per step
     * @param outputs o, targets per step
     * @param dModel  width of the residual stream
     * @param heads   attention heads per layer (dividing dModel)
     * @param layers  blocks of attention and MLP
     * @param context T, the window of steps attended over
     * @param hidden  width of each MLP's hidden layer
     */
    TransformerLayout(int inputs, int outputs, int dModel, int heads, int layers, int context, int hidden) {
        this.inputs = inputs;
        this.outputs = outputs;
        this.dModel = dModel;
        this.heads = heads;
        this.layers = layers;
        this.context = context;
        this.hidden = hidden;
        this.byKind = new Tensor[Kind.values().length][layers];
        long at = 0;
        at = add(Kind.W_IN, 0, inputs, dModel, at);
        at = add(Kind.B_IN, 0, 1, dModel, at);
        at = add(Kind.POSITION, 0, context, dModel, at);
        for (int l = 0; l < layers; l++) {
            at = add(Kind.LN1_GAIN, l, 1, dModel, at);
            at = add(Kind.LN1_BIAS, l, 1, dModel, at);
            at = add(Kind.WQ, l, dModel, dModel, at);
            at = add(Kind.WK, l, dModel, dModel, at);
            at = add(Kind.WV, l, dModel, dModel, at);
            at = add(Kind.WO, l, dModel, dModel, at);
            at = add(Kind.BO, l, 1, dModel, at);
            at = add(Kind.LN2_GAIN, l, 1, dModel, at);
            at = add(Kind.LN2_BIAS, l, 1, dModel, at);
            at = add(Kind.W1, l, dModel, hidden, at);
            at = add(Kind.B1, l, 1, hidden, at);
            at = add(Kind.W2, l, hidden, dModel, at);
            at = add(Kind.B2, l, 1, dModel, at);
        }
        at = add(Kind.LNF_GAIN, 0, 1, dModel, at);
        at = add(Kind.LNF_BIAS, 0, 1, dModel, at);
        at = add(Kind.WR, 0, dModel, outputs, at);
        at = add(Kind.BR, 0, 1, outputs, at);
        if (at > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dModel = " + dModel + ": the parameter slab of " + at + " floats is too large");
        }
        this.size = (int) at;
    }

    private long add(Kind kind, int layer, int rows, int cols, long at) {
        Tensor t = new Tensor(kind, layer, at, rows, cols, ModelMemory.padded(cols));
        tensors.add(t);
        byKind[kind.ordinal()][layer] = t;
        return at + (long) rows * t.stride();
    }

    /**
     * {@return the tensor of {@code kind} in {@code layer}}
     *
     * @param kind  which tensor
     * @param layer in [0, layers) for a per-layer kind, 0 for the others
     * @throws IllegalArgumentException naming {@code layer} when it is out of that range
     */
    public Tensor tensor(Kind kind, int layer) {
        if (layer < 0 || layer >= (kind.perLayer() ? layers : 1)) {
            throw new IllegalArgumentException("layer = " + layer + " is out of range for " + kind);
        }
        return byKind[kind.ordinal()][layer];
    }

    /** {@return every tensor in slab order (a copy)} */
    public List<Tensor> tensors() {
        return List.copyOf(tensors);
    }

    /** {@return the floats in the slab, padding included} */
    public int size() {
        return size;
    }

    /**
     * {@return true when slab index {@code index} holds a parameter (not padding)}
     *
     * @param index a slab index; one outside the slab is not a parameter
     */
    public boolean isParameter(int index) {
        for (Tensor t : tensors) {
            long rel = index - t.offset();
            if (rel >= 0 && rel < (long) t.rows() * t.stride()) {
                return rel % t.stride() < t.cols();
            }
        }
        return false;
    }

    /** {@return the number of parameters, padding excluded} */
    public long parameterCount() {
        long count = 0;
        for (Tensor t : tensors) {
            count += (long) t.rows() * t.cols();
        }
        return count;
    }

    /** {@return m, the inputs per step} */
    public int inputs() {
        return inputs;
    }

    /** {@return o, the targets per step} */
    public int outputs() {
        return outputs;
    }

    /** {@return the width of the residual stream} */
    public int dModel() {
        return dModel;
    }

    /** {@return H, the attention heads per layer} */
    public int heads() {
        return heads;
    }

    /** {@return the width of one head, dModel / heads} */
    public int headDim() {
        return dModel / heads;
    }

    /** {@return L, the blocks of attention and MLP} */
    public int layers() {
        return layers;
    }

    /** {@return T, the window of steps attended over} */
    public int context() {
        return context;
    }

    /** {@return the width of each MLP's hidden layer} */
    public int hidden() {
        return hidden;
    }
}
