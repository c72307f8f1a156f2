package org.sparsertrl.harness.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A CSV file with a header, read one row at a time (never loaded whole): plain comma-separated
 * numbers, no quoting. {@code -} reads standard input. A row that cannot be used (wrong number of
 * fields, a cell that is not a finite number) is an {@link IllegalArgumentException} naming the
 * file, the line and the column, or, if the caller asked to skip bad rows, counted and passed over.
 *
 * <pre>{@code
 * try (CsvSource csv = CsvSource.open("data.csv", false)) {
 *     int[] in = csv.columns(List.of("a", "b"), "--inputs"), out = csv.columns(List.of("y"), "--targets");
 *     boolean[] used = csv.mask(in, out);
 *     double[] x = new double[2], y = new double[1];
 *     while (csv.next(used)) {
 *         csv.read(in, x);
 *         csv.read(out, y);
 *     }
 * }
 * }</pre>
 */
final class CsvSource implements AutoCloseable {

    private final String name;
    private final BufferedReader reader;
    private final List<String> header;
    private final boolean skipBadRows;
    private final double[] values;
    private int textColumn = -1;
    private String text;
    private long line = 1;
    private long skipped;
    private String firstSkip;

    private CsvSource(String name, BufferedReader reader, boolean skipBadRows) throws IOException {
        this.name = name;
        this.reader = reader;
        this.skipBadRows = skipBadRows;
        String first = reader.readLine();
        if (first == null) {
            throw new IllegalArgumentException(name + ": empty file, expected a header line with column names");
        }
        List<String> names = new ArrayList<>();
        for (String field : first.split(",", -1)) {
            String column = field.strip();
            if (column.isEmpty() || names.contains(column)) {
                throw new IllegalArgumentException(name + " line 1: " + (column.isEmpty() ? "an empty column name"
                        : "column '" + column + "' appears twice") + " in the header");
            }
            names.add(column);
        }
        this.header = List.copyOf(names);
        this.values = new double[header.size()];
    }

    /** Opens {@code file}, or standard input for {@code -}. */
    static CsvSource open(String file, boolean skipBadRows) throws IOException {
        if (file.equals("-")) {
            return new CsvSource("<stdin>", new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
                    skipBadRows);
        }
        try {
            return new CsvSource(file, Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8), skipBadRows);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        }
    }

    List<String> header() {
        return header;
    }

    String name() {
        return name;
    }

    /** The indices of {@code names} in the header; an unknown name is an error that lists the header. */
    int[] columns(List<String> names, String option) {
        int[] indices = new int[names.size()];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = header.indexOf(names.get(i));
            if (indices[i] < 0) {
                throw new IllegalArgumentException(name + ": no column '" + names.get(i) + "' (" + option
                        + "); the header has " + String.join(",", header));
            }
        }
        return indices;
    }

    /**
     * Keeps {@code column} as text instead of parsing it (a key such as a sensor's name), readable by
     * {@link #text()}; an empty cell there is a bad row. Leave the column out of the mask given to
     * {@link #next}.
     */
    void textColumn(int column) {
        textColumn = column;
    }

    /** The current row's cell in the {@link #textColumn}, stripped. */
    String text() {
        return text;
    }

    /**
     * Reads the next usable row; false at the end. Only the columns in {@code used} are parsed (a
     * column nobody asked for may hold text). Rows with the wrong number of fields or a bad cell in
     * a used column throw, or are counted and skipped if so asked.
     */
    boolean next(boolean[] used) {
        while (true) {
            String text;
            try {
                text = reader.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(name + " line " + (line + 1) + ": " + e.getMessage(), e);
            }
            if (text == null) {
                return false;
            }
            line++;
            String problem = parse(text, used);
            if (problem == null) {
                return true;
            }
            String message = name + " line " + line + ": " + problem;
            if (!skipBadRows) {
                throw new IllegalArgumentException(message + " (--skip-bad-rows counts and skips such rows)");
            }
            if (skipped++ == 0) {
                firstSkip = message;
            }
        }
    }

    private String parse(String row, boolean[] used) {
        int column = 0, start = 0;
        for (int i = 0; i <= row.length(); i++) {
            if (i < row.length() && row.charAt(i) != ',') {
                continue;
            }
            if (column >= header.size()) {
                return "more than the header's " + header.size() + " fields";
            }
            if (column == textColumn) {
                text = row.substring(start, i).strip();
                if (text.isEmpty()) {
                    return "column '" + header.get(column) + "': empty";
                }
            } else if (used[column]) {
                String cell = row.substring(start, i).strip();
                double v;
                try {
                    v = Double.parseDouble(cell);
                } catch (NumberFormatException e) {
                    return "column '" + header.get(column) + "': '" + cell + "' is not a number";
                }
                if (!Double.isFinite(v)) {
                    return "column '" + header.get(column) + "': '" + cell + "' is not finite";
                }
                values[column] = v;
            }
            column++;
            start = i + 1;
        }
        return column == header.size() ? null
                : column + " fields, the header has " + header.size();
    }

    /** The current row's values at {@code columns}, into {@code into}. */
    void read(int[] columns, double[] into) {
        for (int i = 0; i < columns.length; i++) {
            into[i] = values[columns[i]];
        }
    }

    /** Which header columns any of these index sets use. */
    boolean[] mask(int[]... sets) {
        boolean[] used = new boolean[header.size()];
        for (int[] set : sets) {
            for (int c : set) {
                used[c] = true;
            }
        }
        return used;
    }

    /** The line number of the current row (the header is line 1). */
    long line() {
        return line;
    }

    long skipped() {
        return skipped;
    }

    /** The first skipped row's reason, or null. */
    String firstSkip() {
        return firstSkip;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(header.toArray());
    }
}
