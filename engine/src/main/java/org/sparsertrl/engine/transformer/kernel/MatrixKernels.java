package org.sparsertrl.engine.transformer.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The two matrix products of the transformer's forward and backward pass, over off-heap float
 * buffers; offsets, strides and lengths count floats. Two implementations of the same shape exist,
 * {@link ScalarMatrixKernels} and {@link VectorMatrixKernels}; {@link #matching} picks the one that
 * goes with the engine's element-wise kernels. No kernel allocates, locks or throws in normal flow.
 *
 * <p>{@link #multiplyAdd} computes every output element as one chain of fused multiply-adds over
 * {@code k} in increasing order, in both twins, so they agree bit for bit. {@link #multiplyTransposedAdd}
 * is a set of dot products and sums in a different order in each twin.
 */
public interface MatrixKernels {

    /** {@code "scalar"} or {@code "vector"}, as the engine kernels it goes with. */
    String name();

    /**
     * {@code C[i, c] += sum_{k < inner} A(i, k) * B[k, c]} for {@code i < rows}, {@code c < cols}, where
     * {@code A(i, k) = a[aOff + i * aRow + k * aCol]} (so a transposed A is a matter of strides),
     * {@code B[k, c] = b[bOff + k * ldb + c]} and {@code C[i, c] = c[cOff + i * ldc + c]}.
     */
    void multiplyAdd(MemorySegment a, long aOff, long aRow, long aCol, int rows, int inner,
                     MemorySegment b, long bOff, long ldb,
                     MemorySegment c, long cOff, long ldc, int cols);

    /**
     * {@code C[i, j] += sum_{k < inner} A[i, k] * B[j, k]} for {@code i < rows}, {@code j < bRows}: each
     * output is a dot product of a row of A with a row of B, both row-major ({@code lda}, {@code ldb}).
     */
    void multiplyTransposedAdd(MemorySegment a, long aOff, long lda, int rows,
                               MemorySegment b, long bOff, long ldb, int bRows, int inner,
                               MemorySegment c, long cOff, long ldc);

    /** The matrix kernels of the same family as the engine kernels named {@code kernelsName}. */
    static MatrixKernels matching(String kernelsName) {
        return switch (kernelsName) {
            case "vector" -> VectorHolder.KERNELS;
            case "scalar" -> ScalarMatrixKernels.INSTANCE;
            default -> throw new IllegalArgumentException("kernels = '" + kernelsName + "' is not one of: vector, scalar");
        };
    }

    /** A holder, so that the incubator classes load only when the vector kernels are asked for. */
    final class VectorHolder {
        static final MatrixKernels KERNELS = new VectorMatrixKernels();

        private VectorHolder() {
        }
    }
}
