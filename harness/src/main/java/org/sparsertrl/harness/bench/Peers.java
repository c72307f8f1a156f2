package org.sparsertrl.harness.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.harness.report.ResultFiles;

/**
 * What bench/peers.py measured: numpy/OpenBLAS's W J product and full RTRL update, and scipy's CSR
 * product, on one thread at the engine's own shapes, per BLAS core it ran on; or why nothing was
 * measured (no python3, no numpy). The shapes come from the engine: {@code Peers layouts OUT.json N...}
 * writes the {@link RnnLayout}s the script reads (m = 4, o = 1, as the JMH suite), so the script
 * computes no layout of its own.
 *
 * <pre>{@code
 * Peers peers = Peers.read(Path.of("bench/results/quick-peers.json"));
 * Peers.Figure update = peers.fastest("dense-update", 128);   // the fastest BLAS core's figure
 * }</pre>
 *
 * @param available   whether anything was measured
 * @param reason      why not, when nothing was
 * @param description versions: python, numpy, scipy, the CPU the script saw, and when and at which commit
 *                    it measured (bench/run hands it a {@link MachineRecord})
 * @param k           nonzeros a row of the sparse product
 * @param runs        the dense parts, once per OpenBLAS core (the default one first)
 * @param sparse      the CSR parts (no BLAS: measured once)
 * @param sparseNote  why the sparse parts are missing, or null
 */
record Peers(boolean available, String reason, String description, int k, List<Run> runs, List<Row> sparse,
             String sparseNote) {

    /** The figure names the script writes. */
    static final String DENSE_PRODUCT = "dense-product";
    static final String DENSE_UPDATE = "dense-update";
    static final String CSR_PRODUCT = "csr-product";
    static final String CSR_KERNEL = "csr-kernel";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The dense parts on one OpenBLAS core: {@code core} as OpenBLAS named it, {@code forcedBy} what set
     * OPENBLAS_CORETYPE (null: OpenBLAS's own choice for the CPU).
     */
    record Run(String core, String blas, String forcedBy, List<Row> rows) {
        Row row(String what, int n) {
            return rows.stream().filter(r -> r.what().equals(what) && r.n() == n).findFirst().orElse(null);
        }

        /** How the report names the run: {@code OpenBLAS 0.3.31, SkylakeX}, marked when the core was forced. */
        String label() {
            return blas + ", " + core + (forcedBy == null ? "" : " (forced)");
        }
    }

    /** A figure and the run it came from. */
    record Figure(Run run, Row row) {
    }

    /**
     * One figure over {@code calls} calls, each timed alone: {@code micros} is the median call, what the report
     * compares (a call stalled by the shared machine, seen once at five minutes, moves a mean, not a median),
     * beside the mean and the fastest call; GFLOP/s at the median.
     */
    record Row(int n, String what, double micros, double meanMicros, double minMicros, long calls, double flops) {
        double gflops() {
            return flops / (micros * 1e3);
        }
    }

    /** Usage: {@code Peers layouts OUT.json N...}: the engine's layouts for the script (bench/run). */
    public static void main(String[] args) throws IOException {
        if (args.length < 3 || !args[0].equals("layouts")) {
            System.err.println("usage: Peers layouts OUT.json N...");
            System.exit(2);
        }
        List<Map<String, Integer>> layouts = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            layouts.add(layout(Integer.parseInt(args[i])));
        }
        ResultFiles.writeAtomically(Path.of(args[1]), JSON.writeValueAsString(layouts).getBytes(StandardCharsets.UTF_8));
    }

    /** The vanilla cell's layout at n, as the script reads it: p, the paddings and where W, U and b start in a row of J. */
    static Map<String, Integer> layout(int n) {
        RnnLayout l = new RnnLayout(n, PerformanceModel.M, PerformanceModel.O);
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("n", n);
        m.put("m", l.m());
        m.put("o", l.o());
        m.put("p", l.recurrentSize());
        m.put("nPad", l.nPad());
        m.put("mPad", l.mPad());
        m.put("wOffset", l.wOffset());
        m.put("uOffset", l.uOffset());
        m.put("bOffset", l.bOffset());
        return m;
    }

    /**
     * The script's results. Every row's p must be the engine's width at its n, or the figures would be
     * of another shape: a mismatch is an error naming both.
     */
    static Peers read(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        if (!root.path("available").asBoolean(false)) {
            return new Peers(false, root.path("reason").asText("the peers file says nothing was measured"), "", 0,
                    List.of(), List.of(), null);
        }
        List<Run> runs = new ArrayList<>();
        for (JsonNode run : root.path("runs")) {
            JsonNode blas = run.path("blas");
            String version = blas.path("version").asText("");
            String name = blas.path("config").asText("").startsWith("OpenBLAS") ? "OpenBLAS" : blas.path("name").asText("BLAS");
            runs.add(new Run(blas.path("core").asText("unknown core"), (name + " " + shortVersion(version)).trim(),
                    run.path("forcedBy").isTextual() ? run.path("forcedBy").asText() : null, rows(run.path("results"), file)));
        }
        String scipy = root.path("scipy").isTextual() ? ", scipy " + root.path("scipy").asText() : ", no scipy";
        String description = "python " + root.path("python").asText("?") + ", numpy " + root.path("numpy").asText("?")
                + scipy + "; one thread (" + String.join(", ", names(root.path("threadVariables"))) + " = 1); CPU: "
                + root.path("cpu").asText("?") + (root.path("machine").isObject() ? "; measured "
                + root.path("machine").path("measured").asText("?") + " at commit " + root.path("machine").path("commit").asText("?")
                : "");
        return new Peers(true, null, description, root.path("k").asInt(4), runs, rows(root.path("sparse"), file),
                root.path("sparseMissing").isTextual() ? root.path("sparseMissing").asText() : null);
    }

    private static List<Row> rows(JsonNode results, Path file) {
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : results) {
            int n = r.path("n").asInt();
            long p = r.path("p").asLong();
            long engine = PerformanceModel.width(CellKind.VANILLA, n);
            if (p != engine) {
                throw new IllegalArgumentException(file + ": " + r.path("what").asText() + " at n = " + n + " was measured with p = "
                        + p + ", but the engine's layout has p = " + engine + " (write the layouts with Peers layouts)");
            }
            rows.add(new Row(n, r.path("what").asText(), r.path("medianMicroseconds").asDouble(Double.NaN),
                    r.path("microseconds").asDouble(Double.NaN), r.path("minMicroseconds").asDouble(Double.NaN),
                    r.path("calls").asLong(), r.path("flops").asDouble(Double.NaN)));
        }
        return rows;
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names.isEmpty() ? List.of("threads") : names;
    }

    /** 0.3.31.188.0 (scipy-openblas's build number appended) as 0.3.31. */
    private static String shortVersion(String version) {
        String[] parts = version.split("\\.");
        return parts.length > 3 ? parts[0] + "." + parts[1] + "." + parts[2] : version;
    }

    /** The figure {@code what} at n from the run that did it fastest (the median call), or null if none has it. */
    Figure fastest(String what, int n) {
        Figure best = null;
        for (Run run : runs) {
            Row r = run.row(what, n);
            if (r != null && (best == null || r.micros() < best.row().micros())) {
                best = new Figure(run, r);
            }
        }
        return best;
    }

    /** The sparse figure {@code what} at n, or null. */
    Row sparse(String what, int n) {
        return sparse.stream().filter(r -> r.what().equals(what) && r.n() == n).findFirst().orElse(null);
    }
}
