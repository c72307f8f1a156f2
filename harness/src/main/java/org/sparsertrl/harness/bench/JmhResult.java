package org.sparsertrl.harness.bench;

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
 * @param bytesPerOp {@code gc.alloc.rate.norm} (every thread of the JVM), or NaN without the gc profiler
 * @param steppingBytesPerOp bytes the benchmark thread itself allocated per operation
 *                   ({@code SteppingThreadAllocation}), or NaN where the benchmark does not count them
 */
public record JmhResult(String benchmark, Map<String, String> params, double score, double error, String unit,
                        double bytesPerOp, double steppingBytesPerOp) {

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
            double bytes = Double.NaN, stepping = Double.NaN, steps = Double.NaN;
            JsonNode secondary = run.get("secondaryMetrics");
            if (secondary != null) {
                for (var it = secondary.fields(); it.hasNext(); ) {
                    var e = it.next();
                    double value = e.getValue().get("score").asDouble();
                    if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                        bytes = value;
                    } else if (e.getKey().equals("allocatedBytes")) {
                        stepping = value;
                    } else if (e.getKey().equals("steps")) {
                        steps = value;
                    }
                }
            }
            out.add(new JmhResult(name, params, primary.get("score").asDouble(), error,
                    primary.get("scoreUnit").asText(), bytes, steps > 0 ? stepping / steps : Double.NaN));
        }
        return out;
    }

    public String param(String name) {
        return params.get(name);
    }
}
