package org.sparsertrl.engine.train;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import org.sparsertrl.engine.kernel.Bf16;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

/**
 * A copy of a trainer's state slab ({@link StateSlab}) in one off-heap block: the parameters and
 * hidden state, the optimizer's moments, optionally the learner's sensitivities and bookkeeping, and
 * the update count. It is what a rollback restores and what a checkpoint stores. Created by
 * {@link OnlineTrainer#newState}; saving into it and restoring from it allocate nothing.
 *
 * <pre>{@code
 * try (TrainerState lastGood = trainer.newState(true)) {
 *     trainer.saveState(lastGood);        // every N steps
 *     ...
 *     if (trainer.diverged()) {
 *         trainer.restoreState(lastGood); // back to the last good step
 *     }
 * }
 * }</pre>
 *
 * Layout, in bytes: the slab's views in saving order, {@code [cell] [optimizer] [learner, if included]
 * [trainer: the update count, a long]}; {@link #manifest()} names them.
 */
public final class TrainerState implements AutoCloseable {

    private final ModelMemory memory;
    private final MemorySegment data;
    private final boolean sensitivities;
    private final String manifest;
    private final long[] sizes;          // bytes of each view, in order
    private final String[] names;        // each view's name
    private final boolean[] floating;    // whether each view holds floats or doubles
    private final boolean[] doubles;     // whether a floating view holds doubles
    private final boolean[] halves;      // whether a floating view holds bfloat16 values

    TrainerState(StateSlab slab, boolean sensitivities) {
        List<StateSlab.View> views = slab.views(sensitivities);
        this.sensitivities = sensitivities;
        this.manifest = slab.manifest(sensitivities);
        this.sizes = slab.sizes(sensitivities);
        this.names = views.stream().map(StateSlab.View::name).toArray(String[]::new);
        this.floating = new boolean[views.size()];
        this.doubles = new boolean[views.size()];
        this.halves = new boolean[views.size()];
        for (int v = 0; v < views.size(); v++) {
            floating[v] = views.get(v).floatingPoint();
            doubles[v] = views.get(v).doublePrecision();
            halves[v] = views.get(v).bf16();
        }
        this.memory = new ModelMemory();
        long total = slab.bytes(sensitivities);
        this.data = memory.allocateFloats((total + Float.BYTES - 1) / Float.BYTES).asSlice(0, total);
    }

    /** {@return the state's bytes: what a checkpoint writes and reads back} */
    public MemorySegment data() {
        return data;
    }

    /** {@return whether the learner's sensitivities are part of the state} */
    public boolean includesSensitivities() {
        return sensitivities;
    }

    /** {@return off-heap bytes of the block} */
    public long bytes() {
        return data.byteSize();
    }

    /** {@return the views this state holds, by name and byte size in order, e.g. {@code cell.params:4608 cell.h:64 adam.m:4608 ...}} */
    public String manifest() {
        return manifest;
    }

    /**
     * Where the first float, double or bf16 value of the state (weights, hidden state, moments, sensitivities)
     * that is NaN or infinite is, as {@code view[index] = value}, or null if every one is finite. A
     * checkpoint is refused on either side, written or loaded, when this is not null: such a state
     * would only make every later step diverge.
     *
     * @return where, as {@code view[index] = value}, or null
     */
    public String firstNonFinite() {
        long at = 0;
        for (int v = 0; v < sizes.length; v++) {
            if (floating[v]) {
                int size = doubles[v] ? Double.BYTES : halves[v] ? Short.BYTES : Float.BYTES;
                for (long i = 0; i < sizes[v] / size; i++) {
                    double value = doubles[v] ? data.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, at + i * size)
                            : halves[v] ? Bf16.toFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + i * size))
                            : data.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at + i * size);
                    if (!Double.isFinite(value)) {
                        return names[v] + "[" + i + "] = " + (doubles[v] ? Double.toString(value) : Float.toString((float) value));
                    }
                }
            }
            at += sizes[v];
        }
        return null;
    }

    /** True if this state has the views of a state that {@code slab} would save. Allocates nothing. */
    boolean fits(StateSlab slab) {
        return slab.fits(sizes, sensitivities);
    }

    @Override
    public void close() {
        memory.close();
    }
}
