package org.sparsertrl.flink.job;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;
import org.sparsertrl.flink.GeneratedSamples;
import org.sparsertrl.flink.Prediction;
import org.sparsertrl.flink.Sample;
import org.sparsertrl.flink.SparseRtrlOperator;
import org.sparsertrl.flink.TrainerBytes;
import org.sparsertrl.flink.TrainerTemplate;

/**
 * {@code ./rtrl flink-bench}: samples per second through the keyed operator on an embedded MiniCluster,
 * against the bare engine's step rate on one thread, with the state bytes per key and the checkpoints'
 * size and duration. Prints a Markdown table.
 *
 * <p>Protocol (ours): a generated stream ({@link GeneratedSamples}, every key in turn, all samples
 * training) from one unthrottled source, the operator at the given parallelism, one sink that counts.
 * The rate is taken at the sink from the 10 %-th prediction to the last, so start-up and the first
 * trainers' creation are left out; checkpoints every {@code --checkpoint-ms} into the file system stay
 * in. "Per slot" is the rate divided by the parallelism; the ratio compares it to the bare engine
 * stepping one trainer on the same kind of samples, the best of at least three runs of {@code --bare-seconds} after a warm-up,
 * measured just before each run (on a shared machine the engine's own rate drifts with the load).
 * A second bare figure steps as many trainers as the operator keeps live (the keys, at most
 * {@code --max-live-trainers}) in turn, one sample each: the engine paying for many models' memory
 * (each n = 32 sparse-4 trainer's working set is a few hundred KiB) but for nothing of Flink.
 * Rates swing with a shared machine's load; CPU time much less, so at parallelism 1 (the sink chained to
 * the operator, in its thread) the table also gives the operator thread's CPU time per sample beside
 * the bare engine's per step, and their ratio.
 *
 * Options: {@link #USAGE}.
 */
public final class OperatorBench {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private OperatorBench() {
    }

    /** The bench's own options (and its defaults of the job's), for {@code --help}. */
    static final String USAGE = """
            ./rtrl flink-bench: samples per second through the keyed operator against the bare engine.
              --keys 100,10000 --parallelism 1,2   the grid
              --samples 200000                     samples per run (at least 4 per key)
              --checkpoint-ms 5000 --bare-seconds 2
              --batch 4096 --batch-ms 200          the operator's batches (--batch 1: every sample at once)
            """;

    public static void main(String[] args) throws Exception {
        if (JobOptions.printedHelp(args, USAGE)) {
            return;
        }
        JobOptions options = new JobOptions(args).requireKnown("keys", "samples", "bare-seconds");
        TrainerTemplate template = options.template();
        int[] keyCounts = list(options, "keys", "100,10000");
        int[] parallelisms = list(options, "parallelism", "1,2");
        long samples = options.longValue("samples", 200_000, 1);
        long checkpointMillis = options.longValue("checkpoint-ms", 5_000, 1);
        double bareSeconds = options.real("bare-seconds", 2f);
        int maxLive = options.integer("max-live-trainers", 1_024, 1);
        int batch = options.integer("batch", 4_096, 1);
        long batchMillis = options.longValue("batch-ms", 200, 1);
        Path tmp = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "flink-bench");

        System.out.printf("flink-bench: %s; at most %,d live trainers per instance; batches of up to %,d samples "
                        + "(%d ms); checkpoints every %d ms%n", template, maxLive, batch, batchMillis, checkpointMillis);
        long stateBytes = stateBytesPerKey(template);
        System.out.printf("stored trainer: %,d bytes per key%n", stateBytes);

        List<String> rows = new ArrayList<>();
        for (int keys : keyCounts) {
            for (int parallelism : parallelisms) {
                // Measured next to each run: on a shared machine the engine's rate drifts with the load.
                Bare bare = bareRate(template, bareSeconds, 1);
                int inTurn = Math.min(keys, maxLive);
                Bare bareInTurn = bareRate(template, bareSeconds, inTurn);
                long steps = Math.max(4, samples / keys);
                long count = steps * keys;
                StreamExecutionEnvironment env = environment(tmp.resolve(keys + "-" + parallelism), checkpointMillis);
                DataStream<Sample> source = env.fromSource(new DataGeneratorSource<>(
                                new GeneratedSamples(keys, template.m(), template.o(), 0), count, TypeInformation.of(Sample.class)),
                        WatermarkStrategy.noWatermarks(), "generated").setParallelism(1);
                SingleOutputStreamOperator<Prediction> predictions = SparseRtrlOperator.apply(source, options.operator(false, batch, batchMillis));
                predictions.setParallelism(parallelism);
                predictions.transform("count", Types.VOID, new CountingSink(count)).setParallelism(1);
                CountingSink.reset();
                LocalRun.Result r = LocalRun.run(env, parallelism);
                double rate = CountingSink.rate();
                double perSlot = rate / parallelism;
                // At parallelism 1 the sink is chained to the operator: its thread's CPU time is the operator's task's.
                String cpu = parallelism == 1 ? String.format("%.1f / %.1f µs (%.0f %%)", CountingSink.cpuMicrosPerSample(),
                        bare.cpuMicrosPerStep(), 100 * bare.cpuMicrosPerStep() / CountingSink.cpuMicrosPerSample()) : "";
                String row = String.format("| %,d | %d | %,d | %,.0f | %,.0f | %,.0f | %.0f %% | %,d: %,.0f | %.0f %% | %s | %d | %s | %,d ms |",
                        keys, parallelism, count, rate, perSlot, bare.rate(), 100 * perSlot / bare.rate(), inTurn,
                        bareInTurn.rate(), 100 * perSlot / bareInTurn.rate(), cpu, r.checkpoints(),
                        FlinkDemo.bytes(r.meanStateBytes()), r.meanCheckpointMillis());
                System.out.println(row);
                rows.add(row);
            }
        }
        FlinkDemo.deleteTree(tmp); // the checkpoints: up to gigabytes with many keys
        System.out.println();
        System.out.printf("stored trainer: %,d bytes per key (a key past its first rollback snapshot stores it twice)%n%n",
                stateBytes);
        System.out.println("| keys | parallelism | samples | samples/s | per slot | bare engine steps/s | per slot / bare | "
                + "bare engine, trainers in turn: steps/s | per slot / in turn | CPU per sample: operator's thread / bare "
                + "engine's (p = 1) | checkpoints | checkpoint size (mean) | checkpoint duration (mean) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    private static StreamExecutionEnvironment environment(Path dir, long checkpointMillis) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.enableCheckpointing(checkpointMillis);
        return env;
    }

