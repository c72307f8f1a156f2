package org.sparsertrl.engine.cell;

import org.sparsertrl.engine.Arguments;
import org.sparsertrl.engine.memory.ModelMemory;

/**
 * Where each parameter of a recurrent network lives in the parameter slab, computed once.
 *
 * <p>One slab holds every parameter group as its own padded array (struct of arrays). A cell with
 * G gates ({@link CellKind#gates()}: 1 for the vanilla cell, 3 for the GRU, 4 for the LSTM) has
 * R = G n pre-activation rows; row {@code a = g n + i} belongs to gate g of unit i.
 * <pre>
 *   W  (R, nPad)  recurrent weights, row a = inputs of row a        offset wOffset = 0
 *   U  (R, mPad)  input weights                                     offset uOffset
 *   b  (RPad)     recurrent bias                                    offset bOffset
 *   V  (o, nPad)  readout weights                                   offset vOffset
 *   c  (oPad)     readout bias                                      offset cOffset
 * </pre>
 * Every row is padded to 16 floats; padding is zero and stays zero. The recurrent part
 * {@code [0, recurrentSize)} is the parameter vector theta of the RTRL equations: a row of the
 * sensitivity matrix J and the recurrent gradient use the same offsets, so one index names a
 * parameter, its gradient and its column of J. Gradients and optimizer moments have this layout too.
 */
public final class RnnLayout {

    /** Largest n, m or o. */
    public static final int MAX_DIMENSION = 16_384;

    private final int n;
    private final int m;
    private final int o;
    private final int gates;
    private final int rows;
    private final int nPad;
    private final int mPad;
    private final int oPad;
    private final int uOffset;
    private final int bOffset;
    private final int vOffset;
    private final int cOffset;
    private final int size;

    /**
     * The layout of a vanilla cell (one gate).
     *
     * @param n hidden units, in [1, MAX_DIMENSION]
     * @param m inputs, in [1, MAX_DIMENSION]
     * @param o outputs, in [1, MAX_DIMENSION]
     */
    public RnnLayout(int n, int m, int o) {
        this(n, m, o, 1);
    }

    /**
     * The layout of a cell with {@code gates} pre-activation rows per unit.
     *
     * @param n     hidden units, in [1, MAX_DIMENSION]
     * @param m     inputs, in [1, MAX_DIMENSION]
     * @param o     outputs, in [1, MAX_DIMENSION]
     * @param gates pre-activation rows per unit, in [1, 4]
     */
    public RnnLayout(int n, int m, int o, int gates) {
        // The slab is indexed with ints; 16384 keeps n (n + m) + o n below 2^31 with room for padding.
        Arguments.requireInRange("n", n, 1, MAX_DIMENSION);
        Arguments.requireInRange("m", m, 1, MAX_DIMENSION);
        Arguments.requireInRange("o", o, 1, MAX_DIMENSION);
        Arguments.requireInRange("gates", gates, 1, 4);
        // With gates the slab grows G-fold: keep it indexable with ints.
        if ((long) gates * n * (ModelMemory.padded(n) + ModelMemory.padded(m) + 1) + (long) o * ModelMemory.padded(n)
                > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("n = " + n + ", m = " + m + " with " + gates
                    + " gates makes a parameter slab too large to index");
        }
        this.n = n;
        this.m = m;
        this.o = o;
        this.gates = gates;
        this.rows = gates * n;
        this.nPad = ModelMemory.padded(n);
        this.mPad = ModelMemory.padded(m);
        this.oPad = ModelMemory.padded(o);
        this.uOffset = rows * nPad;
        this.bOffset = uOffset + rows * mPad;
        this.vOffset = bOffset + ModelMemory.padded(rows);
        this.cOffset = vOffset + o * nPad;
        this.size = cOffset + oPad;
    }

    /** {@return hidden units n} */
    public int n() {
        return n;
    }

    /** {@return inputs m} */
    public int m() {
        return m;
    }

    /** {@return outputs o} */
    public int o() {
        return o;
    }

