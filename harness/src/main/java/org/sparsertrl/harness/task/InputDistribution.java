package org.sparsertrl.harness.task;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The law of the i.i.d. inputs of the memory tasks ({@link ProductStream}, {@link DelayStream}). Both
 * laws are symmetric about 0, which is what makes the product task's target uncorrelated with every
 * single past input; they differ in their tails, so a result that holds for one and not the other
 * points at the input scale rather than at the learner.
 *
 * <pre>{@code
 * InputDistribution inputs = InputDistribution.parse("gaussian");
 * double x = inputs.draw(new SplittableRandom(7));   // one sample of N(0, 1)
 * }</pre>
 */
public enum InputDistribution {

    /** x ~ U(-1, 1): bounded, so a tanh unit never saturates on the input alone. Variance 1/3. */
    UNIFORM,

    /** x ~ N(0, 1): unit variance, with occasional large inputs. */
    GAUSSIAN;

    /** The name used on the command line and in reports: {@code uniform}, {@code gaussian}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The distribution whose {@link #label()} is {@code text} (case-insensitive, surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the value and the valid labels when none matches
     */
    public static InputDistribution parse(String text) {
        if (text != null) {
            String wanted = text.strip();
            for (InputDistribution d : values()) {
                if (d.label().equalsIgnoreCase(wanted)) {
                    return d;
                }
            }
        }
        StringBuilder valid = new StringBuilder();
        for (InputDistribution d : values()) {
            valid.append(valid.isEmpty() ? "" : ", ").append(d.label());
        }
        throw new IllegalArgumentException("input distribution = " + (text == null ? "null" : "'" + text + "'")
                + " is not one of: " + valid);
    }

    /** One sample, drawn from {@code random}; allocates nothing. */
    public double draw(SplittableRandom random) {
        return switch (this) {
            case UNIFORM -> random.nextDouble(-1.0, 1.0);
            case GAUSSIAN -> random.nextGaussian();
        };
    }

    /** The variance of one sample: 1/3 for {@link #UNIFORM}, 1 for {@link #GAUSSIAN} (both have mean 0). */
    public double variance() {
        return switch (this) {
            case UNIFORM -> 1.0 / 3.0;
            case GAUSSIAN -> 1.0;
        };
    }
}
