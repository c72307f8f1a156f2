package org.sparsertrl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/**
 * The ceiling probe builds every row of its output from its K source rows, at every column: a probe that
 * skipped columns (a tail left out, a tile boundary off by a vector) would time less than the sparse
 * step's accesses and report a ceiling too high. Rows of 13 x 16 entries, so that neither a block of four
 * vectors nor, in bf16, a whole vector divides them; tiles of 64 columns, the last one short.
 */
class SparsePatternProbeTest {

    private static final int ROWS = 8;
    private static final int WIDTH = 13 * 16;
    private static final int TILE = 64;
    private static final int[] SOURCES = {
        3, 1, 7, 0, 2, 5, 6, 4, 7, 6, 5, 3, 0, 1, 2, 4, 4, 3, 2, 1, 5, 7, 0, 6, 1, 0, 3, 2, 6, 4, 7, 5,
    };

    @Test
    void float32RowsAreTheSumsOfTheirSourceRowsAtEveryColumn() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate((long) ROWS * WIDTH * Float.BYTES, 64);
            MemorySegment c = arena.allocate((long) ROWS * WIDTH * Float.BYTES, 64);
            for (int i = 0; i < ROWS * WIDTH; i++) {
                b.setAtIndex(ValueLayout.JAVA_FLOAT, i, entry(i));
            }
            for (int start = 0; start < WIDTH; start += TILE) {
                SparsePatternProbe.rows(b, c, WIDTH, SOURCES, ROWS, start, Math.min(start + TILE, WIDTH));
            }
            for (int i = 0; i < ROWS; i++) {
                for (int col = 0; col < WIDTH; col++) {
                    float sum = 0f;
                    for (int r = 0; r < SparsePatternProbe.K; r++) {
                        sum += entry(SOURCES[i * SparsePatternProbe.K + r] * WIDTH + col);
                    }
                    assertEquals(sum, c.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * WIDTH + col), "row " + i + ", column " + col);
                }
            }
        }
    }

    @Test
    void bf16RowsAreTheSumsOfTheirSourceRowsAtEveryColumn() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate((long) ROWS * WIDTH * Short.BYTES, 64);
            MemorySegment c = arena.allocate((long) ROWS * WIDTH * Short.BYTES, 64);
            for (int i = 0; i < ROWS * WIDTH; i++) {
                b.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) entry(i));
            }
            for (int start = 0; start < WIDTH; start += TILE) {
                SparsePatternProbe.rowsBf16(b, c, WIDTH, SOURCES, ROWS, start, Math.min(start + TILE, WIDTH));
            }
            for (int i = 0; i < ROWS; i++) {
                for (int col = 0; col < WIDTH; col++) {
                    short sum = 0;
                    for (int r = 0; r < SparsePatternProbe.K; r++) {
                        sum += (short) entry(SOURCES[i * SparsePatternProbe.K + r] * WIDTH + col);
                    }
                    assertEquals(sum, c.getAtIndex(ValueLayout.JAVA_SHORT, (long) i * WIDTH + col), "row " + i + ", column " + col);
                }
            }
        }
    }

    /** Small distinct integers: their float sums are exact. */
    private static int entry(int i) {
        return i % 1000 + 1;
    }
}
