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
 * @param steadyBytesPerOp the least of those bytes per operation in any one measured iteration of a fork: what
 *                   every iteration allocated, as an allocation on the operation's path would (the mean where JMH
 *                   gave no per-iteration data; NaN where the benchmark does not count them); with several forks,
 *                   the most of any fork, since each fork is a JVM of its own whose compiled step may differ
 * @param oneTimeBytes the stepping thread's bytes in a fork's measured iterations beyond that fork's steady rate:
 *                   one-time events such as a JIT compile request (the most of any fork; NaN where the benchmark
 *                   does not count them)
 */
public record JmhResult(String benchmark, Map<String, String> params, double score, double error, String unit,
                        double bytesPerOp, double steppingBytesPerOp, double steadyBytesPerOp, double oneTimeBytes) {

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
            List<List<Double>> iterationBytes = List.of(), iterationSteps = List.of();
            JsonNode secondary = run.get("secondaryMetrics");
            if (secondary != null) {
                for (var it = secondary.fields(); it.hasNext(); ) {
                    var e = it.next();
                    double value = e.getValue().get("score").asDouble();
                    if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                        bytes = value;
                    } else if (e.getKey().equals("allocatedBytes")) {
                        stepping = value;
                        iterationBytes = rawData(e.getValue());
                    } else if (e.getKey().equals("steps")) {
                        steps = value;
                        iterationSteps = rawData(e.getValue());
                    }
                }
            }
            double perOp = steps > 0 ? stepping / steps : Double.NaN;
            double steady = perOp, oneTime = Double.isNaN(perOp) ? Double.NaN : 0;
            if (!Double.isNaN(perOp) && !iterationBytes.isEmpty() && sameShape(iterationBytes, iterationSteps)) {
                steady = 0;
                for (int f = 0; f < iterationBytes.size(); f++) {
                    List<Double> forkBytes = iterationBytes.get(f), forkSteps = iterationSteps.get(f);
                    double forkSteady = Double.POSITIVE_INFINITY;
                    for (int i = 0; i < forkBytes.size(); i++) {
                        forkSteady = Math.min(forkSteady, forkSteps.get(i) > 0 ? forkBytes.get(i) / forkSteps.get(i) : 0);
                    }
                    double forkOneTime = 0;
                    for (int i = 0; i < forkBytes.size(); i++) {
                        forkOneTime += forkBytes.get(i) - forkSteady * forkSteps.get(i);
                    }
                    steady = Math.max(steady, forkSteady);
                    oneTime = Math.max(oneTime, forkOneTime);
                }
            }
            out.add(new JmhResult(name, params, primary.get("score").asDouble(), error,
                    primary.get("scoreUnit").asText(), bytes, perOp, steady, oneTime));
        }
        return out;
    }

    /** A secondary metric's values per measured iteration, one list per fork (empty if JMH gave none). */
    private static List<List<Double>> rawData(JsonNode metric) {
        List<List<Double>> forks = new ArrayList<>();
        JsonNode raw = metric.get("rawData");
        if (raw != null) {
            for (JsonNode fork : raw) {
                List<Double> values = new ArrayList<>();
                for (JsonNode value : fork) {
                    values.add(value.asDouble());
                }
                forks.add(values);
            }
        }
        return forks;
    }

    /** Whether both metrics have the same number of forks and, in each, of iterations, at least one. */
    private static boolean sameShape(List<List<Double>> a, List<List<Double>> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int f = 0; f < a.size(); f++) {
            if (a.get(f).isEmpty() || a.get(f).size() != b.get(f).size()) {
                return false;
            }
        }
        return true;
    }

    public String param(String name) {
        return params.get(name);
    }
}
