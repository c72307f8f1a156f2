package org.sparsertrl.harness.cli;

import java.io.IOException;

import picocli.CommandLine.Option;

/**
 * The options of the commands that run over a CSV row by row ({@code train --data} and {@code predict}):
 * how much they print, and what a malformed row does.
 */
final class CsvOptions {

    @Option(names = "--quiet", description = "Print no header and no periodic lines, only the closing summary.")
    boolean quiet;

    @Option(names = "--skip-bad-rows", description = "Count and skip rows with a wrong number of fields or a cell that is "
            + "not a finite number (default: stop with an error).")
    boolean skipBadRows;

    /** Opens {@code data}, a file or {@code -} for standard input, skipping bad rows if asked to. */
    CsvSource open(String data) throws IOException {
        return CsvSource.open(data, skipBadRows);
    }
}
