package org.sparsertrl.harness.task;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Two real recordings as one stream: session A's bins until the shift, session B's after it, each
 * repeated from its start when the steps outrun the recording. The input is sqrt(count) per unit
 * (the two sessions are aligned unit by unit; a session with fewer units leaves the rest silent);
 * the target is the velocity divided by session A's largest speed, so both sessions share one scale.
 */
public final class NwbStream implements Stream {

    private static final ConcurrentHashMap<String, NwbRecording.Binned> LOADED = new ConcurrentHashMap<>();

    private final NwbRecording.Binned a;
    private final NwbRecording.Binned b;
    private final long shiftAt;
    private final int units;
    private final double scale;
    private long step;

    public NwbStream(Path sessionA, Path sessionB, double binSeconds, long shiftAt) {
        this.a = load(sessionA, binSeconds);
        this.b = load(sessionB, binSeconds);
        this.shiftAt = shiftAt;
        this.units = Math.max(a.counts()[0].length, b.counts()[0].length);
        double max = 0;
        for (double[] v : a.velocity()) {
            max = Math.max(max, Math.hypot(v[0], v[1]));
        }
        this.scale = max > 0 ? max : 1;
    }

    /** Reads and bins a file once per process; later streams share the result. */
    public static NwbRecording.Binned load(Path file, double binSeconds) {
        return LOADED.computeIfAbsent(file.toAbsolutePath() + "@" + binSeconds, key -> {
            try {
                return NwbRecording.read(file).bin(binSeconds);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Units of the wider session: the decoder's inputs. */
    public static int units(Path sessionA, Path sessionB, double binSeconds) {
        return Math.max(load(sessionA, binSeconds).counts()[0].length, load(sessionB, binSeconds).counts()[0].length);
    }

    @Override
    public int inputs() {
        return units;
    }

    @Override
    public int outputs() {
        return 2;
    }

    @Override
    public void next(float[] input, float[] target) {
        NwbRecording.Binned session = step < shiftAt ? a : b;
        long local = step < shiftAt ? step : step - shiftAt;
        int bin = (int) (local % session.bins());
        int[] counts = session.counts()[bin];
        for (int u = 0; u < units; u++) {
            input[u] = u < counts.length ? (float) Math.sqrt(counts[u]) : 0f;
        }
        target[0] = (float) (session.velocity()[bin][0] / scale);
        target[1] = (float) (session.velocity()[bin][1] / scale);
        step++;
    }
}
