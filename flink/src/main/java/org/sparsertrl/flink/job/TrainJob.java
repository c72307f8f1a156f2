package org.sparsertrl.flink.job;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.sparsertrl.flink.Prediction;
import org.sparsertrl.flink.Rejected;
import org.sparsertrl.flink.Sample;
import org.sparsertrl.flink.SparseRtrlOperator;

/**
 * The example job: CSV samples from a file or folder (see {@link CsvSamples}) through the keyed
 * trainers to CSV predictions. What a cluster runs with
 * {@code flink run -c org.sparsertrl.flink.job.TrainJob flink-job.jar --input IN --output OUT --m 2 --o 1}.
 *
 * <p>Writes {@code OUT/predictions/} ({@code key,time,loss,updates,diverged,y_1..y_o}) and
 * {@code OUT/rejected/} ({@code reason,row}: rows that do not parse and samples the operator refused).
 * The file sink commits its files on checkpoints, so {@code --checkpoint-ms} must be positive (default
 * 10,000). {@code --checkpoint-dir URI} sets file-system checkpoint storage, for a run outside a
 * cluster that configures its own. Options: {@link JobOptions}.
 */
public final class TrainJob {

    private TrainJob() {
    }

    /** The job's own options, for {@code --help}. */
    static final String USAGE = """
            TrainJob: CSV samples through keyed online trainers to CSV predictions.
              --input IN                     a CSV file or folder (key,time,x_1..x_m,y_1..y_o)
              --output OUT                   a folder: predictions/ and rejected/
              --checkpoint-dir URI           file-system checkpoint storage (outside a cluster that sets its own)
            """;

    public static void main(String[] args) throws Exception {
        if (JobOptions.printedHelp(args, USAGE)) {
            return;
        }
        JobOptions options = new JobOptions(args).requireKnown("input", "output", "checkpoint-dir");
        if (!options.has("input") || !options.has("output")) {
            throw new IllegalArgumentException("--input (a CSV file or folder) and --output (a folder) are required");
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, options, options.string("input", null), options.string("output", null));
        env.execute("sparse-rtrl keyed trainers: " + options.template());
    }

    /** Adds the job to {@code env}: read {@code input}, train, write under {@code output}. */
    static void build(StreamExecutionEnvironment env, JobOptions options, String input, String output) {
        long checkpointMillis = options.longValue("checkpoint-ms", 10_000, 1);
        env.enableCheckpointing(checkpointMillis);
        if (options.has("checkpoint-dir")) {
            // A cluster configures this itself (execution.checkpointing.dir); a local run needs it, as the
            // in-memory default refuses any state past 5 MiB.
            Configuration conf = new Configuration();
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, options.string("checkpoint-dir", null));
            env.configure(conf);
        }
        FileSource<String> source = FileSource.forRecordStreamFormat(new TextLineInputFormat(), new Path(input)).build();
        DataStream<String> lines = env.fromSource(source, WatermarkStrategy.noWatermarks(), "csv samples").uid("csv-source");
        SingleOutputStreamOperator<Sample> samples = lines.process(new CsvSamples(options.m(), options.o()))
                .uid("csv-parse").name("parse csv");
        SingleOutputStreamOperator<Prediction> predictions = SparseRtrlOperator.apply(samples, options.operator(false, 1, 20));
        int parallelism = options.integer("parallelism", 0, 0);
        if (parallelism > 0) {
            predictions.setParallelism(parallelism);
        }
        predictions.map(CsvSamples::row).returns(Types.STRING).uid("predictions-csv").name("prediction rows")
                .sinkTo(sink(output, "predictions")).uid("predictions-sink").name("predictions");
        DataStream<String> refused = predictions.getSideOutput(SparseRtrlOperator.REJECTED)
                .map(TrainJob::row).returns(Types.STRING).uid("rejected-csv").name("rejected rows");
        samples.getSideOutput(CsvSamples.UNPARSED).union(refused)
                .sinkTo(sink(output, "rejected")).uid("rejected-sink").name("rejected");
    }

    private static String row(Rejected r) {
        return CsvSamples.quote(r.reason()) + "," + CsvSamples.row(r.sample());
    }

    private static FileSink<String> sink(String output, String folder) {
        return FileSink.forRowFormat(new Path(output, folder), new SimpleStringEncoder<String>("UTF-8")).build();
    }
}
