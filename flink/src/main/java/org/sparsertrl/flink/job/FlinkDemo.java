package org.sparsertrl.flink.job;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.sparsertrl.flink.GeneratedSamples;

/**
 * {@code ./rtrl flink-demo}: writes a generated CSV stream of many keys ({@link GeneratedSamples}; every
 * 10th step of a key prediction-only), runs the example job ({@link TrainJob}) on it on an embedded
 * MiniCluster, and prints the throughput and the checkpoints' size and duration.
 *
 * Options: {@link #USAGE}.
 */
public final class FlinkDemo {

    private FlinkDemo() {
    }

    /** The demo's own options, for {@code --help}. */
    static final String USAGE = """
            ./rtrl flink-demo: the example job on an embedded MiniCluster, on a generated stream of many keys.
              --keys 1000 --steps 100        keys, and samples per key
              --parallelism 2                the operator's parallelism (and the cluster's slots)
              --checkpoint-ms 1000           checkpoint interval
              --out TMP/flink-demo           where the input, the output and the checkpoints go (emptied first)
            """;

    public static void main(String[] args) throws Exception {
        if (JobOptions.printedHelp(args, USAGE)) {
            return;
        }
        JobOptions options = new JobOptions(args).requireKnown("keys", "steps", "out");
        int keys = options.integer("keys", 1_000, 1);
        int steps = options.integer("steps", 100, 1);
        int parallelism = options.integer("parallelism", 2, 1);
        Path out = Path.of(options.string("out", Path.of(System.getProperty("java.io.tmpdir"), "flink-demo").toString())).toAbsolutePath();
        deleteTree(out);
        Path input = out.resolve("input").resolve("samples.csv");
        Files.createDirectories(input.getParent());
        GeneratedSamples generated = new GeneratedSamples(keys, options.m(), options.o(), 10);
        long count = (long) keys * steps;
        try (BufferedWriter w = Files.newBufferedWriter(input, StandardCharsets.UTF_8)) {
            w.write("# key,time,x_1..x_m,y_1..y_o (a row with only inputs is prediction-only)\n");
            for (long i = 0; i < count; i++) {
                w.write(CsvSamples.row(generated.sample(i)));
                w.write('\n');
            }
        }
        System.out.printf("flink-demo: %,d samples of %,d keys (%d steps each) in %s%n", count, keys, steps, input);
        System.out.printf("trainer template: %s; operator parallelism %d, at most %s live trainers per instance%n",
                options.template(), parallelism, options.string("max-live-trainers", "1024"));

        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, out.resolve("checkpoints").toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        String[] withDefaults = withDefault(args, "checkpoint-ms", "1000");
        TrainJob.build(env, new JobOptions(withDefaults), input.toString(), out.resolve("output").toString());
        LocalRun.Result r = LocalRun.run(env, parallelism);

        long predictions = countRows(out.resolve("output").resolve("predictions"));
        System.out.printf("%,d samples in %.2f s (MiniCluster start and stop included): %,.0f samples/s%n",
                count, r.seconds(), count / r.seconds());
        System.out.printf("checkpoints: %d completed, state %s mean, %s largest; duration %d ms mean, %d ms longest%n",
                r.checkpoints(), bytes(r.meanStateBytes()), bytes(r.maxStateBytes()), r.meanCheckpointMillis(),
                r.maxCheckpointMillis());
        System.out.printf("predictions: %,d rows under %s%n", predictions, out.resolve("output").resolve("predictions"));
    }

    static String[] withDefault(String[] args, String name, String value) {
        for (String a : args) {
            if (a.equals("--" + name)) {
                return args;
            }
        }
        String[] more = java.util.Arrays.copyOf(args, args.length + 2);
        more[args.length] = "--" + name;
        more[args.length + 1] = value;
        return more;
    }

    static String bytes(long b) {
        return b >= 1L << 20 ? String.format("%.1f MiB", b / (double) (1L << 20)) : String.format("%.1f KiB", b / 1024.0);
    }

    private static long countRows(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long rows = 0;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith(".")).toList()) {
                try (Stream<String> lines = Files.lines(f)) {
                    rows += lines.count();
                }
            }
        }
        return rows;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
