package dev.nmfstream.io;

import static dev.nmfstream.io.NpyMalformedTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed .npz files give a {@link DataFileException} that names the member and the problem. */
class NpzMalformedTest {

    @TempDir
    Path dir;

    /** A valid 3 × 2 CSC matrix: column 0 = rows {0, 2}, column 1 = row {1}. */
    private static Map<String, byte[]> valid() {
        return Fixtures.sparseMembers("csc", 3, 2, new int[] {0, 2, 3}, new int[] {0, 2, 1},
                new double[] {1, 2, 3});
    }

    private void fails(Map<String, byte[]> members, String... fragments) throws IOException {
        Path file = Fixtures.zip(dir.resolve("bad.npz"), members, false);
        DataFileException e = assertThrows(DataFileException.class, () -> Npz.read(file, false));
        assertMessage(e, file, fragments);
        // the same error through DataFiles, which recognizes the zip by content
        e = assertThrows(DataFileException.class, () -> DataFiles.read(file));
        assertMessage(e, file, fragments);
    }

    @Test
    void validArchiveReads() throws IOException {
        Npz.read(Fixtures.zip(dir.resolve("ok.npz"), valid(), false), false).validate();
    }

    @Test
    void missingIndices() throws IOException {
        Map<String, byte[]> members = valid();
        members.remove("indices.npy");
        fails(members, "missing member indices.npy", "members found: data.npy, format.npy, indptr.npy, shape.npy");
    }

    @Test
    void missingFormatAsInAPlainSavez() throws IOException {
        fails(Map.of("arr_0.npy", Fixtures.npyF8(1, 2)), "missing member format.npy", "scipy.sparse.save_npz",
                "members found: arr_0.npy");
    }

    @Test
    void cooFormat() throws IOException {
        Map<String, byte[]> members = Map.of("format.npy", Fixtures.npyBytes("coo"),
                "row.npy", Fixtures.npyI4(0), "col.npy", Fixtures.npyI4(0), "data.npy", Fixtures.npyF8(1),
                "shape.npy", Fixtures.npy(Fixtures.dict("<i8", false, "(2,)"), Fixtures.i8(1, 1)));
        fails(members, "member format.npy", "unsupported sparse format 'coo'", "expected 'csc' or 'csr'");
    }

    @Test
    void bsrFormat() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("format.npy", Fixtures.npyBytes("bsr"));
        fails(members, "unsupported sparse format 'bsr'");
    }

    @Test
    void formatNotAByteString() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("format.npy", Fixtures.npyI4(1));
        fails(members, "member format.npy", "dtype '<i4'", "b'csc'");
    }

    @Test
    void indptrOfWrongLength() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("indptr.npy", Fixtures.npyI4(0, 2));
        fails(members, "member indptr.npy", "indptr has 2 entries, expected 3", "3 × 2 CSC matrix");
    }

    @Test
    void indptrNotMonotone() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("indptr.npy", Fixtures.npyI4(0, 3, 2));
        fails(members, "member indptr.npy", "not monotone", "indptr[2] = 2 < indptr[1] = 3");
    }

    @Test
    void indptrNotStartingAtZero() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("indptr.npy", Fixtures.npyI4(1, 2, 3));
        fails(members, "indptr[0] = 1, expected 0");
    }

    @Test
    void indptrPastTheEntries() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("indptr.npy", Fixtures.npyI4(0, 2, 5));
        fails(members, "indptr[2] = 5 exceeds the 3 entries of indices.npy");
    }

    @Test
    void indexOutOfRange() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("indices.npy", Fixtures.npyI4(0, 3, 1));
        fails(members, "member indices.npy", "entry 1 = 3 (in column 0) is out of range",
                "expected a row index in [0, 3)");
    }

    @Test
    void negativeIndexInCsr() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("format.npy", Fixtures.npyBytes("csr"));
        members.put("shape.npy", Fixtures.npy(Fixtures.dict("<i8", false, "(2,)"), Fixtures.i8(2, 3)));
        members.put("indices.npy", Fixtures.npyI4(0, -1, 1));
        fails(members, "entry 1 = -1 (in row 0) is out of range", "expected a column index in [0, 3)");
    }

    @Test
    void dataAndIndicesOfDifferentLength() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("data.npy", Fixtures.npyF8(1, 2));
        fails(members, "member data.npy", "data has 2 entries but indices.npy has 3");
    }

    @Test
    void indicesOfFloatDtype() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("indices.npy", Fixtures.npyF8(0, 2, 1));
        fails(members, "member indices.npy", "dtype '<f8'", "expected an integer dtype");
    }

    @Test
    void dataOfUnsupportedDtype() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("data.npy", Fixtures.npy(Fixtures.dict("<c16", false, "(3,)"), new byte[48]));
        fails(members, "member data.npy", "unsupported dtype '<c16'");
    }

    @Test
    void shapeWithThreeEntries() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("shape.npy", Fixtures.npy(Fixtures.dict("<i8", false, "(3,)"), Fixtures.i8(3, 2, 1)));
        fails(members, "member shape.npy", "shape (3,)", "expected 2 integers");
    }

    @Test
    void truncatedMember() throws IOException {
        Map<String, byte[]> members = valid();
        byte[] data = members.get("data.npy");
        members.put("data.npy", Arrays.copyOf(data, data.length - 8));
        fails(members, "member data.npy", "truncated data", "expected 24 bytes", "found 16");
    }

    @Test
    void badMagicInMember() throws IOException {
        Map<String, byte[]> members = valid();
        members.put("indptr.npy", "0,2,3".getBytes(StandardCharsets.US_ASCII));
        fails(members, "member indptr.npy", "not an npy file");
    }

    @Test
    void notAZipArchive() throws IOException {
        Path file = Files.write(dir.resolve("text.npz"), "hello".getBytes(StandardCharsets.US_ASCII));
        DataFileException e = assertThrows(DataFileException.class, () -> Npz.read(file, false));
        assertMessage(e, file, "not an npz file");
    }

    @Test
    void fileNotFound() {
        Path file = dir.resolve("missing.npz");
        DataFileException e = assertThrows(DataFileException.class, () -> Npz.read(file, false));
        assertMessage(e, file, "file not found");
    }
}
