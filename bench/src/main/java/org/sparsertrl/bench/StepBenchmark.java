package org.sparsertrl.bench;

import java.util.List;

import org.openjdk.jmh.annotations.Param;
import org.sparsertrl.engine.train.OnlineTrainer;

/**
 * Time of one online training step (forward, sensitivity update and gradient, Adam) per learner and
 * n, one thread, m = 4 inputs, o = 1 output. The JVM flags come from the launching JVM (bench/run).
 * Learners by compact name ({@code LearnerSpec.parse}), so {@code -p learner=sparse-4-bf16} (J stored
 * in bfloat16) or any other name measures that learner; {@code sparse-4-bf16} is in the default list
 * beside {@code sparse-4}, the float32 run it is compared with.
 * The sizes include n = 100, whose rows of W pad from 100 to 112 floats, and n = 48, three whole
 * vectors of 16 floats but not a power of two.
 * <p>bench/run runs some shapes with more forks than the rest, one JMH invocation each; its lists of the
 * other learners and sizes come from {@link #main}, so that a learner or size added here is measured.
 */
public class StepBenchmark extends TrainerStepBenchmark {

    @Param({"immediate", "snap-1", "eprop", "uoro", "kf", "rflo", "sparse-1", "sparse-4", "sparse-4-bf16", "sparse-16", "subset-4",
        "tbptt-16", "full"})
    public String learner;

    @Param({"32", "48", "64", "100", "128", "256"})
    public int n;

    /**
     * Prints, comma-separated, the values of the parameter {@code args[0]} ({@code learner} or {@code n}) but
     * those in {@code args[1]} (comma-separated), e.g. {@code StepBenchmark learner full,sparse-4}.
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: StepBenchmark learner|n VALUE,VALUE...   (prints the parameter's values but those)");
            System.exit(2);
        }
        System.out.println(String.join(",", valuesBut(args[0], List.of(args[1].split(",")))));
    }

    /**
     * The values of this benchmark's parameter {@code name}, in their order, but {@code excluded}.
     *
     * @throws IllegalArgumentException if there is no such parameter or a value of {@code excluded} is not one of its
     *                                  values (a renamed learner must not leave the list silently whole)
     */
    static List<String> valuesBut(String name, List<String> excluded) {
        Param param;
        try {
            param = StepBenchmark.class.getField(name).getAnnotation(Param.class);
        } catch (NoSuchFieldException e) {
            param = null;
        }
        if (param == null) {
            throw new IllegalArgumentException("name: StepBenchmark has no parameter " + name);
        }
        List<String> values = List.of(param.value());
        for (String value : excluded) {
            if (!values.contains(value)) {
                throw new IllegalArgumentException("excluded: " + value + " is not a value of " + name + " " + values);
            }
        }
        return values.stream().filter(v -> !excluded.contains(v)).toList();
    }

    @Override
    OnlineTrainer newTrainer() {
        return Learners.trainer(learner, n, 1);
    }

    @Override
    String label() {
        return learner + ", n = " + n;
    }
}
