package org.sparsertrl.engine.runtime;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.Precision;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;

/**
 * The checkpoint file format, version 2, little-endian:
 * <pre>
 *    0  8 bytes  magic "SRTLCKPT"
 *    8  int      version (2)
 *   12  int      n, m, o (three ints)
 *   24  int      flags: bit 0 set if the learner's sensitivities are included
 *   28  long     updates made
 *   36  long     state length in bytes
 *   44  string   cell kind, learner and optimizer labels (each: int byte length, UTF-8 bytes)
 *   ..  string   the state's manifest: its views by name and byte size ({@link TrainerState#manifest()}), a
 *                bfloat16 view marked as such ({@code sparse.J:bf16:65536})
 *   ..  bytes    the trainer's state slab, its views in saving order ({@link TrainerState} layout)
 *   ..  int      CRC32C of every byte before it
 * </pre>
 * Version 1 files (before the state slab) are read too: they have no manifest, and their state bytes
 * are the same views in the same order, which only their total length identifies.
 *
 * Writing goes to a temporary file beside the target, is forced to disk, and is then renamed over
 * the target in one atomic step, and the directory is forced: a crash at any moment leaves the
 * previous checkpoint whole. States of any size are written and read (past 2 GiB included); a
 * state whose weights or hidden state are not finite is refused both ways. Loading
 * checks everything (magic, version, checksum, shape, learner and the precision of its sensitivities (a
 * learner label ending in " bf16" stores them in bfloat16), optimizer, lengths) before it changes
 * the trainer, and says what is wrong; it never leaves a half-loaded model.
 */
public final class Checkpoint {

    static final byte[] MAGIC = "SRTLCKPT".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 2;
    /** The version before the state slab, which had no manifest; still read. */
    static final int VERSION_1 = 1;
    /** The smallest possible file: 44 bytes of fixed header, three empty labels' lengths, the checksum. */
    private static final int MIN_FILE = 44 + 3 * Integer.BYTES + Integer.BYTES;
    /** The longest manifest read: far above any model's (a dozen views), far below a memory hazard. */
    private static final int MAX_MANIFEST = 64 * 1024;

    /** The cell kind as the file names it ("vanilla-tanh" for the vanilla cell, as files before the gated cells did). */
    static String cellKind(CellKind kind) {
        return kind == CellKind.VANILLA ? "vanilla-tanh" : kind.label();
    }

    private Checkpoint() {
    }

    /**
     * Writes {@code trainer}'s current state to {@code file} (on the calling thread).
     *
     * @param file              where the checkpoint goes
     * @param trainer           the trainer to save
     * @param withSensitivities whether the learner's sensitivities are included
     * @throws IOException if the file cannot be written; the previous file then stays in place
     */
    public static void write(Path file, OnlineTrainer trainer, boolean withSensitivities) throws IOException {
        try (TrainerState state = trainer.newState(withSensitivities)) {
            trainer.saveState(state);
            write(file, Header.of(trainer, withSensitivities), state, () -> { });
        }
    }

    /** What identifies the model a state belongs to. */
    record Header(String cell, int n, int m, int o, boolean sensitivities, String learner, String optimizer) {
        static Header of(OnlineTrainer trainer, boolean sensitivities) {
            return new Header(cellKind(trainer.cellKind()), trainer.layout().n(), trainer.layout().m(),
                    trainer.layout().o(), sensitivities,
                    trainer.learnerSpec().label(), trainer.optimizerSpec().label());
        }
    }

