package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes how to start the tool, as bash variables, for the {@code ./rtrl} script: the java binary that
 * runs this class (the JDK 25 that Maven's toolchains plugin chose), the JVM flags it was given (the
 * project's one list of flags) and the class path. The script then starts the tool directly, so that
 * its exit code, its standard streams and its terminal are the user's, not Maven's.
 */
public final class LaunchFile {

    private LaunchFile() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: LaunchFile <output file>");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        StringBuilder out = new StringBuilder("# Written by the build (LaunchFile); read by ./rtrl.\n");
        out.append("RTRL_JAVA=").append(quote(java)).append('\n');
        out.append("RTRL_JVM_FLAGS=(");
        for (String flag : flags) {
            out.append(' ').append(quote(flag));
        }
        out.append(" )\n");
        out.append("RTRL_CLASSPATH=").append(quote(System.getProperty("java.class.path"))).append('\n');
        Path target = Path.of(args[0]);
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(temporary, out, StandardCharsets.UTF_8);
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** Single-quotes a word for bash. */
    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
