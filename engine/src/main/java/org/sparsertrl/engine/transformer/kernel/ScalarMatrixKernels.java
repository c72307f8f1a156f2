package org.sparsertrl.engine.transformer.kernel;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/** Plain-Java twin of {@link VectorMatrixKernels}: the order of fused multiply-adds the vector code must keep. */
public final class ScalarMatrixKernels implements MatrixKernels {

    static final ScalarMatrixKernels INSTANCE = new ScalarMatrixKernels();

    private ScalarMatrixKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void multiplyAdd(MemorySegment a, long aOff, long aRow, long aCol, int rows, int inner,
                            MemorySegment b, long bOff, long ldb,
                            MemorySegment c, long cOff, long ldc, int cols) {
        for (int i = 0; i < rows; i++) {
            for (int col = 0; col < cols; col++) {
                long at = cOff + i * ldc + col;
                float acc = c.getAtIndex(JAVA_FLOAT, at);
                for (int k = 0; k < inner; k++) {
                    acc = Math.fma(a.getAtIndex(JAVA_FLOAT, aOff + i * aRow + k * aCol),
                            b.getAtIndex(JAVA_FLOAT, bOff + k * ldb + col), acc);
                }
                c.setAtIndex(JAVA_FLOAT, at, acc);
            }
        }
    }

    @Override
    public void multiplyTransposedAdd(MemorySegment a, long aOff, long lda, int rows,
                                      MemorySegment b, long bOff, long ldb, int bRows, int inner,
                                      MemorySegment c, long cOff, long ldc) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < bRows; j++) {
                float sum = 0f;
                for (int k = 0; k < inner; k++) {
                    sum = Math.fma(a.getAtIndex(JAVA_FLOAT, aOff + i * lda + k), b.getAtIndex(JAVA_FLOAT, bOff + j * ldb + k), sum);
                }
                long at = cOff + i * ldc + j;
                c.setAtIndex(JAVA_FLOAT, at, c.getAtIndex(JAVA_FLOAT, at) + sum);
            }
        }
    }
}
