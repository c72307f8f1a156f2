package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * SnAp-2 (Menick et al., 2021), for every cell: J_t[r, theta] is kept only where two steps of the
 * recurrence can make it nonzero from J = 0, that is for theta a parameter of a unit j in
 * P(i) = {i} and every j with W_g[i, j] != 0 in some gate g (i is r's unit), and propagated through
 * the kept entries only:
 * <pre>
 *   J_t[r, theta_j] = sum_{r'} D_t[r, r'] J_{t-1}[r', theta_j] + M_t[r, theta_j]      j in P(i), r' with j in P(unit(r'))
 *   g_t = J_t^T delta_t
 * </pre>
 * With a dense W every P(i) holds every unit and SnAp-2 is full RTRL; it is meant for a sparse W
 * ({@code OnlineTrainer.Builder.weightDensity}), whose zeros the pattern is read from when the learner
 * is created (the trainer keeps pruned weights at zero). Each state row stores one block of
 * G (nPad + mPad + 16) floats per unit of P(i), as SnAp-1 stores its one block. With density rho:
 * memory about 2 S (1 + rho n) G (n + m) floats and work about S (1 + rho n)^2 q G (n + m) per step
 * (q state rows per unit), so O(rho^2 n^4) against full RTRL's O(n^4).
 */
public final class Snap2 implements Learner {

    private final LearnerSpec spec;
    private final RecurrentCell cell;
    private final Kernels kernels;
    private final int n;
    private final int blockWidth;         // G block: one unit's parameters
    private final int[][] units;          // [i] P(i), ascending
    private final long[] rowStart;        // [r] offset in floats of row r's first block
    private final int[][] sourceRows;     // [r] the state rows r' whose unit is in P(i), ascending
    private final long[][][] sourceBlock; // [r][slot] for each source row, the offset of its block of unit P(i)[slot], or -1
    private final float[] coefficient;    // (S) scratch: D_t[r, r'] of the row being built
    private final SensitivityRows j;      // (blocks, blockWidth) J_{t-1} and J_t

    Snap2(LearnerSpec spec, RecurrentCell cell, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.blockWidth = cell.gates() * UnitRows.blockFloats(layout);
        int rows = cell.stateSize();
        this.units = new int[n][];
        for (int i = 0; i < n; i++) {
            units[i] = connected(i);
        }
        this.rowStart = new long[rows];
        long blocks = 0;
        for (int r = 0; r < rows; r++) {
            rowStart[r] = blocks * blockWidth;
            blocks += units[r % n].length;
        }
        this.sourceRows = new int[rows][];
        this.sourceBlock = new long[rows][][];
        for (int r = 0; r < rows; r++) {
            int[] kept = units[r % n];
            int count = 0;
            int[] sources = new int[rows];
            for (int source = 0; source < rows; source++) {
                if (slot(kept, source % n) >= 0) {
                    sources[count++] = source;
                }
            }
            sourceRows[r] = java.util.Arrays.copyOf(sources, count);
            sourceBlock[r] = new long[kept.length][count];
            for (int s = 0; s < kept.length; s++) {
                for (int c = 0; c < count; c++) {
                    int source = sourceRows[r][c], at = slot(units[source % n], kept[s]);
                    sourceBlock[r][s][c] = at < 0 ? -1 : rowStart[source] + (long) at * blockWidth;
                }
            }
        }
        this.coefficient = new float[rows];
        this.j = new SensitivityRows(memory, "snap2.J", blocks, blockWidth);
    }

    /** P(i): i and every unit j with a nonzero W_g[i, j] in some gate. */
    private int[] connected(int i) {
        RnnLayout layout = cell.layout();
        int[] out = new int[n];
        int count = 0;
        for (int unit = 0; unit < n; unit++) {
            boolean linked = unit == i;
            for (int g = 0; g < cell.gates() && !linked; g++) {
                linked = cell.parameter(layout.w(g * n + i, unit)) != 0f;
            }
            if (linked) {
                out[count++] = unit;
            }
        }
        return java.util.Arrays.copyOf(out, count);
    }

    private static int slot(int[] kept, int unit) {
        int at = java.util.Arrays.binarySearch(kept, unit);
        return at < 0 ? -1 : at;
    }

    @Override
    public void step(MemorySegment grad) {
        MemorySegment previous = j.previous(), next = j.next(), delta = cell.delta(), rowScale = cell.rowScale();
        kernels.fill(grad, 0, cell.layout().recurrentSize(), 0f);
        for (int r = 0; r < rowStart.length; r++) {
            int i = r % n;
            int[] sources = sourceRows[r];
            float scale = rowScale.getAtIndex(JAVA_FLOAT, r);
            for (int c = 0; c < sources.length; c++) {
                coefficient[c] = scale * cell.recurrentFactor(r, sources[c]);
            }
            float error = delta.getAtIndex(JAVA_FLOAT, r);
            for (int s = 0; s < units[i].length; s++) {
                long at = rowStart[r] + (long) s * blockWidth;
                kernels.fill(next, at, blockWidth, 0f);
                long[] from = sourceBlock[r][s];
                for (int c = 0; c < sources.length; c++) {
                    if (from[c] >= 0) {
                        kernels.axpy(coefficient[c], previous, from[c], next, at, blockWidth);
                    }
                }
                if (units[i][s] == i) {
                    UnitRows.addImmediate(cell, kernels, next, at, r, 1f);
                }
                UnitRows.addToGradient(cell, kernels, grad, next, at, units[i][s], error);
            }
        }
        j.swap();
    }

    /**
     * {@return P(i), the units whose parameters unit i's rows keep (a copy; inspection only)}
     *
     * @param i a unit
     */
    public int[] pattern(int i) {
        return units[i].clone();
    }

    @Override
    public void reset() {
        j.reset();
    }

    /** J_t[r, column]: the stored value for a parameter of a unit in P(r's unit), zero elsewhere. */
    @Override
    public float sensitivity(int r, int column) {
        int[] kept = units[r % n];
        for (int s = 0; s < kept.length; s++) {
            int at = UnitRows.blockIndex(cell.layout(), kept[s], column);
            if (at >= 0) {
                return j.previous().getAtIndex(JAVA_FLOAT, rowStart[r] + (long) s * blockWidth + at);
            }
        }
        return 0f;
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }
}
