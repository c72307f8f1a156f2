package org.sparsertrl.harness.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.harness.report.ResultFiles;
import org.sparsertrl.harness.study.Stats;

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
 * Peers.Paired speed = peers.paired("dense-update", 128);     // the engine against it, round by round
 * }</pre>
 *
 * <p>bench/run measures in paired rounds: in each, the engine's full step and its sparse step with k
 * nonzeros a row at the peers' sizes (JMH sample mode: their median steps) and then the script; {@code Peers
 * pair} merges the rounds into one file, the first round's figures at its top level and every round's, with
 * the engine's medians, under {@code rounds}.
 *
 * @param available   whether anything was measured
 * @param reason      why not, when nothing was
 * @param description versions: python, numpy, scipy, the CPU the script saw, and when and at which commit
 *                    it measured (bench/run hands it a {@link MachineRecord})
 * @param k           nonzeros a row of the sparse product
 * @param runs        the dense parts, once per OpenBLAS core (the default one first)
 * @param sparse      the CSR parts (no BLAS: measured once)
 * @param sparseNote  why the sparse parts are missing, or null
 * @param rounds      the paired rounds, in order (empty in a file written before rounds were paired)
 */
record Peers(boolean available, String reason, String description, int k, List<Run> runs, List<Row> sparse,
             String sparseNote, List<Round> rounds) {

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
     * One paired round: the engine's full step, its median in microseconds by n (JMH sample mode), measured
     * just before the peers' {@code runs} of the same round; and the engine's sparse step with k nonzeros a
     * row, its median by n, beside the round's CSR figures {@code sparse} (both empty in a file written
     * before the sparse product was paired).
     */
    record Round(Map<Integer, Double> engineMicros, List<Run> runs, Map<Integer, Double> sparseEngineMicros,
                 List<Row> sparse) {
    }

    /**
     * The engine against a peer's figure over the paired rounds: per round, the peer's median call (on its
     * fastest core, for the dense figures) over the engine's median step; {@code speed} is the median of
     * those ratios, {@code slowest} and {@code fastest} their range, {@code engineMicros} and {@code
     * peerMicros} the medians of the rounds' times, {@code core} the fastest core in most rounds.
     */
    record Paired(int rounds, double speed, double slowest, double fastest, double engineMicros, double peerMicros,
                  String core) {
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

    /**
     * Usage (bench/run): {@code Peers layouts OUT.json N...} writes the engine's layouts for the script;
     * {@code Peers pair OUT.json PEERS.json ENGINE.json [PEERS.json ENGINE.json]...} merges paired rounds,
     * each the script's results and the engine's JMH results (sample mode: the full step, and the sparse
     * step when the script measured the CSR product), into one peers file.
     */
    public static void main(String[] args) throws IOException {
        String usage = "usage: Peers layouts OUT.json N... | Peers pair OUT.json PEERS.json ENGINE.json [PEERS.json ENGINE.json]...";
        if (args.length >= 3 && args[0].equals("layouts")) {
            List<Map<String, Integer>> layouts = new ArrayList<>();
            for (int i = 2; i < args.length; i++) {
                layouts.add(layout(Integer.parseInt(args[i])));
            }
            ResultFiles.writeAtomically(Path.of(args[1]), JSON.writeValueAsString(layouts).getBytes(StandardCharsets.UTF_8));
        } else if (args.length >= 4 && args.length % 2 == 0 && args[0].equals("pair")) {
            List<Path> rounds = new ArrayList<>();
            for (int i = 2; i < args.length; i++) {
                rounds.add(Path.of(args[i]));
            }
            ResultFiles.writeAtomically(Path.of(args[1]), JSON.writeValueAsString(pair(rounds)).getBytes(StandardCharsets.UTF_8));
        } else {
            System.err.println(usage);
            System.exit(2);
        }
    }

    /**
     * The paired rounds as one peers file: the first round's results with a {@code rounds} list holding,
     * per round, the engine's median full step by n and the script's dense runs, and the engine's median
     * sparse step (sparse-k) by n and the script's CSR figures. {@code files} alternate the script's results
     * and the engine's JMH results. A round whose script measured nothing makes the whole file say so (its
     * reason); an engine file without the full step, or the sparse step, at some n the peers measured is an
     * error naming the file, the step and n.
     */
    static ObjectNode pair(List<Path> files) throws IOException {
        ObjectNode first = (ObjectNode) JSON.readTree(files.get(0).toFile());
        ArrayNode rounds = JSON.createArrayNode();
        for (int i = 0; i < files.size(); i += 2) {
            JsonNode peers = JSON.readTree(files.get(i).toFile());
            if (!peers.path("available").asBoolean(false)) {
                return (ObjectNode) peers;
            }
            ObjectNode round = rounds.addObject();
            ObjectNode steps = round.putObject("engineMedianMicroseconds");
            Map<Integer, Double> full = engineMedians(files.get(i + 1), "full");
            for (JsonNode run : peers.path("runs")) {
                copyMedians(run.path("results"), full, "full RTRL", steps, files.get(i + 1), files.get(i));
            }
            round.set("runs", peers.path("runs"));
            if (!peers.path("sparse").isEmpty()) {
                String learner = "sparse-" + peers.path("k").asInt(4);
                copyMedians(peers.path("sparse"), engineMedians(files.get(i + 1), learner), learner,
                        round.putObject("sparseEngineMedianMicroseconds"), files.get(i + 1), files.get(i));
                round.set("sparse", peers.path("sparse"));
            }
        }
        first.set("rounds", rounds);
        return first;
    }

    /** Puts the engine's median at every n of the peers' {@code results} into {@code steps}; a missing n is an error. */
    private static void copyMedians(JsonNode results, Map<Integer, Double> engine, String step, ObjectNode steps,
                                    Path engineFile, Path peersFile) {
        for (JsonNode r : results) {
            int n = r.path("n").asInt();
            if (!engine.containsKey(n)) {
                throw new IllegalArgumentException(engineFile + " has no " + step + " step at n = " + n + ", which "
                        + peersFile + " measured");
            }
            steps.put(Integer.toString(n), engine.get(n));
        }
    }

    /** The median of each of {@code learner}'s steps in a JMH sample-mode result file, in microseconds, by n. */
    static Map<Integer, Double> engineMedians(Path file, String learner) throws IOException {
        Map<Integer, Double> medians = new LinkedHashMap<>();
        for (JsonNode run : JSON.readTree(file.toFile())) {
            JsonNode primary = run.path("primaryMetric");
            JsonNode median = primary.path("scorePercentiles").path("50.0");
            if (!run.path("benchmark").asText().endsWith("StepBenchmark.step")
                    || !run.path("params").path("learner").asText().equals(learner) || !median.isNumber()) {
                continue;
            }
            if (!primary.path("scoreUnit").asText().equals("us/op")) {
                throw new IllegalArgumentException(file + ": the engine's step is in " + primary.path("scoreUnit").asText()
                        + ", not us/op (run it with -tu us)");
            }
            medians.put(run.path("params").path("n").asInt(), median.asDouble());
        }
        return medians;
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
                    List.of(), List.of(), null, List.of());
        }
        List<Run> runs = runs(root.path("runs"), file);
        List<Round> rounds = new ArrayList<>();
        for (JsonNode round : root.path("rounds")) {
            rounds.add(new Round(micros(round.path("engineMedianMicroseconds")), runs(round.path("runs"), file),
                    micros(round.path("sparseEngineMedianMicroseconds")), rows(round.path("sparse"), file)));
        }
        String scipy = root.path("scipy").isTextual() ? ", scipy " + root.path("scipy").asText() : ", no scipy";
        String description = "python " + root.path("python").asText("?") + ", numpy " + root.path("numpy").asText("?")
                + scipy + "; one thread (" + String.join(", ", names(root.path("threadVariables"))) + " = 1); CPU: "
                + root.path("cpu").asText("?") + (root.path("machine").isObject() ? "; measured "
                + root.path("machine").path("measured").asText("?") + " at commit " + root.path("machine").path("commit").asText("?")
                : "");
        return new Peers(true, null, description, root.path("k").asInt(4), runs, rows(root.path("sparse"), file),
                root.path("sparseMissing").isTextual() ? root.path("sparseMissing").asText() : null, rounds);
    }

    /** A JSON object of microseconds by n. */
    private static Map<Integer, Double> micros(JsonNode byN) {
        Map<Integer, Double> micros = new LinkedHashMap<>();
        byN.fields().forEachRemaining(e -> micros.put(Integer.parseInt(e.getKey()), e.getValue().asDouble()));
        return micros;
    }

    private static List<Run> runs(JsonNode array, Path file) {
        List<Run> runs = new ArrayList<>();
        for (JsonNode run : array) {
            JsonNode blas = run.path("blas");
            String version = blas.path("version").asText("");
            String name = blas.path("config").asText("").startsWith("OpenBLAS") ? "OpenBLAS" : blas.path("name").asText("BLAS");
            runs.add(new Run(blas.path("core").asText("unknown core"), (name + " " + shortVersion(version)).trim(),
                    run.path("forcedBy").isTextual() ? run.path("forcedBy").asText() : null, rows(run.path("results"), file)));
        }
        return runs;
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

    /**
     * The engine's full step at n against the peers' figure {@code what} over the paired rounds (see
     * {@link Paired}), on the core {@code label} (a {@link Run#label()}) or, with null, each round's fastest
     * core; null if no round has both.
     */
    Paired paired(String what, int n, String label) {
        List<Double> speeds = new ArrayList<>(), engines = new ArrayList<>(), peerTimes = new ArrayList<>();
        Map<String, Integer> cores = new LinkedHashMap<>();
        for (Round round : rounds) {
            Double engine = round.engineMicros().get(n);
            Figure best = null;
            for (Run run : round.runs()) {
                Row r = run.row(what, n);
                if (r != null && (label == null || run.label().equals(label)) && (best == null || r.micros() < best.row().micros())) {
                    best = new Figure(run, r);
                }
            }
            if (engine == null || best == null) {
                continue;
            }
            speeds.add(best.row().micros() / engine);
            engines.add(engine);
            peerTimes.add(best.row().micros());
            cores.merge(best.run().label(), 1, Integer::sum);
        }
        return paired(speeds, engines, peerTimes, cores);
    }

    /**
     * The engine's sparse step at n against scipy's CSR figure {@code what} over the paired rounds (see
     * {@link Paired}; its core is "scipy"); null if no round has both.
     */
    Paired pairedSparse(String what, int n) {
        List<Double> speeds = new ArrayList<>(), engines = new ArrayList<>(), peerTimes = new ArrayList<>();
        for (Round round : rounds) {
            Double engine = round.sparseEngineMicros().get(n);
            Row r = round.sparse().stream().filter(row -> row.what().equals(what) && row.n() == n).findFirst().orElse(null);
            if (engine != null && r != null) {
                speeds.add(r.micros() / engine);
                engines.add(engine);
                peerTimes.add(r.micros());
            }
        }
        return paired(speeds, engines, peerTimes, Map.of("scipy", speeds.size()));
    }

    /** Whether the rounds paired the engine's sparse step with scipy's CSR product. */
    boolean sparsePaired() {
        return rounds.stream().anyMatch(r -> !r.sparse().isEmpty());
    }

    private static Paired paired(List<Double> speeds, List<Double> engines, List<Double> peerTimes, Map<String, Integer> cores) {
        if (speeds.isEmpty()) {
            return null;
        }
        String core = cores.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        return new Paired(speeds.size(), median(speeds), Collections.min(speeds), Collections.max(speeds), median(engines),
                median(peerTimes), core);
    }

    private static double median(List<Double> values) {
        return Stats.quantile(values.stream().mapToDouble(Double::doubleValue).toArray(), 0.5);
    }

    /** The sparse figure {@code what} at n, or null. */
    Row sparse(String what, int n) {
        return sparse.stream().filter(r -> r.what().equals(what) && r.n() == n).findFirst().orElse(null);
    }
}
