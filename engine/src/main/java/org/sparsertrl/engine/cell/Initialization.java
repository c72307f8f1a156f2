package org.sparsertrl.engine.cell;

import org.sparsertrl.engine.Arguments;

/**
 * How {@link RecurrentCell#initialize} draws the weights. The recurrent weights W set how a signal
 * grows or fades from step to step, which decides how far back any learner can reach; the input
 * weights U set how hard the input drives the units into tanh's flat tails. Studies vary both, so
 * both are named here rather than hidden in the cells.
 *
 * <pre>{@code
 * OnlineTrainer.builder(64, 1, 1)
 *         .initialization(Initialization.orthogonal(0.9f, 0.3f)) // every singular value of W is 0.9
 *         .build();
 * }</pre>
 *
 * <p>For a cell with n units, m inputs and G gates (1 for the vanilla cell), every scheme draws, from
 * one {@link java.util.SplittableRandom} seeded with the seed, in this order and row by row:
 * <ul>
 *   <li>W, the G n x n recurrent weights, gate block by gate block:
 *     <ul>
 *       <li>{@link Kind#GAUSSIAN}: {@code W ~ N(0, gain^2 / n)}, so the spectral radius of each block is
 *           close to {@code gain} for large n, but its singular values spread over [0, 2 gain];</li>
 *       <li>{@link Kind#ORTHOGONAL}: {@code W = gain Q} with Q a random orthogonal n x n matrix (the
 *           Gram-Schmidt orthonormalisation of an N(0, 1) matrix drawn in the same order), one Q per
 *           gate, so every singular value of each block equals {@code gain}: no direction of the state
 *           grows or fades faster than another at the start.</li>
 *     </ul></li>
 *   <li>U, the G n x m input weights: {@code U ~ N(0, inputScale^2 / m)};</li>
 *   <li>V, the o x n readout weights: {@code V ~ N(0, 1 / n)};</li>
 *   <li>the biases: zero (the gated cells set some gate biases; see their {@code initialBias}).</li>
 * </ul>
 * Both kinds take the same number of draws for W, so for one seed they give the same U and V, and
 * {@code gaussian(gain)} gives bit for bit the weights the cells drew before this option existed.
 * An orthogonal W costs O(G n^3) time and a temporary 8 n^2 bytes of heap at initialisation,
 * once per model; stepping costs the same for both kinds.
 *
 * @param kind          the distribution of W
 * @param recurrentGain the scale of W, finite and > 0
 * @param inputScale    the scale of U, finite and > 0 (1: unit variance of {@code U x} for unit inputs)
 */
public record Initialization(Kind kind, float recurrentGain, float inputScale) {

    /** The distribution of the recurrent weights W. */
    public enum Kind {
        /** {@code W ~ N(0, gain^2 / n)}. */
        GAUSSIAN,
        /** {@code W = gain Q}, Q random orthogonal, one per gate. */
        ORTHOGONAL
    }

    /** Checks the components; a bad one throws IllegalArgumentException naming it and its value. */
    public Initialization {
        if (kind == null) {
            throw new IllegalArgumentException("kind is null");
        }
        Arguments.requirePositive("recurrentGain", recurrentGain);
        Arguments.requirePositive("inputScale", inputScale);
    }

    /**
     * {@return Gaussian W with scale {@code gain}, input scale 1: what the cells drew before this option existed}
     *
     * @param gain the scale of W, finite and > 0
     */
    public static Initialization gaussian(float gain) {
        return new Initialization(Kind.GAUSSIAN, gain, 1f);
    }

    /**
     * {@return Gaussian W with scale {@code gain}; {@code U ~ N(0, inputScale^2 / m)}}
     *
     * @param gain       the scale of W, finite and > 0
     * @param inputScale the scale of U, finite and > 0
     */
    public static Initialization gaussian(float gain, float inputScale) {
        return new Initialization(Kind.GAUSSIAN, gain, inputScale);
    }

    /**
     * {@return W = gain Q with Q random orthogonal (per gate); {@code U ~ N(0, inputScale^2 / m)}}
     *
     * @param gain       the scale of W, finite and > 0
     * @param inputScale the scale of U, finite and > 0
     */
    public static Initialization orthogonal(float gain, float inputScale) {
        return new Initialization(Kind.ORTHOGONAL, gain, inputScale);
    }

    /** {@return a label for tables and logs, such as {@code orthogonal gain 0.9, input scale 0.3}} */
    public String label() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " gain " + format(recurrentGain)
                + ", input scale " + format(inputScale);
    }

    /** 1 rather than 1.0: the labels name settings, and whole numbers read better without the fraction. */
    private static String format(float value) {
        String text = Float.toString(value);
        return text.endsWith(".0") ? text.substring(0, text.length() - 2) : text;
    }
}
