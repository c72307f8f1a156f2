package org.sparsertrl.engine.cell;

import java.util.Locale;

/**
 * The recurrent cells the engine runs, with the pre-activation rows each has per unit and the rows
 * of its recurrent state (the rows of the sensitivity J).
 */
public enum CellKind {
    /** {@code h_t = tanh(W h_{t-1} + U x_t + b)}; see {@link VanillaRnn}. State: h. */
    VANILLA(1, 1),
    /** Long short-term memory with input, forget, candidate and output gates; see {@link Lstm}. State: h and c. */
    LSTM(4, 2),
    /** Gated recurrent unit with update, reset and candidate rows; see {@link Gru}. State: h. */
    GRU(3, 1);

    private final int gates;
    private final int statesPerUnit;

    CellKind(int gates, int statesPerUnit) {
        this.gates = gates;
        this.statesPerUnit = statesPerUnit;
    }

    /** {@return pre-activation rows per unit (rows of W, U and b per unit)} */
    public int gates() {
        return gates;
    }

    /** {@return state values per unit: 2 for the LSTM (h and c), 1 otherwise} */
    public int statesPerUnit() {
        return statesPerUnit;
    }

    /** {@return lower-case name for logs, checkpoints and the command line} */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@return the kind named {@code label} (case-insensitive); the message lists the names there are}
     *
     * @param label a kind's label, such as {@code lstm}
     */
    public static CellKind of(String label) {
        for (CellKind kind : values()) {
            if (kind.label().equalsIgnoreCase(label)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("cell = " + label + " is not one of vanilla, lstm, gru");
    }
}
