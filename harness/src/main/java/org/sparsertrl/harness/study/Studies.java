package org.sparsertrl.harness.study;

import java.util.List;

/** Every study the {@code reproduce} command knows, in report order. */
public final class Studies {

    private Studies() {
    }

    public static List<Study> all() {
        return List.of(new AdaptationStudy(), new SelectionStudy(), new ScalingStudy(), new OptimizerStudy(),
                new LorenzStudy(), new SpectralStudy(), new AlignmentStudy(), new SubsetStudy(), new PrecisionStudy(), new BciStudy(), new BaselinesStudy(),
                new ScopeStudy(), new LstmStudy(),
                new TransformerStudy());
    }

    /** The names, for messages. */
    public static List<String> names() {
        return all().stream().map(Study::name).toList();
    }

    /** The study called {@code name}. */
    public static Study named(String name) {
        return all().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown study '" + name + "'; valid: " + String.join(", ", names())));
    }
}
