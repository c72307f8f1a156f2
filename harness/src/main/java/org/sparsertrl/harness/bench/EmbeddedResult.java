package org.sparsertrl.harness.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.sparsertrl.harness.report.ResultFiles;

/**
 * What the embedded-runtime probe measured at one size: the sustained rate (samples offered as fast
 * as the input ring takes them) and the latency percentiles at a fixed offered rate, half of that
 * sustained rate. Latencies in microseconds.
 *
 * @param n                 hidden units (sparse RTRL, k = 4, m = 4 inputs, o = 1)
 * @param sustainedPerSecond steps per second with the producer offering as fast as it can
 * @param offeredPerSecond  the fixed rate of the latency run
 * @param steps             steps trained in the latency run
 * @param stepP50           the agent's step time, median, and so on
 * @param endToEndP50       offer to published prediction, median, and so on
 */
public record EmbeddedResult(int n, int k, double sustainedPerSecond, int offeredPerSecond, long steps,
                             double stepP50, double stepP99, double stepP999, double stepMax,
                             double endToEndP50, double endToEndP99, double endToEndP999, double endToEndMax) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static List<EmbeddedResult> read(Path file) throws IOException {
        return Arrays.asList(JSON.readValue(file.toFile(), EmbeddedResult[].class));
    }

    public static void write(Path file, List<EmbeddedResult> results) throws IOException {
        ResultFiles.writeAtomically(file, JSON.writeValueAsString(results).getBytes(StandardCharsets.UTF_8));
    }
}
