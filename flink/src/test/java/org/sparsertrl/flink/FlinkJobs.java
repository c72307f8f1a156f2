package org.sparsertrl.flink;

import java.nio.file.Path;
import java.time.Duration;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** What the MiniCluster tests share: the environment's settings and the generated, replayable source. */
final class FlinkJobs {

    private FlinkJobs() {
    }

    /**
     * An environment with checkpoints every {@code checkpointMillis} into {@code dir}, three fixed-delay
     * restarts, no Kryo fallback (every record type must be a POJO), and a savepoint to restore if
     * {@code restoreFrom} is not null.
     */
    static StreamExecutionEnvironment environment(Path dir, long checkpointMillis, String restoreFrom) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("checkpoints").toUri().toString());
        conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, dir.resolve("savepoints").toUri().toString());
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        if (restoreFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.enableCheckpointing(checkpointMillis);
        return env;
    }

    /** The generated stream's first {@code count} samples, from one reader (so each key's order is fixed), at most {@code perSecond}. */
    static DataStream<Sample> generated(StreamExecutionEnvironment env, GeneratedSamples samples, long count, double perSecond) {
        DataGeneratorSource<Sample> source = new DataGeneratorSource<>(samples, count,
                RateLimiterStrategy.perSecond(perSecond), TypeInformation.of(Sample.class));
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "generated samples").setParallelism(1).uid("source");
    }
}
