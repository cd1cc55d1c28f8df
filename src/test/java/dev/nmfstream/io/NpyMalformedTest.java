package dev.nmfstream.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed .npy files give a {@link DataFileException} that names the problem. */
class NpyMalformedTest {

    @TempDir
    Path dir;

    private DataFileException readDenseFails(String name, byte[] content, String... expectedFragments)
            throws IOException {
        Path file = Files.write(dir.resolve(name), content);
        DataFileException e = assertThrows(DataFileException.class, () -> Npy.readDense(file, false));
        assertMessage(e, file, expectedFragments);
        return e;
    }

    static void assertMessage(DataFileException e, Path file, String... fragments) {
        String message = e.getMessage();
        assertTrue(message.startsWith(file.toString() + ": "), "message starts with the file: " + message);
        assertEquals(file.toString(), e.file());
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "message should contain '" + fragment + "': " + message);
        }
    }

    @Test
    void badMagic() throws IOException {
        readDenseFails("bad.npy", "PLAIN TEXT, not numpy".getBytes(StandardCharsets.US_ASCII),
                "not an npy file", "50 4c 41 49", "\\x93NUMPY");
    }

    @Test
    void emptyFile() throws IOException {
        readDenseFails("empty.npy", new byte[0], "not an npy file", "empty file");
    }

    @Test
    void truncatedData() throws IOException {
        byte[] full = Fixtures.npy(Fixtures.dict("<f8", false, "(3, 2)"), Fixtures.f8(1, 2, 3, 4, 5, 6));
        byte[] cut = Arrays.copyOf(full, full.length - 20);
        readDenseFails("cut.npy", cut, "truncated data", "expected 48 bytes", "found 28", "'<f8'", "(3, 2)");
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] full = Fixtures.npy(Fixtures.dict("<f8", false, "(3, 2)"), new byte[0]);
        readDenseFails("cuthead.npy", Arrays.copyOf(full, 30), "truncated header", "found 20");
    }

    @Test
    void unsupportedComplexDtype() throws IOException {
        readDenseFails("c16.npy", Fixtures.npy(Fixtures.dict("<c16", false, "(1, 1)"), new byte[16]),
                "unsupported dtype '<c16'", "'<f4'", "'<f8'", "'>f8'");
    }

    @Test
    void unsupportedInt16Dtype() throws IOException {
        readDenseFails("i2.npy", Fixtures.npy(Fixtures.dict("<i2", false, "(1, 2)"), new byte[4]),
                "unsupported dtype '<i2'", "expected one of");
    }

    @Test
    void structuredDtype() throws IOException {
        readDenseFails("rec.npy", Fixtures.npy("{'descr': [('a', '<f8'), ('b', '<i4')], 'fortran_order': False, "
                + "'shape': (1,), }", new byte[12]), "unsupported dtype", "structured");
    }

    @Test
    void byteStringDtypeIsNotADenseMatrix() throws IOException {
        readDenseFails("str.npy", Fixtures.npy(Fixtures.dict("|S2", false, "(1, 1)"), new byte[2]),
                "dtype '|S2' is a byte string", "numeric");
    }

    @Test
    void threeDimensionalArray() throws IOException {
        readDenseFails("cube.npy", Fixtures.npy(Fixtures.dict("<f8", false, "(2, 3, 4)"), new byte[8 * 24]),
                "expected a 2-D array", "3-D array of shape (2, 3, 4)");
    }

    @Test
    void oneDimensionalArray() throws IOException {
        readDenseFails("vec.npy", Fixtures.npyF8(1, 2, 3), "expected a 2-D array", "1-D array of shape (3,)");
    }

    @Test
    void unsupportedVersion() throws IOException {
        byte[] bytes = Fixtures.npy(Fixtures.dict("<f8", false, "(1, 1)"), Fixtures.f8(1));
        bytes[6] = 4;
        readDenseFails("v4.npy", bytes, "unsupported npy format version 4.0", "expected 1.0, 2.0 or 3.0");
    }

    @Test
    void version2HeaderWithFourByteLength() throws IOException {
        Path file = Files.write(dir.resolve("v2.npy"), Fixtures.npy(2, Fixtures.dict("<f8", true, "(2, 1)"),
                Fixtures.f8(3, 4)));
        assertEquals(4.0, Npy.readDense(file, false).get(1, 0), 0.0);
    }

    @Test
    void headerMissingShape() throws IOException {
        readDenseFails("noshape.npy", Fixtures.npy("{'descr': '<f8', 'fortran_order': False}", new byte[8]),
                "has no key 'shape'");
    }

    @Test
    void headerNotPython() throws IOException {
        readDenseFails("garbage.npy", Fixtures.npy("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1, 1)}",
                new byte[8]), "malformed header", "Maybe");
    }

    @Test
    void fortranOrderNotABoolean() throws IOException {
        readDenseFails("fo.npy", Fixtures.npy("{'descr': '<f8', 'fortran_order': 1, 'shape': (1, 1)}",
                new byte[8]), "'fortran_order' is 1", "True or False");
    }

    @Test
    void negativeShape() throws IOException {
        readDenseFails("neg.npy", Fixtures.npy(Fixtures.dict("<f8", false, "(-1, 2)"), new byte[0]),
                "'shape' entry 0 is -1");
    }

    @Test
    void tooLargeForOneArray() throws IOException {
        readDenseFails("huge.npy", Fixtures.npy(Fixtures.dict("<f8", false, "(100000, 100000)"), new byte[0]),
                "array of shape (100000, 100000) has 10000000000 elements", "the largest Java array");
    }

    @Test
    void truncatedBeforeAllocating() throws IOException {
        readDenseFails("short.npy", Fixtures.npy(Fixtures.dict("<f4", false, "(10000, 10000)"), new byte[10]),
                "truncated data", "expected 400000000 bytes", "found 10");
    }

    @Test
    void fileNotFound() {
        Path file = dir.resolve("missing.npy");
        DataFileException e = assertThrows(DataFileException.class, () -> Npy.readDense(file, false));
        assertMessage(e, file, "file not found");
        e = assertThrows(DataFileException.class, () -> Npy.read(file));
        assertMessage(e, file, "file not found");
    }

    @Test
    void directory() {
        DataFileException e = assertThrows(DataFileException.class, () -> Npy.readDense(dir, false));
        assertMessage(e, dir, "is a directory");
    }

    @Test
    void int64OutOfIntRangeForIndices() throws IOException {
        Path file = Files.write(dir.resolve("big.npy"), Fixtures.npy(Fixtures.dict("<i8", false, "(2,)"),
                Fixtures.i8(1, 1L << 33)));
        try (FileChannel channel = FileChannel.open(file)) {
            NpyInput in = new NpyInput(channel, file.toString(), "", channel.size());
            DataFileException e = assertThrows(DataFileException.class,
                () -> in.readInts(new int[2], 0, 2, "indices"));
            assertMessage(e, file, "indices entry 1 = 8589934592", "32-bit int");
        }
    }
}
