package org.sparsertrl.harness.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/** The checkpoint file layout as the tests that forge or damage files need it (see engine's Checkpoint). */
public final class CheckpointFiles {

    private CheckpointFiles() {
    }

    /** Where the state begins: after 44 fixed bytes, three length-prefixed labels and (from version 2) the manifest. */
    public static int stateAt(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int at = 44;
        int labels = b.getInt(8) == 1 ? 3 : 4;
        for (int label = 0; label < labels; label++) {
            at += Integer.BYTES + b.getInt(at);
        }
        return at;
    }

    /** Recomputes the CRC32C in the last four bytes, as a forger would. */
    public static void reseal(byte[] file) {
        CRC32C crc = new CRC32C();
        crc.update(file, 0, file.length - Integer.BYTES);
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(file.length - Integer.BYTES, (int) crc.getValue());
    }
}
