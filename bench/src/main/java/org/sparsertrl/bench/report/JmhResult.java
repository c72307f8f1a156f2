package org.sparsertrl.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One row of JMH's JSON output: which benchmark with which parameters, its score with the 99.9 %
 * error JMH reports, and the bytes allocated per operation from {@code -prof gc} when present.
 *
 * @param benchmark  the simple name, e.g. {@code StepBenchmark.step}
 * @param params     the JMH parameters
 * @param score      the primary score
 * @param error      its error (99.9 % confidence half-width), NaN if JMH gave none
 * @param unit       the score's unit, e.g. {@code us/op}
 * @param bytesPerOp {@code gc.alloc.rate.norm}, or NaN when the run had no gc profiler
 */
public record JmhResult(String benchmark, Map<String, String> params, double score, double error, String unit,
                        double bytesPerOp) {

    /** Every row of a JMH JSON result file. */
    public static List<JmhResult> read(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        List<JmhResult> out = new ArrayList<>();
        for (JsonNode run : root) {
            String full = run.get("benchmark").asText();
            String[] parts = full.split("\\.");
            String name = parts[parts.length - 2] + "." + parts[parts.length - 1];
            Map<String, String> params = new LinkedHashMap<>();
            JsonNode p = run.get("params");
            if (p != null) {
                p.fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
            }
            JsonNode primary = run.get("primaryMetric");
            double error = primary.get("scoreError").isNumber() ? primary.get("scoreError").asDouble() : Double.NaN;
            double bytes = Double.NaN;
            JsonNode secondary = run.get("secondaryMetrics");
            if (secondary != null) {
                for (var it = secondary.fields(); it.hasNext(); ) {
                    var e = it.next();
                    if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                        bytes = e.getValue().get("score").asDouble();
                    }
                }
            }
            out.add(new JmhResult(name, params, primary.get("score").asDouble(), error,
                    primary.get("scoreUnit").asText(), bytes));
        }
        return out;
    }

    public String param(String name) {
        return params.get(name);
    }
}
