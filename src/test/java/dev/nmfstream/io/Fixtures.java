package dev.nmfstream.io;

import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Test helpers: the checked-in fixtures and builders for malformed files. */
final class Fixtures {

    private Fixtures() {
    }

    /** A fixture file from src/test/resources/fixtures. */
    static Path path(String name) {
        URL url = Fixtures.class.getResource("/fixtures/" + name);
        if (url == null) {
            throw new IllegalStateException("missing fixture " + name + " (run make_fixtures.py)");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** expected.txt as m rows of n values. */
    static double[][] expected() throws IOException {
        List<double[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(path("expected.txt"))) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] parts = t.split("\\s+");
            double[] row = new double[parts.length];
            for (int k = 0; k < parts.length; k++) {
                row[k] = Double.parseDouble(parts[k]);
            }
            rows.add(row);
        }
        return rows.toArray(new double[0][]);
    }

    /** The transpose of a rectangular array. */
    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    /** Each value rounded to float32 and widened back. */
    static double[][] toFloat32(double[][] a) {
        double[][] r = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            r[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                r[i][j] = (float) a[i][j];
            }
        }
        return r;
    }

    /** An .npy file's bytes: version 1.0 header with the given dict text, then the payload. */
    static byte[] npy(String dict, byte[] payload) {
        return npy(1, dict, payload);
    }

    /** An .npy file's bytes with the given major version (1: 2-byte length, else 4-byte length). */
    static byte[] npy(int major, String dict, byte[] payload) {
        byte[] text = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        int lengthBytes = major == 1 ? 2 : 4;
        ByteBuffer b = ByteBuffer.allocate(8 + lengthBytes + text.length + payload.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        b.put(text).put(payload);
        return b.array();
    }

    /** The header dict numpy writes. */
    static String dict(String descr, boolean fortran, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': "
                + shape + ", }";
    }

    /** Little-endian float64 bytes. */
    static byte[] f8(double... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putDouble(v);
        }
        return b.array();
    }

    /** Little-endian int32 bytes. */
    static byte[] i4(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }

    /** Little-endian int64 bytes. */
    static byte[] i8(long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    /** A 1-D npy array of int32. */
    static byte[] npyI4(int... values) {
        return npy(dict("<i4", false, "(" + values.length + ",)"), i4(values));
    }

    /** A 1-D npy array of float64. */
    static byte[] npyF8(double... values) {
        return npy(dict("<f8", false, "(" + values.length + ",)"), f8(values));
    }

    /** A 0-d byte string array, as np.save(b'csc') writes it. */
    static byte[] npyBytes(String s) {
        return npy(dict("|S" + s.length(), false, "()"), s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The members of a scipy sparse npz. */
    static Map<String, byte[]> sparseMembers(String format, long rows, long cols, int[] indptr, int[] indices,
            double[] data) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("indices.npy", npyI4(indices));
        m.put("indptr.npy", npyI4(indptr));
        m.put("format.npy", npyBytes(format));
        m.put("shape.npy", npy(dict("<i8", false, "(2,)"), i8(rows, cols)));
        m.put("data.npy", npyF8(data));
        return m;
    }

    /** Writes a zip archive of the members; stored (uncompressed) if {@code stored}. */
    static Path zip(Path file, Map<String, byte[]> members, boolean stored) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : members.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                if (stored) {
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(e.getValue().length);
                    entry.setCompressedSize(e.getValue().length);
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    /** Concatenation of byte arrays. */
    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The entries of a data matrix as m rows of n values, read through a cursor. */
    static double[][] toArray(DataMatrix matrix) {
        double[][] a = new double[matrix.rows()][matrix.columns()];
        ColumnCursor cursor = matrix.cursor();
        for (int j = 0; j < matrix.columns(); j++) {
            Column c = cursor.at(j);
            if (c instanceof DenseColumn) {
                DenseColumn d = (DenseColumn) c;
                for (int i = 0; i < d.dim(); i++) {
                    a[i][j] = d.get(i);
                }
            } else {
                SparseColumn s = (SparseColumn) c;
                for (int k = 0; k < s.nnz(); k++) {
                    a[s.indices()[s.offset() + k]][j] = s.values()[s.offset() + k];
                }
            }
        }
        return a;
    }
}
