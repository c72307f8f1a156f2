package org.sparsertrl.engine.memory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Large buffers on transparent huge pages (Linux): anonymous memory mapped by {@code mmap}, advised
 * {@code MADV_HUGEPAGE} before its first touch, so that the kernel backs it with 2 MiB pages where it
 * can, and unmapped when its arena closes. A sensitivity tensor at n = 256 spans some 70 MiB, and the
 * kernels walk it a row segment at a time across hundreds of rows; on 4 KiB pages each segment is a page
 * of its own and the walk misses the TLB. Where the kernel's setting is {@code madvise} (the common
 * default), memory from {@code malloc}, which {@link Arena#allocate} uses, gets no huge pages at all.
 *
 * <p>Used only where it can be: on Linux, with transparent huge pages not {@code never}, when the engine's
 * module may call native code ({@code --enable-native-access}, so that no warning is printed on a JVM
 * that did not ask for it), and unless {@code -Dsparsertrl.hugePages=false}. Elsewhere {@link #allocate}
 * returns null and the caller allocates as before.
 */
final class HugePages {

    /** The huge page size this class aligns to: 2 MiB, x86-64's and arm64's (with 4 KiB base pages). */
    static final long SIZE = 2L << 20;

    private static final int PROT_READ = 1, PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;
    private static final int MADV_HUGEPAGE = 14;

    private static final MethodHandle MMAP, MADVISE, MUNMAP;
    /** Why huge pages are not used, or null when they are. */
    static final String UNAVAILABLE;

    static {
        MethodHandle mmap = null, madvise = null, munmap = null;
        String why = reasonNotToUse();
        if (why == null) {
            try {
                Linker linker = Linker.nativeLinker();
                var libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ADDRESS,
                        ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
            } catch (RuntimeException e) {
                why = "libc's mmap, madvise or munmap could not be linked: " + e;
            }
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
        UNAVAILABLE = why;
    }

    private HugePages() {
    }

    private static String reasonNotToUse() {
        if (!Boolean.parseBoolean(System.getProperty("sparsertrl.hugePages", "true"))) {
            return "-Dsparsertrl.hugePages=false";
        }
        if (!System.getProperty("os.name", "").equals("Linux")) {
            return "not Linux";
        }
        if (!HugePages.class.getModule().isNativeAccessEnabled()) {
            return "native access is not enabled for " + HugePages.class.getModule();
        }
        try {
            String setting = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            if (setting.contains("[never]")) {
                return "transparent huge pages are off (never)";
            }
        } catch (IOException | SecurityException e) {
            return "transparent huge pages unknown: " + e;
        }
        return null;
    }

    /**
     * A zero-filled buffer of {@code size} bytes starting on a huge page boundary, advised onto huge
     * pages and unmapped when {@code arena} closes; or null when huge pages are not used here or the
     * mapping failed (the caller then allocates as before).
     */
    static MemorySegment allocate(long size, Arena arena) {
        if (UNAVAILABLE != null) {
            return null;
        }
        long length = size + SIZE;  // room to start on a boundary
        try {
            MemorySegment mapped = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            if (mapped.address() == -1L) {
                return null;  // MAP_FAILED
            }
            long start = (mapped.address() + SIZE - 1) / SIZE * SIZE;
            MemorySegment whole = mapped.reinterpret(length, arena, HugePages::unmap);
            MemorySegment buffer = whole.asSlice(start - mapped.address(), size);
            // A refused advice (a non-zero result) leaves zero-filled anonymous memory on small pages: still a buffer.
            int refused = (int) MADVISE.invokeExact(buffer, size, MADV_HUGEPAGE);
            return buffer;
        } catch (Throwable e) {
            throw new IllegalStateException("mapping " + size + " bytes failed", e);
        }
    }

    /**
     * The arena's cleanup: {@code mapped} has the mapping's address and length. A mapping munmap refuses
     * (a non-zero result: only an address or length that is not the mapping's, a bug) is not dropped
     * silently: this throws, naming it, and the arena's close rethrows it once its other buffers are released.
     */
    private static void unmap(MemorySegment mapped) {
        int result;
        try {
            result = (int) MUNMAP.invokeExact(mapped, mapped.byteSize());
        } catch (Throwable e) {
            throw new IllegalStateException("munmap of " + mapped.byteSize() + " bytes failed", e);
        }
        if (result != 0) {
            throw new IllegalStateException("munmap of " + mapped.byteSize() + " bytes at 0x"
                    + Long.toHexString(mapped.address()) + " returned " + result + ": that memory is not released");
        }
    }
}
