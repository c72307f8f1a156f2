package org.sparsertrl.harness.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.sparsertrl.harness.study.Protocol;
import org.sparsertrl.harness.study.Study;

/** Assembles report.md: provenance, the claims beside the paper's figures, the protocol, each study. */
public final class ReportWriter {

    private ReportWriter() {
    }

    /**
     * @param provenance name-value lines: command, commit, machine, time taken
     * @param sections   each study's report, in order
     */
    public static void write(Path file, Map<String, String> provenance, Protocol protocol,
                             List<Study.StudyReport> sections) throws IOException {
        StringBuilder md = new StringBuilder("# Reproduction report: sparse RTRL\n\n");
        md.append("Claims of arXiv 2603.15195 (\"Massive Redundancy in Gradient Transport Enables Sparse Online ")
                .append("Learning\"), measured by this repository. Every number below was computed by the command ")
                .append("named here; nothing is typed in by hand except the paper's own figures.\n\n");
        for (Map.Entry<String, String> e : provenance.entrySet()) {
            md.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        md.append("\n## The paper's claims beside ours\n\n");
        md.append(claimsTable(sections)).append('\n');
        md.append("Recovery is (L(B) - L(method)) / (L(B) - L(full RTRL)) over the adaptation window against a baseline ")
                .append("B (frozen unless named), a ratio of means over the evaluation seeds with a paired bootstrap 95 % CI ")
                .append("in brackets; it is undefined when full RTRL does not beat the baseline with a CI above zero. ")
                .append("Each verdict follows the rule beside it:\n\n");
        for (Study.StudyReport section : sections) {
            for (Study.Claim claim : section.claims()) {
                if (claim.rule() != null) {
                    md.append("- ").append(claim.claim()).append(": ").append(claim.rule()).append(".\n");
                }
            }
        }
        md.append("\nThe primate BCI figure is set beside a synthetic recording unless NWB files are given.\n\n");
        md.append(GUESSES);
        md.append("## Protocol\n\n");
        md.append("Only the paper's abstract is public, so the protocol is ours: each value below is a named default ")
                .append("of `Protocol` (harness/src/main/java/org/sparsertrl/harness/study/Protocol.java), and each ")
                .append("can be changed on the command line (`./rtrl reproduce --help`).\n\n");
        MarkdownTable table = new MarkdownTable("setting", "value");
        protocol.describe().forEach(table::row);
        md.append(table).append('\n');
        for (Study.StudyReport section : sections) {
            md.append(section.markdown());
        }
        md.append("## Files\n\n`results.csv` (one row per run), `results.json` (the same rows with binned loss curves), ")
                .append("`plots/` (the figures above).\n");
        ResultFiles.writeAtomically(file, md.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The summary table of every study's claims, the verdict first. */
    public static String claimsTable(List<Study.StudyReport> sections) {
        MarkdownTable table = new MarkdownTable("verdict", "claim", "paper", "ours");
        for (Study.StudyReport section : sections) {
            for (Study.Claim claim : section.claims()) {
                table.row(claim.verdict() == null ? "(our question)" : claim.verdict().label(), claim.claim(), claim.paper(),
                        claim.ours());
            }
        }
        return table.toString();
    }

    /** The protocol choices the paper does not publish, and what we know of their effect. */
    static final String GUESSES = """
            ## What we had to guess

            The paper publishes only its abstract. Every choice below is ours; each is an option of `./rtrl reproduce`
            (`--help` lists them), so anyone can run other variants than the defaults.

            - Task. The paper's tasks are not described beyond their names. A task whose target is a short linear
              function of recent inputs (the sine: y_t = 2 cos(w) x_t - x_{t-1}) is solved by the readout alone, so it
              cannot separate the learners; it stays as a null control. The default is the product task
              y_t = 2 x_{t-1} x_{t-D} with D shifting (`--task`, `--product-lags`, `--delay-lags`, `--inputs`). The
              adaptation study's "Which tasks separate the learners" table shows what changes with the task.
            - Initialisation. The paper's condition numbers (2.6 to 6.5) fit an orthogonal W with unsaturated units; a
              Gaussian W gives condition numbers that grow with n. The default is orthogonal W with gain 0.9 and input
              weights scaled by 0.3 (`--init`, `--gain`, `--input-scale`); the spectral study reports both kinds.
            - Whether the readout adapts. In every learner here the readout (V, c) learns with its exact gradient;
              the readout-only control measures how much of the adaptation that alone achieves.
            - Leak. The cell is a plain tanh RNN without a leak term (no option; the LSTM study covers a gated cell).
            - Learning rates. Each method gets its own rate from a grid (`--rates`, `--sgd-rates`), picked on tuning
              seeds (`--tuning-seeds`, `--first-tuning-seed`) and rejected when its no-shift damage exceeds
              `--max-damage`; the grids scale as 64 / n above n = 64. A single shared rate makes full RTRL, the
              reference, fail at n >= 128; the rate tables in each section show the loss at every rate.
            - Pre-training. Truncated BPTT through `--pretrain-window` steps (0: full RTRL), `--pretrain-steps` steps,
              Adam at `--pretrain-lr` annealed over the last quarter. Seeds whose pre-training fails (`--fail-above`)
              are counted apart.
            - After the shift. Fresh sensitivities and optimizer moments by default; `--keep-moments` keeps Adam's
              moments from pre-training and `--warm-up` ramps the rate up, for anyone who wants to measure them.

            """;
}
