package org.sparsertrl.harness.study;

/** A study's name on the command line and its title in the report, given once at construction. */
abstract class NamedStudy implements Study {

    private final String name;
    private final String title;

    /**
     * @param name  the name on the command line, e.g. {@code adaptation}
     * @param title what the study measures, in a few words
     */
    NamedStudy(String name, String title) {
        this.name = name;
        this.title = title;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String title() {
        return title;
    }
}
