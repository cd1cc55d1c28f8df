package dev.nmfstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The container image that {@code mvn -Pimage package} writes (Jib's buildTar,
 * target/jib-image.tar, in {@code docker save} layout), inspected without a Docker engine: its
 * manifest's tag follows the project version; its config runs {@code run} as a non-root user with
 * the HTTP port exposed and /data as a volume; its layers hold the service's classes, its
 * libraries and a Java runtime. Only the image profile runs it (pom.xml, {@code image.it.exclude}).
 */
class ImageTarIT {

    private static final Path TAR = Path.of("target", "jib-image.tar");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theImageRunsTheServiceAsANonRootUserWithItsPortAndVolume() throws IOException {
        assertTrue(Files.isRegularFile(TAR), TAR + " is missing: build it with mvn -B -Pimage package (README, "
                + "\"Deployment\")");
        Map<String, byte[]> files = new HashMap<>();
        try (InputStream in = Files.newInputStream(TAR)) {
            for (TarEntry e : entries(in)) {
                files.put(e.name(), e.content());
            }
        }
        JsonNode manifest = JSON.readTree(files.get("manifest.json")).get(0);
        assertEquals("nmf-stream:" + projectVersion(), manifest.path("RepoTags").get(0).asText(), manifest.toString());
        JsonNode config = JSON.readTree(files.get(manifest.path("Config").asText())).path("config");

        List<String> entrypoint = new ArrayList<>();
        config.path("Entrypoint").forEach(a -> entrypoint.add(a.asText()));
        assertEquals("java", entrypoint.get(0), entrypoint.toString());
        int main = entrypoint.indexOf("dev.nmfstream.cli.Main");
        assertTrue(main > 0, entrypoint.toString());
        assertEquals(List.of("run", "--data-dir", "/data"), entrypoint.subList(main + 1, entrypoint.size()));
        assertEquals("/app/resources:/app/classes:/app/libs/*", entrypoint.get(entrypoint.indexOf("-cp") + 1));

        String user = config.path("User").asText();
        assertEquals("65532:65532", user);
        assertNotEquals("0", user.split(":")[0]);
        assertTrue(config.path("ExposedPorts").has("8080/tcp"), config.toString());
        assertTrue(config.path("Volumes").has("/data"), config.toString());
        Set<String> env = new HashSet<>();
        config.path("Env").forEach(v -> env.add(v.asText()));
        assertTrue(env.containsAll(Set.of("NMF_HTTP_HOST=0.0.0.0", "NMF_HTTP_PORT=8080")), env.toString());
        assertTrue(env.stream().anyMatch(v -> v.startsWith("PATH=") && v.contains("/opt/java/openjdk/bin")),
                "java on the PATH of the base: " + env);

        // the layers: the JRE of the base, the service's classes and libraries, the data directory
        Set<String> paths = new HashSet<>();
        Map<String, Integer> modes = new HashMap<>();
        for (JsonNode layer : manifest.path("Layers")) {
            byte[] bytes = files.get(layer.asText());
            InputStream raw = new ByteArrayInputStream(bytes);
            InputStream in = layer.asText().endsWith(".gz") || (bytes[0] == 0x1f && (bytes[1] & 0xff) == 0x8b)
                    ? new GZIPInputStream(raw) : raw;
            for (TarEntry e : entries(in)) {
                String name = e.name().replaceFirst("^\\./", "").replaceFirst("/$", "");
                paths.add(name);
                modes.put(name, e.mode());
            }
        }
        assertTrue(paths.contains("app/classes/dev/nmfstream/cli/Main.class"), "the service's classes");
        assertTrue(paths.stream().anyMatch(p -> p.matches("app/libs/kafka-streams-[0-9.]+\\.jar")), "its libraries");
        assertTrue(paths.stream().anyMatch(p -> p.matches("opt/java/openjdk/bin/java")), "a Java runtime");
        assertTrue(paths.contains("data"), "the data directory");
        assertEquals(0777, modes.get("data") & 0777, "the data directory is writable by the service's user");
    }

    private static String projectVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("target", "classes", "nmf-stream-version.properties"))) {
            p.load(in);
        }
        return p.getProperty("version");
    }

    /** One file of a tar archive. */
    private record TarEntry(String name, int mode, byte[] content) {}

    /**
     * The entries of a tar archive (ustar, with PAX headers for long names, as Jib and
     * {@code docker save} write them).
     */
    private static List<TarEntry> entries(InputStream in) throws IOException {
        List<TarEntry> entries = new ArrayList<>();
        String paxName = null;
        while (true) {
            byte[] header = in.readNBytes(512);
            if (header.length < 512 || header[0] == 0) {
                return entries;
            }
            String name = text(header, 0, 100);
            String prefix = text(header, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
            int mode = (int) octal(header, 100, 8);
            long size = octal(header, 124, 12);
            char type = (char) header[156];
            byte[] content = in.readNBytes((int) size);
            in.skipNBytes((512 - size % 512) % 512);
            if (type == 'x') {
                for (String record : new String(content, StandardCharsets.UTF_8).split("\n")) {
                    int eq = record.indexOf(" path=");
                    if (eq >= 0) {
                        paxName = record.substring(eq + " path=".length());
                    }
                }
                continue;
            }
            if (type == 'g') {
                continue;
            }
            entries.add(new TarEntry(paxName != null ? paxName : name, mode, content));
            paxName = null;
        }
    }

    private static String text(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) {
        String s = text(b, off, len).trim();
        return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    }
}