    /** {@return pre-activation rows per unit: 1 (vanilla), 3 (GRU) or 4 (LSTM)} */
    public int gates() {
        return gates;
    }

    /** {@return pre-activation rows R = gates n: the rows of W and U, the length of b} */
    public int rows() {
        return rows;
    }

    /** {@return n rounded up to whole vectors: the row stride of W and V} */
    public int nPad() {
        return nPad;
    }

    /** {@return m rounded up to whole vectors: the row stride of U} */
    public int mPad() {
        return mPad;
    }

    /** {@return o rounded up to whole vectors: the length of c} */
    public int oPad() {
        return oPad;
    }

    /** {@return the slab index where W starts} */
    public int wOffset() {
        return 0;
    }

    /** {@return the slab index where U starts} */
    public int uOffset() {
        return uOffset;
    }

    /** {@return the slab index where b starts} */
    public int bOffset() {
        return bOffset;
    }

    /** {@return the slab index where V starts} */
    public int vOffset() {
        return vOffset;
    }

    /** {@return the slab index where c starts} */
    public int cOffset() {
        return cOffset;
    }

    /** {@return floats of the recurrent part (W, U, b) with padding: the width of a row of J} */
    public int recurrentSize() {
        return vOffset;
    }

    /** {@return floats of the whole slab with padding} */
    public int size() {
        return size;
    }

    /** {@return parameters of the recurrent part, without padding: p = G n (n + m + 1)} */
    public long recurrentParameterCount() {
        return (long) rows * (n + m + 1);
    }

    /** {@return all parameters, without padding} */
    public long parameterCount() {
        return recurrentParameterCount() + (long) o * (n + 1);
    }

    /**
     * {@return slab index of W[a, j], for pre-activation row a in [0, rows)}
     *
     * @param a a pre-activation row
     * @param j a hidden unit
     */
    public int w(int a, int j) {
        return a * nPad + j;
    }

    /**
     * {@return slab index of U[a, j]}
     *
     * @param a a pre-activation row
     * @param j an input
     */
    public int u(int a, int j) {
        return uOffset + a * mPad + j;
    }

    /**
     * {@return slab index of b[a]}
     *
     * @param a a pre-activation row
     */
    public int b(int a) {
        return bOffset + a;
    }

    /**
     * {@return slab index of V[r, j]}
     *
     * @param r an output
     * @param j a hidden unit
     */
    public int v(int r, int j) {
        return vOffset + r * nPad + j;
    }

    /**
     * {@return slab index of c[r]}
     *
     * @param r an output
     */
    public int c(int r) {
        return cOffset + r;
    }

    /**
     * {@return true if slab index {@code index} holds a parameter rather than padding}
     *
     * @param index a slab index
     */
    public boolean isParameter(int index) {
        if (index < 0 || index >= size) {
            return false;
        }
        if (index < uOffset) {
            return index % nPad < n;
        }
        if (index < bOffset) {
            return (index - uOffset) % mPad < m;
        }
        if (index < vOffset) {
            return index - bOffset < rows;
        }
        if (index < cOffset) {
            return (index - vOffset) % nPad < n;
        }
        return index - cOffset < o;
    }

    /**
     * {@return a readable name for slab index {@code index}, such as {@code W[3,7]}}
     *
     * @param index a slab index
     */
    public String nameOf(int index) {
        if (!isParameter(index)) {
            return "padding@" + index;
        }
        if (index < uOffset) {
            return "W[" + index / nPad + "," + index % nPad + "]";
        }
        if (index < bOffset) {
            return "U[" + (index - uOffset) / mPad + "," + (index - uOffset) % mPad + "]";
        }
        if (index < vOffset) {
            return "b[" + (index - bOffset) + "]";
        }
        if (index < cOffset) {
            return "V[" + (index - vOffset) / nPad + "," + (index - vOffset) % nPad + "]";
        }
        return "c[" + (index - cOffset) + "]";
    }

    @Override
    public String toString() {
        return "RnnLayout[n=" + n + ", m=" + m + ", o=" + o + (gates == 1 ? "" : ", gates=" + gates) + "]";
    }
}