    /**
     * Writes a saved state: temporary file, force, then {@code beforeRename} (a hook for tests that
     * simulate a crash there), then the atomic rename and a force of the directory, so that the
     * rename itself survives a power cut. A write that fails removes its temporary file; a state whose
     * weights or hidden state are not finite is refused before anything is written.
     */
    static void write(Path file, Header header, TrainerState state, Runnable beforeRename) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": cannot write a checkpoint: the path is a directory");
        }
        String bad = state.firstNonFinite();
        if (bad != null) {
            throw new IOException(file + ": refusing to write a checkpoint whose state is not finite (" + bad + ")");
        }
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        MemorySegment data = state.data();
        long steps = data.get(ValueLayout.JAVA_LONG_UNALIGNED, data.byteSize() - Long.BYTES);
        ByteBuffer head = headerBytes(header, state.manifest(), steps, data.byteSize());
        CRC32C crc = new CRC32C();
        crc.update(head.duplicate());
        update(crc, data, 0, data.byteSize());
        ByteBuffer tail = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        tail.putInt((int) crc.getValue()).flip();
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(channel, head);
                for (long at = 0; at < data.byteSize(); at += SLICE) {
                    writeFully(channel, data.asSlice(at, Math.min(SLICE, data.byteSize() - at)).asByteBuffer());
                }
                writeFully(channel, tail);
                channel.force(true);
            }
        } catch (IOException | RuntimeException e) {
            throw removing(temporary, new IOException(file + ": cannot write the checkpoint: " + reason(e), e));
        }
        beforeRename.run();
        try {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            throw removing(temporary, new IOException(file + ": cannot rename the checkpoint into place: " + reason(e), e));
        }
        forceDirectory(file);
    }

    /** Removes a failed write's temporary file (only a file: a folder of that name is not ours), then returns {@code failure}. */
    private static IOException removing(Path temporary, IOException failure) {
        try {
            if (Files.isRegularFile(temporary, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(temporary);
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }

    /** Forces the directory entry of a rename to disk (POSIX); elsewhere a directory cannot be opened, and the rename must do. */
    private static void forceDirectory(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || System.getProperty("os.name", "").startsWith("Windows")) {
            return;
        }
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new IOException(file + ": renamed into place, but its directory could not be forced to disk: "
                    + reason(e), e);
        }
    }

    private static String reason(Throwable e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String name = e.getClass().getSimpleName();
        return e.getMessage() == null ? name : name + ": " + e.getMessage();
    }

    /** Slices of at most this many bytes: a ByteBuffer view holds at most 2 GiB, a state may hold more. */
    private static final long SLICE = 1L << 30;

    private static void update(CRC32C crc, MemorySegment bytes, long from, long length) {
        for (long at = from; at < from + length; at += SLICE) {
            crc.update(bytes.asSlice(at, Math.min(SLICE, from + length - at)).asByteBuffer());
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    private static ByteBuffer headerBytes(Header h, String manifest, long steps, long stateLength) {
        byte[] cell = h.cell().getBytes(StandardCharsets.UTF_8), learner = h.learner().getBytes(StandardCharsets.UTF_8),
                optimizer = h.optimizer().getBytes(StandardCharsets.UTF_8), views = manifest.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(44 + 16 + cell.length + learner.length + optimizer.length + views.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(VERSION).putInt(h.n()).putInt(h.m()).putInt(h.o()).putInt(h.sensitivities() ? 1 : 0)
                .putLong(steps).putLong(stateLength);
        b.putInt(cell.length).put(cell).putInt(learner.length).put(learner).putInt(optimizer.length).put(optimizer);
        b.putInt(views.length).put(views);
        return b.flip();
    }

    /**
     * Loads {@code file} into {@code trainer}, which must have the checkpoint's shape, learner and
     * optimizer. Nothing about the trainer changes unless the whole file is valid.
     *
     * @param file    the checkpoint file
     * @param trainer the trainer to restore
     * @throws CorruptCheckpointException naming the file and saying what is wrong: a directory, not a
     *                                    checkpoint, another version, truncated, trailing bytes, checksum
     *                                    mismatch, shape, sensitivity precision or learner mismatch, weights not finite
     */
    public static void load(Path file, OnlineTrainer trainer) throws IOException {
        if (Files.isDirectory(file)) {
            throw new CorruptCheckpointException(file, "is a directory, not a checkpoint file");
        }
        try (Arena arena = Arena.ofConfined(); FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            load(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena), file.toString(), trainer);
        }
    }

    /**
     * The checkpoint of {@code trainer} as bytes: the same bytes {@link #write} puts in a file, for
     * stores that keep bytes rather than files (a stream processor's keyed state). {@code scratch}, from
     * {@code trainer.newState(withSensitivities)} of a trainer like this one, is reused so that a caller
     * serialising many trainers makes no off-heap allocation per call.
     *
     * @param trainer the trainer to save
     * @param scratch a state of this trainer's shape, overwritten
     * @return the checkpoint's bytes
     * @throws IllegalStateException if the weights or hidden state are not finite (such a checkpoint is
     *                               refused, as by {@link #write}), or the checkpoint would pass 2 GiB
     */
    public static byte[] toBytes(OnlineTrainer trainer, TrainerState scratch) {
        trainer.saveState(scratch);
        String bad = scratch.firstNonFinite();
        if (bad != null) {
            throw new IllegalStateException("refusing to serialise a trainer whose state is not finite (" + bad + ")");
        }
        MemorySegment data = scratch.data();
        long steps = data.get(ValueLayout.JAVA_LONG_UNALIGNED, data.byteSize() - Long.BYTES);
        ByteBuffer head = headerBytes(Header.of(trainer, scratch.includesSensitivities()), scratch.manifest(), steps,
                data.byteSize());
        int headLength = head.remaining();
        long total = headLength + data.byteSize() + Integer.BYTES;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("a checkpoint of " + total + " bytes does not fit a byte array; write it to a file");
        }
        byte[] out = new byte[(int) total];
        head.get(out, 0, headLength);
        MemorySegment bytes = MemorySegment.ofArray(out);
        MemorySegment.copy(data, 0, bytes, headLength, data.byteSize());
        CRC32C crc = new CRC32C();
        crc.update(out, 0, out.length - Integer.BYTES);
        bytes.set(LITTLE_INT, total - Integer.BYTES, (int) crc.getValue());
        return out;
    }

    /**
     * Loads checkpoint bytes (from {@link #toBytes}, or a checkpoint file's content) into
     * {@code trainer}, checked as {@link #load(Path, OnlineTrainer)} checks a file; the exception names
     * the source "checkpoint bytes". Nothing about the trainer changes unless the bytes are valid.
     *
     * @param checkpoint the checkpoint's bytes
     * @param trainer    the trainer to restore
     * @throws CorruptCheckpointException saying what is wrong, as for a file
     */
    public static void load(byte[] checkpoint, OnlineTrainer trainer) throws CorruptCheckpointException {
        if (checkpoint == null) {
            throw new IllegalArgumentException("checkpoint is null");
        }
        load(MemorySegment.ofArray(checkpoint), "checkpoint bytes", trainer);
    }

    private static final ValueLayout.OfInt LITTLE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static void load(MemorySegment bytes, String source, OnlineTrainer trainer) throws CorruptCheckpointException {
        long size = bytes.byteSize();
        if (size < MAGIC.length + 4) {
            throw new CorruptCheckpointException(source, "truncated: " + size + " bytes, too short for a header");
        }
        // The header alone is read through a buffer; the state may be larger than a buffer can view.
        ByteBuffer b = bytes.asSlice(0, Math.min(size, 128L * 1024)).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new CorruptCheckpointException(source, "not a sparse-rtrl checkpoint (no SRTLCKPT magic)");
        }
        int version = b.getInt();
        if (version != VERSION && version != VERSION_1) {
            throw new CorruptCheckpointException(source, "version " + version + " is not supported (this build reads "
                    + VERSION_1 + " and " + VERSION + ")");
        }
        if (size < MIN_FILE) {
            throw new CorruptCheckpointException(source, "truncated: " + size + " bytes, a checkpoint has at least "
                    + MIN_FILE + " (fixed header, three label lengths, checksum)");
        }
        int n = b.getInt(), m = b.getInt(), o = b.getInt(), flags = b.getInt();
        long steps = b.getLong(), stateLength = b.getLong();
        String cell = string(b, source, size, 4096), learner = string(b, source, size, 4096),
                optimizer = string(b, source, size, 4096);
        String manifest = version == VERSION_1 ? null : string(b, source, size, MAX_MANIFEST);
        long stateAt = b.position();
        if (stateLength < 0 || stateLength > size) {
            throw new CorruptCheckpointException(source, "corrupt header: a state of " + stateLength + " bytes in a file of "
                    + size);
        }
        long expected = stateAt + stateLength + Integer.BYTES;
        if (size != expected) {
            throw new CorruptCheckpointException(source, (size < expected ? "truncated: " : "has trailing bytes: ")
                    + size + " bytes, the header announces " + expected);
        }
        CRC32C crc = new CRC32C();
        update(crc, bytes, 0, size - Integer.BYTES);
        int stored = bytes.get(LITTLE_INT, size - Integer.BYTES);
        if (stored != (int) crc.getValue()) {
            throw new CorruptCheckpointException(source, String.format("checksum mismatch: stored %08x, computed %08x",
                    stored, (int) crc.getValue()));
        }
        Header own = Header.of(trainer, (flags & 1) != 0);
        if (!cell.equals(own.cell())) {
            throw new CorruptCheckpointException(source, "cell kind mismatch: the file has '" + cell + "', the trainer '"
                    + own.cell() + "'");
        }
        if (n != own.n() || m != own.m() || o != own.o()) {
            throw new CorruptCheckpointException(source, "dimension mismatch: the file has n=" + n + ", m=" + m + ", o=" + o
                    + ", the trainer n=" + own.n() + ", m=" + own.m() + ", o=" + own.o());
        }
        Precision filePrecision = learner.endsWith(" " + Precision.BF16.label()) ? Precision.BF16 : Precision.FLOAT32;
        Precision ownPrecision = trainer.learnerSpec().precision();
        if (filePrecision != ownPrecision) {
            throw new CorruptCheckpointException(source, "sensitivity precision mismatch: the file's learner (" + learner
                    + ") stores J in " + filePrecision.label() + ", the trainer's (" + own.learner() + ") in "
                    + ownPrecision.label());
        }
        if (!learner.equals(own.learner()) || !optimizer.equals(own.optimizer())) {
            throw new CorruptCheckpointException(source, "learner mismatch: the file has " + learner + " with " + optimizer
                    + ", the trainer " + own.learner() + " with " + own.optimizer());
        }
        try (TrainerState state = trainer.newState(own.sensitivities())) {
            if (manifest != null && !manifest.equals(state.manifest())) {
                throw new CorruptCheckpointException(source, "state layout mismatch: " + firstDifference(manifest,
                        state.manifest()) + " (the file's views: " + manifest + ")");
            }
            if (state.bytes() != stateLength) {
                throw new CorruptCheckpointException(source, "a state of " + stateLength + " bytes, this trainer's has "
                        + state.bytes());
            }
            MemorySegment.copy(bytes, stateAt, state.data(), 0, stateLength);
            long savedSteps = state.data().get(ValueLayout.JAVA_LONG_UNALIGNED, stateLength - Long.BYTES);
            if (savedSteps != steps) {
                throw new CorruptCheckpointException(source, "update count " + savedSteps + " in the state, " + steps
                        + " in the header");
            }
            String bad = state.firstNonFinite();
            if (bad != null) {
                throw new CorruptCheckpointException(source, "state not finite: " + bad);
            }
            trainer.restoreState(state);
        }
    }

    /** The first view that differs between two manifests, as "the file has X where the trainer has Y". */
    private static String firstDifference(String file, String own) {
        String[] a = file.split(" "), b = own.split(" ");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : "(nothing)", y = i < b.length ? b[i] : "(nothing)";
            if (!x.equals(y)) {
                return "view " + (i + 1) + ": the file has " + x + " where the trainer has " + y;
            }
        }
        return "the same views";
    }

    private static String string(ByteBuffer b, String source, long size, int max) throws CorruptCheckpointException {
        if (b.remaining() < Integer.BYTES) {
            throw new CorruptCheckpointException(source, "truncated: " + size + " bytes, the header is cut short");
        }
        int length = b.getInt();
        if (length < 0 || length > max || b.remaining() < length) {
            throw new CorruptCheckpointException(source, "truncated or corrupt header: a label of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A checkpoint that cannot be loaded, with the reason. */
    public static final class CorruptCheckpointException extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptCheckpointException(Path file, String reason) {
            this(file.toString(), reason);
        }

        CorruptCheckpointException(String source, String reason) {
            super(source + ": " + reason);
        }
    }
}