    /**
     * Steps per second of {@code trainers} trainers stepped in turn, one sample each (as the operator
     * steps its keys), on the generated samples: the best of the runs after a warm-up, run until the CPU
     * time per step has stopped falling for two of them (at least three, at most nine). One trainer is the
     * engine at its best, its state in cache; many show what their memory alone costs.
     */
    static Bare bareRate(TrainerTemplate template, double seconds, int trainers) {
        GeneratedSamples generated = new GeneratedSamples(1, template.m(), template.o(), 0);
        Sample[] ring = new Sample[1_000];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = generated.sample(i);
        }
        OnlineTrainer[] each = new OnlineTrainer[trainers];
        try {
            for (int k = 0; k < trainers; k++) {
                each[k] = template.create(GeneratedSamples.key(k));
            }
            // Rounds until the CPU time per step stops falling (at least a warm-up and three, at most ten):
            // on a loaded machine the JIT's compiler threads can take several rounds to compile the
            // Vector API kernels, and a round that ran them interpreted would flatter the operator.
            double rate = 0;
            double cpu = Double.MAX_VALUE;
            for (int round = 0, stable = 0; round < 10 && (round < 4 || stable < 2); round++) {
                long steps = 0;
                long startCpu = THREADS.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                long end = start + (long) (seconds * 1e9);
                long now;
                do {
                    for (int i = 0; i < 100; i++, steps++) {
                        Sample s = ring[(int) ((steps / trainers) % ring.length)];
                        each[(int) (steps % trainers)].step(s.input(), s.target());
                    }
                    now = System.nanoTime();
                } while (now < end);
                if (round > 0) {
                    double roundCpu = (THREADS.getCurrentThreadCpuTime() - startCpu) / 1e3 / steps;
                    stable = roundCpu > 0.97 * cpu ? stable + 1 : 0;
                    rate = Math.max(rate, steps / ((now - start) / 1e9));
                    cpu = Math.min(cpu, roundCpu);
                }
            }
            return new Bare(rate, cpu);
        } finally {
            for (OnlineTrainer t : each) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    /** The bare engine's best rate, and its CPU time per step (which the machine's load changes far less). */
    record Bare(double rate, double cpuMicrosPerStep) {
    }

    /** The stored size of one key's trainer after some steps (the size does not depend on the values). */
    static long stateBytesPerKey(TrainerTemplate template) {
        try (OnlineTrainer trainer = template.create(GeneratedSamples.key(0)); TrainerState scratch = trainer.newState(true)) {
            return TrainerBytes.save(trainer, scratch).length;
        }
    }

    private static int[] list(JobOptions options, String name, String fallback) {
        String[] parts = options.string(name, fallback).split(",");
        int[] values = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                values[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " = '" + options.string(name, "") + "': expected integers, comma separated");
            }
            if (values[i] < 1) {
                throw new IllegalArgumentException("--" + name + " = '" + options.string(name, "") + "': each must be >= 1");
            }
        }
        return values;
    }

    /** Counts predictions and notes when the 10 %-th and the last arrived (the bench runs in this JVM). */
    static final class CountingSink extends AbstractStreamOperator<Void> implements OneInputStreamOperator<Prediction, Void> {
        private static final long serialVersionUID = 1L;
        private static volatile long from;
        private static volatile long to;
        private static volatile long counted;
        private static volatile long fromCpu;
        private static volatile long toCpu;
        private final long expected;
        private transient long seen;

        CountingSink(long expected) {
            this.expected = expected;
        }

        static void reset() {
            from = 0;
            to = 0;
            counted = 0;
        }

        static double rate() {
            return counted / ((to - from) / 1e9);
        }

        /** CPU time of the sink's thread per counted sample: the operator's too when the two are chained. */
        static double cpuMicrosPerSample() {
            return (toCpu - fromCpu) / 1e3 / counted;
        }

        @Override
        public void processElement(StreamRecord<Prediction> element) {
            seen++;
            if (seen == expected / 10) {
                from = System.nanoTime();
                fromCpu = THREADS.getCurrentThreadCpuTime();
            } else if (seen == expected) {
                to = System.nanoTime();
                toCpu = THREADS.getCurrentThreadCpuTime();
                counted = expected - expected / 10;
            }
        }
    }
}
