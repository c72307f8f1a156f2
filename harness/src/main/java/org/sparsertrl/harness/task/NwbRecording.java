package org.sparsertrl.harness.task;

import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.jhdf.HdfFile;
import io.jhdf.Superblock;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.dataset.ContiguousDataset;
import io.jhdf.dataset.chunked.Chunk;
import io.jhdf.dataset.chunked.ChunkedDatasetBase;

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
    private final long budgetLeft;          // bytes the binning may still allocate

    private NwbRecording(Path file, double[][] spikes, double[] times, double[][] values, boolean velocity, String path,
                         long budgetLeft) {
        this.file = file;
        this.budgetLeft = budgetLeft;
        this.spikes = spikes;
        this.times = times;
        this.values = values;
        this.velocity = velocity;
        this.behaviourPath = path;
    }

    /**
     * The memory a read may take by default: a quarter of the heap, so that a file whose header
     * claims billions of elements is refused before anything is allocated.
     */
    public static long defaultBudget() {
        return Runtime.getRuntime().maxMemory() / 4;
    }

    /** Reads the units and the behaviour of an NWB file within {@link #defaultBudget()}. */
    public static NwbRecording read(Path file) throws IOException {
        return read(file, defaultBudget());
    }

    /**
     * Reads the units and the behaviour of an NWB file, refusing it with a {@link BadNwbFileException}
     * that names the file, the dataset and what is wrong if: the file is shorter than its superblock
     * says (truncated), a dataset's data lies beyond the end of the file, the datasets read would take
     * more than {@code budgetBytes} of memory, a value is not finite, timestamps do not strictly
     * increase, or the {@code rate} is not a positive number.
     */
    public static NwbRecording read(Path file, long budgetBytes) throws IOException {
        long length = Files.size(file);
        try (HdfFile hdf = open(file, length)) {
            Reader reader = new Reader(file, hdf, length, budgetBytes);
            if (hdf.getAttribute("nwb_version") == null && !"NWBFile".equals(text(hdf.getAttribute("neurodata_type")))) {
                throw reader.bad("/", "not an NWB file (no nwb_version or neurodata_type NWBFile at the root)");
            }
            Node spikeTimes = child(hdf, "units/spike_times"), index = child(hdf, "units/spike_times_index");
            if (!(spikeTimes instanceof Dataset st) || !(index instanceof Dataset ix)) {
                throw reader.bad("/units", "no units (needs /units/spike_times and /units/spike_times_index)");
            }
            double[] all = reader.doubles(st, "/units/spike_times");
            double[] ends = reader.doubles(ix, "/units/spike_times_index");
            reader.charge("/units (one copy per unit)", 8L * all.length + 16L * ends.length);
            double[][] spikes = new double[ends.length][];
            int start = 0;
            for (int u = 0; u < ends.length; u++) {
                double e = ends[u];
                if (!(e >= start && e <= all.length && e == Math.rint(e))) {
                    throw reader.bad("/units/spike_times_index", "entry " + u + " = " + e + " is not a valid end in ["
                            + start + ", " + all.length + "] (a ragged index must be whole numbers that do not decrease)");
                }
                int end = (int) e;
                spikes[u] = Arrays.copyOfRange(all, start, end);
                Arrays.sort(spikes[u]);
                start = end;
            }
            for (String root : new String[] {"processing", "acquisition"}) {
                Node group = child(hdf, root);
                if (group instanceof Group g) {
                    NwbRecording found = findSeries(reader, g, root, spikes);
                    if (found != null) {
                        return found;
                    }
                }
            }
            throw reader.bad("/processing, /acquisition", "no behaviour (no two-column time series)");
        } catch (BadNwbFileException e) {
            throw e;
        } catch (RuntimeException | IOException e) {
            // jhdf's own failures (a corrupt header, a read past the end) are about the file, not a bug here.
            throw new BadNwbFileException(file + ": cannot be read as HDF5/NWB: " + describe(e), e);
        }
    }

    /**
     * Opens the file mapped into memory when it fits one buffer (up to 2 GiB): jhdf then reads every
     * structure as a view of the mapping, so a corrupt length in a header cannot make it allocate a
     * buffer of that length before anything is checked, as it does reading through a channel. Larger
     * files are read through the channel.
     */
    private static HdfFile open(Path file, long length) throws IOException {
        if (length > Integer.MAX_VALUE) {
            return new HdfFile(file);
        }
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file)) {
            return HdfFile.fromByteBuffer(channel.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, length));
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return e.getCause() != null && e.getCause().getMessage() != null && !message.contains(e.getCause().getMessage())
                ? message + " (" + e.getCause().getMessage() + ")" : message;
    }

    /** A file that is not a readable NWB recording, with the file, the dataset and the reason. */
    public static final class BadNwbFileException extends IOException {
        private static final long serialVersionUID = 1L;

        BadNwbFileException(String message) {
            super(message);
        }

        BadNwbFileException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The checks of one read: the file's true length, the memory budget left, the messages. */
    private static final class Reader {
        private final Path file;
        private final long length;
        private final long base;
        private long budgetLeft;

        Reader(Path file, HdfFile hdf, long length, long budget) throws BadNwbFileException {
            this.file = file;
            this.length = length;
            this.budgetLeft = budget;
            Superblock superblock = hdf.getHdfBackingStorage().getSuperblock();
            this.base = superblock.getBaseAddressByte();
            long claimed = base + superblock.getEndOfFileAddress();
            if (claimed > length) {
                throw bad("superblock", "truncated: the file has " + length + " bytes, its superblock says " + claimed);
            }
        }

        BadNwbFileException bad(String where, String what) {
            return new BadNwbFileException(file + ": " + where + ": " + what);
        }

        /** Takes {@code bytes} off the budget, or refuses the file before anything is allocated. */
        void charge(String where, long bytes) throws BadNwbFileException {
            if (bytes < 0 || bytes > budgetLeft) {
                throw bad(where, "needs " + bytes + " bytes of memory, more than the " + budgetLeft
                        + " left of the read's budget (a header that claims more elements than the file holds?)");
            }
            budgetLeft -= bytes;
        }

        /** Checks a numeric dataset's size against the file and the budget, then reads every element as a double. */
        double[] doubles(Dataset ds, String where) throws BadNwbFileException {
            return (double[]) checked(ds, where, true);
        }

        double[][] rows(Dataset ds, String where) throws BadNwbFileException {
            return (double[][]) checked(ds, where, false);
        }

        private Object checked(Dataset ds, String where, boolean flat) throws BadNwbFileException {
            Class<?> type = ds.getJavaType();
            if (type == null || !(type.isPrimitive() && type != boolean.class && type != char.class)) {
                throw bad(where, "holds " + (type == null ? "an unknown type" : type.getSimpleName()) + ", not numbers");
            }
            long elements = ds.getSize(), typeBytes = ds.getDataType().getSize();
            if (elements < 0 || elements > Integer.MAX_VALUE - 8) {
                throw bad(where, "claims " + elements + " elements, more than an array holds");
            }
            // The raw array jhdf makes, and the doubles made from it.
            charge(where, elements * typeBytes + elements * Double.BYTES);
            long storage = ds.getStorageInBytes();
            if (storage > length) {
                throw bad(where, "truncated or corrupt: " + storage + " bytes of data in a file of " + length);
            }
            checkExtents(ds, where);
            Object data = flat ? ds.getDataFlat() : ds.getData();
            if (flat) {
                int n = Array.getLength(data);
                double[] out = new double[n];
                for (int i = 0; i < n; i++) {
                    out[i] = finite(where, "element " + i, ((Number) Array.get(data, i)).doubleValue());
                }
                return out;
            }
            int n = Array.getLength(data);
            double[][] out = new double[n][2];
            for (int i = 0; i < n; i++) {
                Object row = Array.get(data, i);
                out[i][0] = finite(where, "row " + i + " column 0", ((Number) Array.get(row, 0)).doubleValue());
                out[i][1] = finite(where, "row " + i + " column 1", ((Number) Array.get(row, 1)).doubleValue());
            }
            return out;
        }

        double finite(String where, String what, double value) throws BadNwbFileException {
            if (!Double.isFinite(value)) {
                throw bad(where, what + " = " + value + " is not finite");
            }
            return value;
        }

        /** Every byte of the dataset's data, contiguous or in chunks, must lie inside the file. */
        private void checkExtents(Dataset ds, String where) throws BadNwbFileException {
            if (ds instanceof ContiguousDataset c) {
                // The layout stores the data's size apart from the dataspace: a forged dimension disagrees with it.
                if (ds instanceof io.jhdf.AbstractNode node) {
                    for (var layout : node.getHeader().getMessagesOfType(
                            io.jhdf.object.message.DataLayoutMessage.ContiguousDataLayoutMessage.class)) {
                        if (layout.getSize() != ds.getSizeInBytes()) {
                            throw bad(where, "corrupt header: its dimensions make " + ds.getSizeInBytes()
                                    + " bytes, its layout says " + layout.getSize());
                        }
                    }
                }
                long end = base + c.getDataAddress() + ds.getSizeInBytes();
                if (!ds.isEmpty() && (c.getDataAddress() < 0 || end > length)) {
                    throw bad(where, "truncated: its data ends at byte " + end + ", the file has " + length);
                }
            } else if (ds instanceof ChunkedDatasetBase chunked) {
                for (Chunk chunk : chunks(chunked)) {
                    long end = base + chunk.getAddress() + chunk.getSize();
                    if (chunk.getAddress() < 0 || chunk.getSize() < 0 || end > length) {
                        throw bad(where, "truncated: a chunk ends at byte " + end + ", the file has " + length);
                    }
                }
            }
        }
    }

    /** The chunks jhdf found in a chunked dataset's index (jhdf keeps the lookup protected). */
    @SuppressWarnings("unchecked")
    private static java.util.Collection<Chunk> chunks(ChunkedDatasetBase dataset) {
        try {
            java.lang.reflect.Method lookup = ChunkedDatasetBase.class.getDeclaredMethod("getChunkLookup");
            lookup.setAccessible(true);
            return ((Map<?, Chunk>) lookup.invoke(dataset)).values();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this jhdf version hides the chunk index: " + e, e);
        }
    }

    /** The node at {@code path}, or null if there is none; any other failure (a corrupt header) is the file's. */
    private static Node child(Group group, String path) {
        // Walked by hand: jhdf's getByPath reports a missing node with the backing file's name, which a
        // mapped file does not have, so its failure would not tell "missing" from "corrupt".
        Node node = group;
        for (String name : path.split("/")) {
            if (!(node instanceof Group g)) {
                return null;
            }
            node = g.getChildren().get(name);
        }
        return node;
    }

    private static NwbRecording findSeries(Reader reader, Group group, String path, double[][] spikes) throws IOException {
        Map<String, Node> children = group.getChildren();
        if (children.get("data") instanceof Dataset data) {
            int[] dims = data.getDimensions();
            if (dims.length == 2 && dims[1] == 2 && dims[0] >= 2) {
                String where = "/" + path + "/data";
                double[][] values = reader.rows(data, where);
                double[] times = null;
                if (children.get("timestamps") instanceof Dataset ts) {
                    String at = "/" + path + "/timestamps";
                    times = reader.doubles(ts, at);
                    if (times.length != dims[0]) {
                        throw reader.bad(at, times.length + " timestamps for " + dims[0] + " rows of data");
                    }
                    for (int i = 1; i < times.length; i++) {
                        if (!(times[i] > times[i - 1])) {
                            throw reader.bad(at, "not strictly increasing: element " + i + " = " + times[i]
                                    + " after " + times[i - 1]);
                        }
                    }
                } else if (children.get("starting_time") instanceof Dataset t0) {
                    String at = "/" + path + "/starting_time";
                    Attribute rateAttribute = t0.getAttribute("rate");
                    if (rateAttribute == null) {
                        throw reader.bad(at, "no rate attribute (and no timestamps beside the data)");
                    }
                    double[] first = reader.doubles(t0, at);
                    if (first.length != 1) {
                        throw reader.bad(at, "holds " + first.length + " values, not one");
                    }
                    Object rate = scalar(rateAttribute.getData());
                    if (!(rate instanceof Number number)) {
                        throw reader.bad(at + " rate", "'" + rate + "' is not a number");
                    }
                    double hz = number.doubleValue();
                    if (!(hz > 0 && Double.isFinite(hz))) {
                        throw reader.bad(at + " rate", hz + " must be a finite number of samples per second > 0");
                    }
                    reader.charge(at, 8L * dims[0]);
                    times = new double[dims[0]];
                    for (int i = 0; i < times.length; i++) {
                        times[i] = first[0] + i / hz;
                    }
                    if (!Double.isFinite(times[times.length - 1]) || !(times[times.length - 1] > times[0])) {
                        throw reader.bad(at, "start " + first[0] + " with rate " + hz
                                + " Hz gives no increasing clock in double precision");
                    }
                }
                if (times != null) {
                    return new NwbRecording(reader.file, spikes, times, values, path.toLowerCase().contains("vel"), path,
                            reader.budgetLeft);
                }
            }
        }
        for (Map.Entry<String, Node> e : children.entrySet()) {
            if (e.getValue() instanceof Group g) {
                NwbRecording found = findSeries(reader, g, path + "/" + e.getKey(), spikes);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static Object scalar(Object data) {
        return data != null && data.getClass().isArray() ? (Array.getLength(data) > 0 ? Array.get(data, 0) : null) : data;
    }

    private static String text(Attribute attribute) {
        if (attribute == null) {
            return null;
        }
        Object data = scalar(attribute.getData());
        return String.valueOf(data);
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
     * @throws IOException if the spike and behaviour clocks do not overlap by a whole bin, need more bins
     *                     than the memory budget holds, or give a velocity that is not finite
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
        if (!(binSeconds > 0 && Double.isFinite(binSeconds))) {
            throw new IllegalArgumentException("binSeconds = " + binSeconds + " must be finite and > 0");
        }
        double span = Math.floor((end - start) / binSeconds);
        // counts (int per unit) and velocity (two doubles) per bin, with the arrays' headers
        long perBin = 4L * spikes.length + 16 + 16 + 16;
        if (span > 0 && span * perBin > budgetLeft) {
            throw new BadNwbFileException(file + ": the clocks span " + (end - start) + " s, " + (long) span
                    + " bins of " + binSeconds + " s, more than the read's memory budget (" + budgetLeft + " bytes) holds");
        }
        int bins = (int) span;
        if (!(bins >= 1)) {
            throw new BadNwbFileException(file + ": the clocks do not overlap: spikes from " + firstSpike + " to " + lastSpike
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
        for (int b = 0; b < bins; b++) {
            if (!Double.isFinite(v[b][0]) || !Double.isFinite(v[b][1])) {
                throw new BadNwbFileException(file + ": /" + behaviourPath + "/data: the " + (velocity ? "velocity" : "position")
                        + " is so large that the velocity in bin " + b + " is not finite");
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
