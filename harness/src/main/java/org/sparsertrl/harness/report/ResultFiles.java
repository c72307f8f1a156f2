package org.sparsertrl.harness.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

/**
 * The raw results as {@code results.json} (every field, loss curves included) and {@code results.csv}
 * (one row per run, no curves), written to a temporary file and moved into place, so a failed write
 * leaves the previous file intact; and read back, for tests and for tools that post-process a run.
 */
public final class ResultFiles {

    /** CSV columns, in order: every field of {@link RunRecord} but the curve. */
    static final String[] CSV_COLUMNS = {"study", "role", "task", "cell", "method", "n", "k", "seed", "rate", "shift",
        "lossBefore", "loss", "lossFirst", "lossLast", "microsPerStep", "divergedAt", "note", "rho", "kappaW", "minD",
        "medianD", "kappaJacobian", "cosine", "cosineAll", "normRatio", "signAgreement", "sensitivityError"};

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final CsvMapper CSV = CsvMapper.builder().enable(JsonGenerator.Feature.IGNORE_UNKNOWN)
            .enable(CsvParser.Feature.EMPTY_STRING_AS_NULL).build();
    private static final CsvSchema SCHEMA = schema();

    private ResultFiles() {
    }

    private static CsvSchema schema() {
        CsvSchema.Builder builder = CsvSchema.builder().setUseHeader(true);
        for (String column : CSV_COLUMNS) {
            builder.addColumn(column);
        }
        return builder.build();
    }

    public static void writeJson(Path file, List<RunRecord> records) throws IOException {
        writeAtomically(file, JSON.writeValueAsBytes(records));
    }

    public static void writeCsv(Path file, List<RunRecord> records) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (SequenceWriter rows = CSV.writerFor(RunRecord.class).with(SCHEMA).writeValues(bytes)) {
            rows.writeAll(records);
        }
        writeAtomically(file, bytes.toByteArray());
    }

    public static List<RunRecord> readJson(Path file) throws IOException {
        return List.of(JSON.readValue(file.toFile(), RunRecord[].class));
    }

    public static List<RunRecord> readCsv(Path file) throws IOException {
        try (MappingIterator<RunRecord> rows = CSV.readerFor(RunRecord.class).with(SCHEMA).readValues(file.toFile())) {
            return rows.readAll();
        }
    }

    /** Writes {@code bytes} next to {@code file} and renames it over {@code file} in one step. */
    public static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temporary, bytes);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
