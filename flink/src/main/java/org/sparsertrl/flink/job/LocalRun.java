package org.sparsertrl.flink.job;

import java.util.concurrent.TimeUnit;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.executiongraph.ArchivedExecutionGraph;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs a job on an embedded MiniCluster of its own (one TaskManager with {@code slots} slots) and
 * reports what a cluster's web UI would: run time and the completed checkpoints' size and duration.
 */
final class LocalRun {

    /** A finished run: seconds from submission to result, checkpoints completed, their mean and largest size and duration. */
    record Result(double seconds, long checkpoints, long meanStateBytes, long maxStateBytes, long meanCheckpointMillis,
                  long maxCheckpointMillis) {
    }

    private LocalRun() {
    }

    static Result run(StreamExecutionEnvironment env, int slots) throws Exception {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        MiniClusterConfiguration config = new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(slots).build();
        try (MiniCluster cluster = new MiniCluster(config)) {
            cluster.start();
            JobGraph job = env.getStreamGraph().getJobGraph();
            long start = System.nanoTime();
            cluster.submitJob(job).get();
            JobResult result = cluster.requestJobResult(job.getJobID()).get();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (!result.isSuccess()) {
                throw new IllegalStateException("the job failed", result.getSerializedThrowable()
                        .map(t -> t.deserializeError(LocalRun.class.getClassLoader())).orElse(null));
            }
            ArchivedExecutionGraph graph = cluster.getArchivedExecutionGraph(job.getJobID()).get(30, TimeUnit.SECONDS);
            CheckpointStatsSnapshot stats = graph.getCheckpointStatsSnapshot();
            if (stats == null || stats.getCounts().getNumberOfCompletedCheckpoints() == 0) {
                return new Result(seconds, 0, 0, 0, 0, 0);
            }
            var summary = stats.getSummaryStats();
            return new Result(seconds, stats.getCounts().getNumberOfCompletedCheckpoints(),
                    (long) summary.getStateSizeStats().getAverage(), summary.getStateSizeStats().getMaximum(),
                    (long) summary.getEndToEndDurationStats().getAverage(), summary.getEndToEndDurationStats().getMaximum());
        }
    }
}
