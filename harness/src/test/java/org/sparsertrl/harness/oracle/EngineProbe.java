package org.sparsertrl.harness.oracle;

import java.util.function.IntToDoubleFunction;

import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.train.OnlineTrainer;

/** Reads a trainer's gradient, sensitivities and weights into double arrays for comparison. */
public final class EngineProbe {

    private EngineProbe() {
    }

    /** The last gradient at every parameter (padding skipped), in slab order. */
    public static double[] gradient(OnlineTrainer trainer) {
        return atParameters(trainer.layout(), trainer::gradient);
    }

    /** Every weight (padding skipped), in slab order. */
    public static double[] weights(OnlineTrainer trainer) {
        return atParameters(trainer.layout(), trainer.inspect().cell()::parameter);
    }

    /** {@code value} at every slab index that holds a parameter, in slab order. */
    private static double[] atParameters(RnnLayout layout, IntToDoubleFunction value) {
        double[] out = new double[(int) layout.parameterCount()];
        int k = 0;
        for (int index = 0; index < layout.size(); index++) {
            if (layout.isParameter(index)) {
                out[k++] = value.applyAsDouble(index);
            }
        }
        return out;
    }

    /** Row i of J_t over the recurrent parameters, in the reference's column order. */
    public static double[] sensitivityRow(OnlineTrainer trainer, int i) {
        RnnLayout layout = trainer.layout();
        int p = layout.n() * (layout.n() + layout.m() + 1);
        double[] out = new double[p];
        for (int col = 0; col < p; col++) {
            out[col] = trainer.inspect().learner().sensitivity(i, ReferenceRnn.slabIndex(layout, col));
        }
        return out;
    }

    /** Rows {@code rows} of J_t, concatenated. */
    public static double[] sensitivityRows(OnlineTrainer trainer, int[] rows) {
        RnnLayout layout = trainer.layout();
        int p = layout.n() * (layout.n() + layout.m() + 1);
        double[] out = new double[rows.length * p];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(sensitivityRow(trainer, rows[r]), 0, out, r * p, p);
        }
        return out;
    }

    /** Every row of J_t, concatenated. */
    public static double[] sensitivities(OnlineTrainer trainer) {
        int[] all = new int[trainer.layout().n()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return sensitivityRows(trainer, all);
    }

    /** Every state row of J_t (2n for an LSTM) at every recurrent parameter, in slab order: for any cell. */
    public static double[] allSensitivities(OnlineTrainer trainer) {
        RnnLayout layout = trainer.layout();
        int[] columns = java.util.stream.IntStream.range(0, layout.recurrentSize()).filter(layout::isParameter).toArray();
        int rows = trainer.inspect().cell().stateSize();
        double[] out = new double[rows * columns.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns.length; c++) {
                out[r * columns.length + c] = trainer.inspect().learner().sensitivity(r, columns[c]);
            }
        }
        return out;
    }

    /** The recurrent gradient in the reference's column order. */
    public static double[] recurrentGradient(OnlineTrainer trainer) {
        RnnLayout layout = trainer.layout();
        int p = layout.n() * (layout.n() + layout.m() + 1);
        double[] out = new double[p];
        for (int col = 0; col < p; col++) {
            out[col] = trainer.gradient(ReferenceRnn.slabIndex(layout, col));
        }
        return out;
    }
}
