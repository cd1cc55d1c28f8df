package dev.nmfstream.bench;

import dev.nmfstream.cli.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One instance of the service as its own JVM process ({@code run} on this program's classpath),
 * for the scale-out tests and {@code bench-cluster}: started, stopped gracefully (SIGTERM) or
 * killed (SIGKILL), with its output in a log file that can be waited on.
 */
public final class InstanceProcess implements AutoCloseable {

    /** The child's JVM options: a modest heap and few GC threads, several share two cores. */
    public static final List<String> JVM_OPTIONS = List.of("-Xmx768m", "-XX:+UseSerialGC");

    private final String name;
    private final Path log;
    private final Process process;

    private InstanceProcess(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts {@code run --data-dir dataDir --set key=value…}; its output is appended to {@code log}.
     *
     * @param settings the service's settings ({@code bootstrap.servers} among them)
     */
    public static InstanceProcess start(String name, Path dataDir, Map<String, String> settings, Path log) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(JVM_OPTIONS);
        // this JVM's temporary folder (the tests set one under target/): what a killed instance
        // leaves there, e.g. RocksDB's copy of its native library, stays out of the system's
        command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.add("run");
        command.add("--data-dir");
        command.add(dataDir.toString());
        settings.forEach((k, v) -> {
            command.add("--set");
            command.add(k + "=" + v);
        });
        try {
            Files.createDirectories(dataDir);
            Files.writeString(log, "=== start " + name + " " + Instant.now() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            return new InstanceProcess(name, log, process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start instance " + name, e);
        }
    }

    /**
     * The settings of one application whose six topics are named {@code prefix} + role, with a
     * consumer session of 6 s (the broker's minimum: a killed instance's partitions move after 6 s
     * instead of 45 s).
     */
    public static Map<String, String> settings(String bootstrap, String prefix, int rank, int dimension, int partitions) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("bootstrap.servers", bootstrap);
        s.put("application.id", prefix + "app");
        s.put("nmf.rank", "" + rank);
        s.put("nmf.dimension", "" + dimension);
        s.put("nmf.partitions", "" + partitions);
        for (String role : List.of("columns", "weights", "factors", "dead.letters", "stats", "basis")) {
            s.put("nmf.topic." + role, prefix + role.replace('.', '-'));
        }
        s.put("session.timeout.ms", "6000");
        s.put("heartbeat.interval.ms", "1500");
        s.put("nmf.http.port", "0"); // several instances on one machine: each its own free port
        return s;
    }

    public String name() {
        return name;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Kills the process at once (SIGKILL: no shutdown hook, no commit, no leaving the group). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /**
     * Stops the process gracefully (SIGTERM: it commits, closes and leaves the group).
     *
     * @return its exit code
     */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        return process.exitValue();
    }

    /** The lines of its log (all starts of this instance) that match. */
    public List<String> lines(Predicate<String> match) {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(match).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines this process (the last start of the instance) wrote that match. */
    public List<String> linesOfThisRun(Predicate<String> match) {
        List<String> all = lines(l -> true);
        int start = 0;
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).startsWith("=== start ")) {
                start = i;
                break;
            }
        }
        return all.subList(start, all.size()).stream().filter(match).toList();
    }

    /** Waits until this process has reached RUNNING. */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        awaitLines(InstanceProcess::running, 1, timeout, true);
    }

    /**
     * Waits until the log has at least {@code count} matching lines.
     *
     * @throws IllegalStateException if the process exits or the timeout passes first
     */
    public void awaitLines(Predicate<String> match, int count, Duration timeout) throws InterruptedException {
        awaitLines(match, count, timeout, false);
    }

    private void awaitLines(Predicate<String> match, int count, Duration timeout, boolean thisRun)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while ((thisRun ? linesOfThisRun(match) : lines(match)).size() < count) {
            if (!process.isAlive()) {
                throw new IllegalStateException("instance " + name + " exited with " + process.exitValue()
                        + "; see " + log);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("instance " + name + ": no line as expected after " + timeout
                        + "; see " + log);
            }
            Thread.sleep(50);
        }
    }

    /** Lines that mark the instance reaching RUNNING. */
    public static boolean running(String line) {
        return line.contains("dev.nmfstream.service") && line.contains("-> RUNNING (");
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
