package org.sparsertrl.harness.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.sparsertrl.harness.report.ResultFiles;

/**
 * Several JMH runs' JSON result files as one, for a part that bench/run measures in more than one JMH
 * invocation (the main part's step benchmark at n = 128 and 256 runs its target learners with more forks
 * than the rest, and JMH's fork count is one per invocation). The rows are JMH's own, in the order of the
 * files; a benchmark in the same mode with the same parameters in two files is refused, since one would hide the
 * other.
 *
 * <pre>{@code
 * JmhRuns OUT.json IN.json...     // OUT is written whole or not at all
 * }</pre>
 */
final class JmhRuns {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JmhRuns() {
    }

    /** Usage: {@code JmhRuns OUT.json IN.json...}. */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: JmhRuns OUT.json IN.json...");
            System.exit(2);
        }
        concatenate(Path.of(args[0]), Arrays.stream(args, 1, args.length).map(Path::of).toList());
    }

    /**
     * Writes every row of {@code inputs}, in turn, to {@code out} (atomically).
     *
     * @throws IllegalArgumentException if an input is not a JSON array of JMH rows, or two inputs hold the
     *                                  same benchmark with the same parameters (naming both files)
     */
    static void concatenate(Path out, List<Path> inputs) throws IOException {
        ArrayNode all = JSON.createArrayNode();
        Map<String, Path> seen = new HashMap<>();
        for (Path input : inputs) {
            JsonNode rows = JSON.readTree(input.toFile());
            if (rows == null || !rows.isArray()) {
                throw new IllegalArgumentException("inputs: " + input + " is not a JMH JSON result file (no array of rows)");
            }
            for (JsonNode row : rows) {
                JsonNode benchmark = row.get("benchmark");
                if (benchmark == null) {
                    throw new IllegalArgumentException("inputs: " + input + " has a row without \"benchmark\"");
                }
                JsonNode params = row.get("params"), mode = row.get("mode");
                String key = benchmark.asText() + (mode == null ? "" : " " + mode.asText()) + (params == null ? "" : " " + params);
                Path earlier = seen.putIfAbsent(key, input);
                if (earlier != null) {
                    throw new IllegalArgumentException("inputs: " + key + " is in both " + earlier + " and " + input);
                }
                all.add(row);
            }
        }
        ResultFiles.writeAtomically(out, JSON.writeValueAsBytes(all));
    }
}
