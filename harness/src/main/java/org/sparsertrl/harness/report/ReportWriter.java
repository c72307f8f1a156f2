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
        md.append("Recovery is (L(frozen) - L(method)) / (L(frozen) - L(full RTRL)) over the adaptation window, ")
                .append("mean ± sample std over seeds; \"undefined\" counts seeds where full RTRL did not clearly beat ")
                .append("the baseline or a run diverged (see the protocol).\n\n");
        md.append("Not measured by this command: sparse gradient transport over transformer heads. The primate BCI ")
                .append("figure is set beside a synthetic recording unless NWB files are given.\n\n");
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

    /** The summary table of every study's claims. */
    public static String claimsTable(List<Study.StudyReport> sections) {
        MarkdownTable table = new MarkdownTable("claim", "paper", "ours");
        for (Study.StudyReport section : sections) {
            for (Study.Claim claim : section.claims()) {
                table.row(claim.claim(), claim.paper(), claim.ours());
            }
        }
        return table.toString();
    }
}
