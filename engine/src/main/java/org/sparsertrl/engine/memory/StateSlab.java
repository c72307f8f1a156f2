package org.sparsertrl.engine.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Everything a model carries from step to step, as one logical slab of named views: the cell's
 * parameters and hidden state, the optimizer's moments, the learner's sensitivities and bookkeeping,
 * the trainer's update count. Each part registers its views with the model's memory when it is
 * built and keeps its state in them (nothing carried lives on the heap), so saving the model is one
 * copy of every view in a fixed order, and no part writes its own save or load code.
 *
 * <p>The order is by {@link Part}, then by registration: [cell] [optimizer] [learner] [trainer].
 * A view of a double-buffered array (the sensitivities, built into one buffer from the other and
 * swapped by reference) is {@link View#rebind rebound} at each swap, so it always shows the buffer
 * that holds the state. Views are separate 64-byte aligned buffers of one {@link ModelMemory}; the
 * saved form ({@link #save}) is their concatenation.
 *
 * <pre>{@code
 * StateSlab.View j = memory.state().floats(Part.LEARNER, "sparse.J", rows * width); // (rows, width) J_{t-1}
 * memory.state().afterLoad(this::rebuildIndex);   // what is derived from the state, recomputed after a load
 * }</pre>
 */
public final class StateSlab {

    /** The part of the model a view belongs to; a saved state may leave the learner's part out. */
    public enum Part { CELL, OPTIMIZER, LEARNER, TRAINER }

    /**
     * One named, typed array of the state. Its element type is part of what a saved state must match:
     * a bfloat16 view says so in the manifest ({@code sparse.J:bf16:65536}), the other types keep the
     * plain {@code name:bytes} form that checkpoints before bf16 have.
     */
    public static final class View {
        private final Part part;
        private final String name;
        private final ValueLayout element;
        private final boolean bf16;
        private MemorySegment segment;

        private View(Part part, String name, ValueLayout element, boolean bf16, MemorySegment segment) {
            this.part = part;
            this.name = name;
            this.element = element;
            this.bf16 = bf16;
            this.segment = segment;
        }

        /** The buffer that holds this view's state now. */
        public MemorySegment segment() {
            return segment;
        }

        /** Points the view at {@code other}, a buffer of the same size (after a double buffer's swap). Allocates nothing. */
        public void rebind(MemorySegment other) {
            if (other.byteSize() != segment.byteSize()) {
                throw new IllegalArgumentException("view " + name + " of " + segment.byteSize() + " bytes cannot be rebound to "
                        + other.byteSize() + " bytes");
            }
            segment = other;
        }

        public Part part() {
            return part;
        }

        public String name() {
            return name;
        }

        public long bytes() {
            return segment.byteSize();
        }

        /** Whether the view holds floats, doubles or bf16 values, which a saved state requires to be finite. */
        public boolean floatingPoint() {
            return element.carrier() == float.class || element.carrier() == double.class || bf16;
        }

        /** Whether the view holds bfloat16 values (2 bytes each; see {@code kernel.Bf16}). */
        public boolean bf16() {
            return bf16;
        }

        /** Bytes per element: 2 (bf16), 4 (float, int) or 8 (double, long). */
        public int elementBytes() {
            return (int) element.byteSize();
        }

        /** Whether the view holds doubles. */
        public boolean doublePrecision() {
            return element.carrier() == double.class;
        }

        @Override
        public String toString() {
            return name + (bf16 ? ":bf16:" : ":") + segment.byteSize();
        }
    }

    private final ModelMemory memory;
    private final List<View> registered = new ArrayList<>();
    private final List<Runnable> afterLoad = new ArrayList<>();
    private View[] ordered;      // registered, sorted by part; built by seal()

    StateSlab(ModelMemory memory) {
        this.memory = memory;
    }

    /** A new zero-filled view of {@code count} floats. */
    public View floats(Part part, String name, long count) {
        return register(part, name, memory.allocateFloats(count), ValueLayout.JAVA_FLOAT);
    }

    /** A new zero-filled view of {@code count} doubles (8-byte aligned). */
    public View doubles(Part part, String name, int count) {
        return register(part, name, memory.allocateFloats(2L * count), ValueLayout.JAVA_DOUBLE);
    }

    /** A new zero-filled view of {@code count} longs (8-byte aligned). */
    public View longs(Part part, String name, int count) {
        return register(part, name, memory.allocateFloats(2L * count), ValueLayout.JAVA_LONG);
    }

    /** A new zero-filled view of {@code count} ints. */
    public View ints(Part part, String name, long count) {
        return register(part, name, memory.allocateFloats(count), ValueLayout.JAVA_INT);
    }

    /** A new zero-filled view of {@code count} bfloat16 values (2 bytes each). */
    public View bf16s(Part part, String name, long count) {
        return register(part, name, memory.allocateBf16(count), ValueLayout.JAVA_SHORT, true);
    }

    /** Registers {@code segment} (owned by this memory, e.g. a slice of a larger buffer) as a float view. */
    public View registerFloats(Part part, String name, MemorySegment segment) {
        return register(part, name, segment, ValueLayout.JAVA_FLOAT);
    }

    private View register(Part part, String name, MemorySegment segment, ValueLayout element) {
        return register(part, name, segment, element, false);
    }

    private View register(Part part, String name, MemorySegment segment, ValueLayout element, boolean bf16) {
        if (ordered != null) {
            throw new IllegalStateException("the state is sealed: view " + name + " came too late");
        }
        for (View v : registered) {
            if (v.name.equals(name)) {
                throw new IllegalArgumentException("a state view named " + name + " exists already");
            }
        }
        View view = new View(part, name, element, bf16, segment);
        registered.add(view);
        return view;
    }

    /** Runs {@code recompute} after every load: for what a part derives from its state (d = 1 - h^2, an index). */
    public void afterLoad(Runnable recompute) {
        afterLoad.add(recompute);
    }

    /** Ends registration: the model is built. Idempotent. */
    public void seal() {
        if (ordered == null) {
            ordered = registered.stream().sorted(Comparator.comparing(View::part)).toArray(View[]::new);
        }
    }

    private View[] ordered() {
        if (ordered == null) {
            throw new IllegalStateException("the state is not sealed yet: the model is still being built");
        }
        return ordered;
    }

    /** The views a saved state holds, in saving order. */
    public List<View> views(boolean withLearner) {
        List<View> out = new ArrayList<>();
        for (View v : ordered()) {
            if (withLearner || v.part != Part.LEARNER) {
                out.add(v);
            }
        }
        return out;
    }

    /** Bytes of a saved state of this model. */
    public long bytes(boolean withLearner) {
        long total = 0;
        for (View v : ordered()) {
            total += withLearner || v.part != Part.LEARNER ? v.bytes() : 0;
        }
        return total;
    }

    /** The names and sizes of a saved state's views, e.g. {@code cell.params:4608 cell.h:64 ...}: what a saved state must match. */
    public String manifest(boolean withLearner) {
        StringBuilder b = new StringBuilder();
        for (View v : views(withLearner)) {
            b.append(b.isEmpty() ? "" : " ").append(v);
        }
        return b.toString();
    }

    /** The byte sizes of a saved state's views, in saving order. */
    public long[] sizes(boolean withLearner) {
        return views(withLearner).stream().mapToLong(View::bytes).toArray();
    }

    /** Whether a saved state with views of these byte sizes (see {@link #sizes}) fits this model. Allocates nothing. */
    public boolean fits(long[] sizes, boolean withLearner) {
        int i = 0;
        for (View v : ordered()) {
            if (withLearner || v.part != Part.LEARNER) {
                if (i == sizes.length || sizes[i++] != v.bytes()) {
                    return false;
                }
            }
        }
        return i == sizes.length;
    }

    /** Copies every view (the learner's only if {@code withLearner}) to {@code dst} from byte 0, in saving order. Allocates nothing. */
    public void save(MemorySegment dst, boolean withLearner) {
        long at = 0;
        for (View v : ordered()) {
            if (withLearner || v.part != Part.LEARNER) {
                MemorySegment.copy(v.segment, 0, dst, at, v.bytes());
                at += v.bytes();
            }
        }
    }

    /**
     * Copies a saved state back into the views, then recomputes what is derived from them. Without the
     * learner's part, the learner's views are left as they are. Allocates nothing.
     */
    public void load(MemorySegment src, boolean withLearner) {
        long at = 0;
        for (View v : ordered()) {
            if (withLearner || v.part != Part.LEARNER) {
                MemorySegment.copy(src, at, v.segment, 0, v.bytes());
                at += v.bytes();
            }
        }
        for (int i = 0; i < afterLoad.size(); i++) {
            afterLoad.get(i).run();
        }
    }
}
