package dev.nmfstream.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the deployment tests share: the Debian tools they run (a missing one fails the test,
 * naming the script that installs it), and the metric names the monitoring files use.
 */
final class DeployTools {

    /** The project's top level (the tests run there). */
    static final Path TOP = Path.of("").toAbsolutePath();
    static final Path MONITORING = TOP.resolve("monitoring");
    static final Path ALERTS = MONITORING.resolve("alerts.yml");
    static final Path DASHBOARD = MONITORING.resolve("grafana/dashboards/nmf-stream.json");
    static final String INSTALL_SCRIPT = ".ci/install-packages";

    private DeployTools() {}

    /** What a tool printed (stdout and stderr together) and its exit code. */
    record Result(int exitCode, String output) {}

    /**
     * The path of {@code tool} on the PATH.
     *
     * @param debianPackage the package that installs it
     */
    static Path require(String tool, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, tool);
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail(tool + " is not installed (Debian package " + debianPackage + "); run " + INSTALL_SCRIPT
                + " (as root) first");
    }

    /** Runs a command in the project's top level and waits for it (at most two minutes). */
    static Result run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).directory(TOP.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail(command + " did not finish within two minutes");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** PromQL's words that are not metric names: operators, modifiers and aggregation clauses. */
    private static final List<String> KEYWORDS = List.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "offset", "bool", "inf", "nan");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern LABELS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern CLAUSE = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern WORD = Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

    /**
     * The metric names a PromQL expression reads: its identifiers that are not functions,
     * keywords, label names (inside braces and {@code by (…)}), durations or numbers.
     */
    static TreeSet<String> metricNames(String expr) {
        String s = STRING.matcher(expr).replaceAll("\"\"");
        s = LABELS.matcher(s).replaceAll(" ");
        s = RANGE.matcher(s).replaceAll(" ");
        s = CLAUSE.matcher(s).replaceAll(" ");
        TreeSet<String> names = new TreeSet<>();
        Matcher m = WORD.matcher(s);
        while (m.find()) {
            String word = m.group(1);
            boolean call = m.group(2) != null;
            if (!call && !KEYWORDS.contains(word.toLowerCase(Locale.ROOT))) {
                names.add(word);
            }
        }
        return names;
    }

    /** Every PromQL expression of the dashboard's panels. */
    static List<String> dashboardExpressions() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.path("expr").asText());
            }
        }
        return exprs;
    }

    /**
     * Every {@code expr:} of the alert rules: the file is YAML, read here line by line (its
     * expressions are plain or folded scalars, as promtool checks).
     */
    static Map<String, String> alertExpressions() throws IOException {
        Map<String, String> exprs = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(ALERTS, StandardCharsets.UTF_8);
        String alert = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String t = line.strip();
            if (t.startsWith("- alert:")) {
                alert = t.substring("- alert:".length()).strip();
            } else if (t.startsWith("expr:")) {
                String value = t.substring("expr:".length()).strip();
                if (value.equals(">") || value.equals("|")) {
                    int indent = line.indexOf("expr:");
                    StringBuilder folded = new StringBuilder();
                    while (i + 1 < lines.size() && (lines.get(i + 1).isBlank()
                            || lines.get(i + 1).length() - lines.get(i + 1).stripLeading().length() > indent)) {
                        folded.append(' ').append(lines.get(++i).strip());
                    }
                    value = folded.toString().strip();
                }
                exprs.put(alert, value);
            }
        }
        return exprs;
    }

    /** The metric names that the dashboard and the alert rules read. */
    static TreeSet<String> monitoredNames() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        for (String expr : dashboardExpressions()) {
            names.addAll(metricNames(expr));
        }
        for (String expr : alertExpressions().values()) {
            names.addAll(metricNames(expr));
        }
        return names;
    }
}
