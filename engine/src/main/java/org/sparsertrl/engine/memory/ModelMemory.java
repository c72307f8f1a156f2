package org.sparsertrl.engine.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The off-heap memory of one model: a single shared {@link Arena} from which every buffer is carved,
 * each 64-byte aligned and zero-filled, all released together by {@link #close()}. A buffer of at least
 * 2 MiB (a sensitivity tensor from n = 128 on) is mapped onto transparent huge pages where the machine
 * allows it ({@link HugePages}: Linux, native access enabled for the engine, not
 * {@code -Dsparsertrl.hugePages=false}), still owned by the arena.
 *
 * <p>A shared arena (rather than a confined one) lets a model built on one thread be stepped on
 * another, as the embedded runtime does. The class also keeps a process-wide count of live bytes so
 * tests can prove that closing models leaves nothing behind.
 *
 * <pre>{@code
 * try (ModelMemory memory = new ModelMemory()) {
 *     MemorySegment h = memory.allocateFloats(ModelMemory.padded(n)); // (n) padded to 16 floats
 * }
 * }</pre>
 */
public final class ModelMemory implements AutoCloseable {

    /** Alignment of every buffer: one cache line, and one 512-bit vector. */
    public static final int ALIGNMENT_BYTES = 64;

    /** Rows are padded to this many floats, so every row starts on a cache line and holds whole vectors. */
    public static final int PAD_FLOATS = ALIGNMENT_BYTES / Float.BYTES;

    private static final AtomicLong LIVE_BYTES = new AtomicLong();
    private static final AtomicLong LIVE_ARENAS = new AtomicLong();

    private final Arena arena;
    private final StateSlab state = new StateSlab(this);
    private long bytes;
    private boolean closed;

    public ModelMemory() {
        arena = Arena.ofShared();
        LIVE_ARENAS.incrementAndGet();
    }

    /** Rounds {@code count} up to a whole number of {@link #PAD_FLOATS}. */
    public static int padded(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count = " + count + " must be >= 0");
        }
        return (count + PAD_FLOATS - 1) / PAD_FLOATS * PAD_FLOATS;
    }

    /** A zero-filled, 64-byte aligned buffer of {@code count} floats owned by this memory. */
    public MemorySegment allocateFloats(long count) {
        if (count < 0) {
            throw new IllegalArgumentException("count = " + count + " must be >= 0");
        }
        if (closed) {
            throw new IllegalStateException("memory is closed");
        }
        long size = count * Float.BYTES;
        MemorySegment segment = size >= HugePages.SIZE ? HugePages.allocate(size, arena) : null;
        if (segment == null) {
            segment = arena.allocate(size, ALIGNMENT_BYTES);
            segment.fill((byte) 0);
        }
        bytes += size;
        LIVE_BYTES.addAndGet(size);
        return segment;
    }

    /**
     * A zero-filled, 64-byte aligned buffer of {@code count} bfloat16 entries (2 bytes each) owned by
     * this memory: a sensitivity stored at half precision.
     */
    public MemorySegment allocateBf16(long count) {
        if (count < 0) {
            throw new IllegalArgumentException("count = " + count + " must be >= 0");
        }
        return allocateFloats((count + 1) / 2).asSlice(0, count * Short.BYTES);
    }

    /** The model's carried state: the views its parts register (see {@link StateSlab}). */
    public StateSlab state() {
        return state;
    }

    /**
     * Why buffers of 2 MiB and more are not mapped onto transparent huge pages on this JVM (for example
     * "native access is not enabled for module org.sparsertrl.engine"), or null when they are.
     */
    public static String hugePagesUnavailable() {
        return HugePages.UNAVAILABLE;
    }

    /** Bytes allocated by this memory and not yet released. */
    public long bytes() {
        return bytes;
    }

    /** Bytes held by all models of this process that are not closed yet. */
    public static long liveBytes() {
        return LIVE_BYTES.get();
    }

    /** Arenas of this process that are not closed yet. */
    public static long liveArenas() {
        return LIVE_ARENAS.get();
    }

    /**
     * Releases every buffer; further access to them throws. Idempotent. If a huge-page mapping cannot be
     * unmapped, the other buffers are still released and this throws an IllegalStateException naming the
     * mapping; this memory's bytes then stay counted in {@link #liveBytes()}, so the loss shows.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        arena.close();  // throws after releasing the rest if a mapping was refused: the counts below then stay
        LIVE_BYTES.addAndGet(-bytes);
        LIVE_ARENAS.decrementAndGet();
        bytes = 0;
    }
}
