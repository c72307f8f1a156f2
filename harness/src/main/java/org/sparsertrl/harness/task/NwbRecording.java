package org.sparsertrl.harness.task;

import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

/**
 * A recording read from an NWB 2.x file (HDF5, read with jhdf): the units' spike times and one 2-D
 * behavioural time series (velocity, or position to be differentiated), binned onto a common clock.
 *
 * <p>What is read, following the NWB schema:
 * <ul>
 *   <li>the root must carry {@code nwb_version} or {@code neurodata_type = NWBFile};</li>
 *   <li>{@code /units/spike_times} (all spikes, unit after unit) and {@code /units/spike_times_index}
 *       (the end of each unit's spikes in it): the ragged array of NWB's DynamicTable;</li>
 *   <li>the first time series with two columns of {@code data} and either {@code timestamps} or
 *       {@code starting_time} (with its {@code rate} attribute), searched under {@code /processing}
 *       and then {@code /acquisition}; a series whose path names velocity ("vel") is taken as
 *       velocity, any other as position.</li>
 * </ul>
 * Files that are not NWB, lack units or behaviour, or whose spike and behaviour clocks do not
 * overlap are refused with an {@link IOException} that says which.
 */
public final class NwbRecording {

    private final Path file;
    private final double[][] spikes;       // [unit][spike], seconds, sorted
    private final double[] times;          // behaviour timestamps, seconds
    private final double[][] values;       // [sample][2]
    private final boolean velocity;
    private final String behaviourPath;

    private NwbRecording(Path file, double[][] spikes, double[] times, double[][] values, boolean velocity, String path) {
        this.file = file;
        this.spikes = spikes;
        this.times = times;
        this.values = values;
        this.velocity = velocity;
        this.behaviourPath = path;
    }

    /** Reads the units and the behaviour of an NWB file. */
    public static NwbRecording read(Path file) throws IOException {
        try (HdfFile hdf = new HdfFile(file)) {
            if (hdf.getAttribute("nwb_version") == null && !"NWBFile".equals(text(hdf.getAttribute("neurodata_type")))) {
                throw new IOException(file + ": not an NWB file (no nwb_version or neurodata_type NWBFile at the root)");
            }
            Node spikeTimes = child(hdf, "units/spike_times"), index = child(hdf, "units/spike_times_index");
            if (!(spikeTimes instanceof Dataset st) || !(index instanceof Dataset ix)) {
                throw new IOException(file + ": no units (needs /units/spike_times and /units/spike_times_index)");
            }
            double[] all = doubles(st.getDataFlat());
            double[] ends = doubles(ix.getDataFlat());
            double[][] spikes = new double[ends.length][];
            int start = 0;
            for (int u = 0; u < ends.length; u++) {
                int end = (int) ends[u];
                if (end < start || end > all.length) {
                    throw new IOException(file + ": /units/spike_times_index is not a valid ragged index at unit " + u);
                }
                spikes[u] = Arrays.copyOfRange(all, start, end);
                Arrays.sort(spikes[u]);
                start = end;
            }
            for (String root : new String[] {"processing", "acquisition"}) {
                Node group = child(hdf, root);
                if (group instanceof Group g) {
                    NwbRecording found = findSeries(file, g, root, spikes);
                    if (found != null) {
                        return found;
                    }
                }
            }
            throw new IOException(file + ": no behaviour (no two-column time series under /processing or /acquisition)");
        } catch (RuntimeException e) {
            throw new IOException(file + ": cannot be read as HDF5/NWB: " + e.getMessage(), e);
        }
    }

