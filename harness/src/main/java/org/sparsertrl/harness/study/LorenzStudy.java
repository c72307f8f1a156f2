package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.Plots;
import org.sparsertrl.harness.report.RunRecord;

/**
 * A chaotic task: Lorenz one-step-ahead prediction with a parameter shift. The paper reports sparse
 * RTRL more stable across seeds than full RTRL (coefficient of variation of the post-shift loss 13 %
 * against 88 %).
 */
public final class LorenzStudy implements Study {

    @Override
    public String name() {
        return "lorenz";
    }

    @Override
    public String title() {
        return "Lorenz prediction after a parameter shift: spread across seeds";
    }

    private static List<Method> methods(Protocol p) {
        return List.of(Method.frozen(), Method.immediate(), Method.sparse(p.k()), Method.full());
    }

    @Override
    public List<Work> plan(Protocol p) {
        return Adaptations.plan(p, Adaptations.cells(p, Cell.Task.LORENZ, p.lorenzN()), methods(p));
    }

    @Override
    public StudyReport report(Protocol p, ExperimentRunner runner, Path plots) throws IOException {
        List<Cell> cells = Adaptations.cells(p, Cell.Task.LORENZ, p.lorenzN());
        List<RunRecord> all = new ArrayList<>();
        Map<Method, List<RunRecord>> byMethod = new LinkedHashMap<>();
        for (Method m : methods(p)) {
            List<RunRecord> rows = Adaptations.records(name(), p, runner, cells, m);
            byMethod.put(m, rows);
            all.addAll(rows);
        }
        List<String> header = new ArrayList<>(List.of("seed"));
        byMethod.keySet().forEach(m -> header.add(m.label()));
        MarkdownTable perSeed = new MarkdownTable(header.toArray(String[]::new));
        for (int s = 0; s < cells.size(); s++) {
            List<Object> row = new ArrayList<>(List.of(cells.get(s).seed()));
            for (List<RunRecord> rows : byMethod.values()) {
                RunRecord r = rows.get(s);
                row.add(r.divergedAt() != null ? "diverged at step " + r.divergedAt()
                        : r.loss() == null ? String.valueOf(r.undefined()) : String.format("%.3e", r.loss()));
            }
            perSeed.row(row.toArray());
        }
        MarkdownTable spread = new MarkdownTable("method", "post-shift loss", "CV across seeds", "diverged runs",
                "recovery vs frozen", "paper CV");
        for (Map.Entry<Method, List<RunRecord>> e : byMethod.entrySet()) {
            Stats loss = Adaptations.stats(e.getValue(), RunRecord::loss);
            Method m = e.getKey();
            spread.row(m.label(), Adaptations.summary(e.getValue(), RunRecord::loss, false), Double.isNaN(loss.cv()) ? "n/a" : String.format("%.0f %%", 100 * loss.cv()),
                    Adaptations.diverged(e.getValue()), m.kind() == Method.Kind.FROZEN ? ""
                            : Adaptations.summary(e.getValue(), RunRecord::recovery, true),
                    m.kind() == Method.Kind.FULL ? "88 %" : m.kind() == Method.Kind.SPARSE ? "13 %" : "");
        }
        List<Plots.Series> perSeedSeries = new ArrayList<>();
        double[] seedAxis = cells.stream().mapToDouble(Cell::seed).toArray();
        for (Map.Entry<Method, List<RunRecord>> e : byMethod.entrySet()) {
            perSeedSeries.add(new Plots.Series(e.getKey().label(), seedAxis,
                    e.getValue().stream().mapToDouble(r -> RunRecord.value(r.loss())).toArray(), null));
        }
        Plots.lines(plots.resolve("lorenz-seeds.png"), "Post-shift loss per seed (Lorenz, n = " + p.lorenzN()
                + "; a missing point is a diverged run)", "seed", "mean loss over the window (log)", false, true,
                perSeedSeries);
        StudyText.lossCurves(p, runner, cells, byMethod, plots.resolve("lorenz-loss.png"),
                "Loss around the parameter shift (Lorenz, n = " + p.lorenzN() + ", mean of " + p.seeds() + " seeds)");

        Stats full = Adaptations.stats(byMethod.get(Method.full()), RunRecord::loss);
        Stats sparse = Adaptations.stats(byMethod.get(Method.sparse(p.k())), RunRecord::loss);
        long fullDiverged = Adaptations.diverged(byMethod.get(Method.full()));
        long sparseDiverged = Adaptations.diverged(byMethod.get(Method.sparse(p.k())));
        StringBuilder md = new StringBuilder("## lorenz: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "Lorenz one-step-ahead prediction, n = " + p.lorenzN() + ", rho "
                + p.rhoBefore() + " -> " + p.rhoAfter(), "frozen, immediate derivatives, sparse RTRL with k = " + p.k()
                + " random paths, and full RTRL"));
        md.append("The quantity of this study is the spread of the post-shift loss across seeds: CV = sample std / mean "
                + "of L(method) over the seeds that did not diverge; diverged runs are counted apart.\n\n");
        md.append(spread).append('\n').append(perSeed).append('\n');
        md.append(String.format("The paper reports CV 13 %% for sparse and 88 %% for full RTRL (sparse more stable). "
                + "Here: sparse %s, full %s; %s.%n%n", cvText(sparse), cvText(full),
                stabilityVerdict(sparse, full, sparseDiverged, fullDiverged)));
        md.append("![post-shift loss per seed](plots/lorenz-seeds.png)\n\n![loss around the shift](plots/lorenz-loss.png)\n\n");
        return new StudyReport(md.toString(), all, List.of(new Claim("Lorenz: sparse more stable than full",
                "CV 13 % (sparse) vs 88 % (full)", "CV " + cvText(sparse) + " (sparse) vs " + cvText(full) + " (full); "
                + sparseDiverged + " and " + fullDiverged + " diverged")));
    }

    /**
     * Compares the spreads only when both rest on the same seeds: a method that diverged on some seeds
     * has its CV computed over the survivors, which says nothing about its stability.
     */
    /** CVs closer than this factor are called alike: with five seeds a CV is itself uncertain by tens of percent. */
    static final double ALIKE = 1.5;

    static String stabilityVerdict(Stats sparse, Stats full, long sparseDiverged, long fullDiverged) {
        if (sparseDiverged != fullDiverged) {
            return String.format("no CV comparison: %d sparse and %d full runs diverged, and divergence is the "
                    + "instability that matters; %s", sparseDiverged, fullDiverged,
                    sparseDiverged < fullDiverged ? "sparse diverged less often" : "full RTRL diverged less often");
        }
        if (sparse.count() < 3 || full.count() < 3 || !Double.isFinite(sparse.cv()) || !Double.isFinite(full.cv())) {
            return "too few finite runs to compare spreads";
        }
        double ratio = full.cv() / sparse.cv();
        if (ratio < ALIKE && ratio > 1 / ALIKE) {
            return String.format("the spreads are alike (within a factor of %.1f, which a handful of seeds cannot "
                    + "tell apart), unlike the paper's factor of 7", ALIKE);
        }
        return sparse.cv() < full.cv() ? "sparse is the more stable, as the paper says"
                : "sparse is not the more stable here, unlike the paper";
    }

    private static String cvText(Stats s) {
        return Double.isFinite(s.cv()) ? String.format("%.0f %%", 100 * s.cv()) : "n/a";
    }
}