    private static Node child(Group group, String path) {
        try {
            return group.getByPath(path);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static NwbRecording findSeries(Path file, Group group, String path, double[][] spikes) throws IOException {
        Map<String, Node> children = group.getChildren();
        if (children.get("data") instanceof Dataset data) {
            int[] dims = data.getDimensions();
            if (dims.length == 2 && dims[1] == 2 && dims[0] >= 2) {
                double[][] values = rows(data.getData(), dims[0]);
                double[] times = null;
                if (children.get("timestamps") instanceof Dataset ts) {
                    times = doubles(ts.getDataFlat());
                } else if (children.get("starting_time") instanceof Dataset t0 && t0.getAttribute("rate") != null) {
                    double start = doubles(t0.getDataFlat())[0];
                    double rate = ((Number) scalar(t0.getAttribute("rate").getData())).doubleValue();
                    times = new double[dims[0]];
                    for (int i = 0; i < times.length; i++) {
                        times[i] = start + i / rate;
                    }
                }
                if (times != null && times.length == dims[0]) {
                    return new NwbRecording(file, spikes, times, values, path.toLowerCase().contains("vel"), path);
                }
            }
        }
        for (Map.Entry<String, Node> e : children.entrySet()) {
            if (e.getValue() instanceof Group g) {
                NwbRecording found = findSeries(file, g, path + "/" + e.getKey(), spikes);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static Object scalar(Object data) {
        return data.getClass().isArray() ? Array.get(data, 0) : data;
    }

    private static String text(Attribute attribute) {
        if (attribute == null) {
            return null;
        }
        Object data = scalar(attribute.getData());
        return String.valueOf(data);
    }

    private static double[] doubles(Object flat) {
        int n = Array.getLength(flat);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = ((Number) Array.get(flat, i)).doubleValue();
        }
        return out;
    }

    private static double[][] rows(Object data, int n) {
        double[][] out = new double[n][2];
        for (int i = 0; i < n; i++) {
            Object row = Array.get(data, i);
            out[i][0] = ((Number) Array.get(row, 0)).doubleValue();
            out[i][1] = ((Number) Array.get(row, 1)).doubleValue();
        }
        return out;
    }

    public int units() {
        return spikes.length;
    }

    /** Where the behaviour came from, e.g. {@code processing/behavior/Position/hand}. */
    public String behaviourPath() {
        return behaviourPath;
    }

    public boolean behaviourIsVelocity() {
        return velocity;
    }

    /** The recording on a common clock. */
    public record Binned(double start, double binSeconds, int[][] counts, double[][] velocity) {
        public int bins() {
            return counts.length;
        }
    }

    /**
     * Bins spikes and behaviour onto bins of {@code binSeconds} over the span where both exist: counts
     * per unit and bin; velocity per bin (interpolated at the bin's middle if the file gives velocity,
     * the position's change across the bin otherwise).
     *
     * @throws IOException if the spike and behaviour clocks do not overlap by a whole bin
     */
    public Binned bin(double binSeconds) throws IOException {
        double firstSpike = Double.POSITIVE_INFINITY, lastSpike = Double.NEGATIVE_INFINITY;
        for (double[] unit : spikes) {
            if (unit.length > 0) {
                firstSpike = Math.min(firstSpike, unit[0]);
                lastSpike = Math.max(lastSpike, unit[unit.length - 1]);
            }
        }
        double start = Math.max(firstSpike, times[0]), end = Math.min(lastSpike, times[times.length - 1]);
        int bins = (int) Math.floor((end - start) / binSeconds);
        if (!(bins >= 1)) {
            throw new IOException(file + ": the clocks do not overlap: spikes from " + firstSpike + " to " + lastSpike
                    + " s, behaviour from " + times[0] + " to " + times[times.length - 1] + " s");
        }
        int[][] counts = new int[bins][spikes.length];
        double[][] v = new double[bins][2];
        for (int b = 0; b < bins; b++) {
            double t0 = start + b * binSeconds, t1 = t0 + binSeconds;
            for (int u = 0; u < spikes.length; u++) {
                counts[b][u] = lowerBound(spikes[u], t1) - lowerBound(spikes[u], t0);
            }
            for (int d = 0; d < 2; d++) {
                v[b][d] = velocity ? interpolate((t0 + t1) / 2, d) : (interpolate(t1, d) - interpolate(t0, d)) / binSeconds;
            }
        }
        return new Binned(start, binSeconds, counts, v);
    }

    /** The first index whose value is >= t. */
    private static int lowerBound(double[] sorted, double t) {
        int lo = 0, hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private double interpolate(double t, int d) {
        int i = lowerBound(times, t);
        if (i <= 0) {
            return values[0][d];
        }
        if (i >= times.length) {
            return values[times.length - 1][d];
        }
        double w = (t - times[i - 1]) / (times[i] - times[i - 1]);
        return values[i - 1][d] + w * (values[i][d] - values[i - 1][d]);
    }

    /** Units' spike counts per bin as a list, for inspection. */
    public List<Integer> spikeCounts() {
        List<Integer> out = new ArrayList<>();
        for (double[] unit : spikes) {
            out.add(unit.length);
        }
        return out;
    }
}
