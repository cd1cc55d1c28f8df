package dev.nmfstream.metrics;

import dev.nmfstream.stream.StreamMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Histogram;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One instance's metrics in a Micrometer Prometheus registry; every series carries the common
 * tag {@code nmf_instance} (the instance's {@code application.server}, host:port). The meters are
 * made once and the stream threads' calls go to them directly (Micrometer's counters, timers and
 * summaries are lock-free adders and allocate nothing per record).
 *
 * <p>Names (README, "Metrics"), as the Prometheus registry renders Micrometer's dotted names:
 * {@code nmf_items_projected_total{kind}}, {@code nmf_projection_seconds},
 * {@code nmf_nnls_iterations}, {@code nmf_relative_residual}, {@code nmf_model_version},
 * {@code nmf_running_error}, {@code nmf_basis_update_seconds}, {@code nmf_update_items},
 * {@code nmf_statistics_bytes_total}, {@code nmf_basis_bytes_total},
 * {@code nmf_dead_letters_total{reason}}, {@code nmf_items_held{cause}},
 * {@code nmf_basis_staleness_versions}, {@code nmf_items_lost_total}.
 */
public final class NmfMetrics implements StreamMetrics, AutoCloseable {

    /** The common tag naming the instance ({@code instance} is Prometheus' own label). */
    public static final String INSTANCE_TAG = "nmf_instance";

    /** The dead letters' reason kinds (the {@code reason} tag), in {@link #reasonKind} order. */
    public static final List<String> REASON_KINDS = List.of("too_large", "dimension", "negative", "warmup_full",
            "malformed");

    private final PrometheusMeterRegistry registry;
    private final Map<String, Counter> projectedByKind = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLettersByKind = new ConcurrentHashMap<>();
    private final Timer projection;
    private final DistributionSummary iterations;
    private final DistributionDataPoint residual;
    private final Timer basisUpdate;
    private final DistributionSummary updateItems;
    private final Counter statisticsBytes;
    private final Counter basisBytes;
    private final Counter itemsLost;
    private final AtomicLong modelVersion = new AtomicLong(-1);
    /** The running error as the bits of a double (NaN before the first summary). */
    private final AtomicLong runningError = new AtomicLong(Double.doubleToLongBits(Double.NaN));
    /** Per projector task: {warm-up held, backlog held, version in use, newest version}. */
    private final Map<String, long[]> tasks = new ConcurrentHashMap<>();
    private final DoubleAdder projectedTotal = new DoubleAdder();
    private KafkaStreamsMetrics streamsMetrics;
    private JvmGcMetrics gc;

    /**
     * A registry with the JVM's binders and our meters.
     *
     * @param instance the value of the {@value #INSTANCE_TAG} tag
     */
    public NmfMetrics(String instance) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(INSTANCE_TAG, instance);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        projection = Timer.builder("nmf.projection").description("time to project one item (NNLS, residual)")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(1_000))
                .maximumExpectedValue(Duration.ofSeconds(1)).register(registry);
        iterations = DistributionSummary.builder("nmf.nnls.iterations")
                .description("NNLS solver iterations per item").publishPercentileHistogram()
                .minimumExpectedValue(1.0).maximumExpectedValue(1_000.0).register(registry);
        // Micrometer's distribution summaries count a value in the bucket of its ceiling (whole
        // numbers), so a ratio in [0, 1] goes to the Prometheus client's own histogram
        residual = Histogram.builder().name("nmf_relative_residual")
                .help("relative residual |v - W h| / |v| per item").classicOnly().withoutExemplars()
                .classicUpperBounds(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
                .labelNames(INSTANCE_TAG).register(registry.getPrometheusRegistry()).labelValues(instance);
        basisUpdate = Timer.builder("nmf.basis.update").description("time of one update of W (this instance's updater)")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
        updateItems = DistributionSummary.builder("nmf.update.items").description("items learned from per update of W")
                .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(1e7).register(registry);
        statisticsBytes = Counter.builder("nmf.statistics.bytes")
                .description("bytes of statistics and bootstrap samples sent to the updater").register(registry);
        basisBytes = Counter.builder("nmf.basis.bytes").description("bytes of bases sent to the basis topic")
                .register(registry);
        itemsLost = Counter.builder("nmf.items.lost")
                .description("items whose statistics were lost when a task stopped (weights are never lost)")
                .register(registry);
        Gauge.builder("nmf.model.version", modelVersion, AtomicLong::get)
                .description("the newest basis version this instance has (-1: none yet)").register(registry);
        Gauge.builder("nmf.running.error", runningError, bits -> Double.longBitsToDouble(bits.get()))
                .description("the relative error the newest factors summary reported").register(registry);
        Gauge.builder("nmf.items.held", tasks, t -> sum(t, 0)).tag("cause", "warmup")
                .description("items held before the first basis").register(registry);
        Gauge.builder("nmf.items.held", tasks, t -> sum(t, 1)).tag("cause", "throttle")
                .description("items held after it, for the throttle or a newer basis").register(registry);
        Gauge.builder("nmf.basis.staleness.versions", tasks, NmfMetrics::staleness)
                .description("versions between the basis a projector task uses and the newest here (max over tasks)")
                .register(registry);
        for (String kind : List.of(StreamMetrics.DENSE, StreamMetrics.SPARSE, StreamMetrics.TEXT)) {
            projectedCounter(kind);
        }
        for (String kind : REASON_KINDS) {
            deadLettersByKind.put(kind, Counter.builder("nmf.dead.letters").tag("reason", kind)
                    .description("records sent to the dead letters, by kind of reason").register(registry));
        }
    }

    /** Binds Kafka Streams' own metrics (process rate, commit latency, consumer lag and the rest). */
    public synchronized void bind(KafkaStreams streams) {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
    }

    /** The registry (for tests and further binders). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Every series now, in the Prometheus text format 0.0.4. */
    public String scrape() {
        return registry.scrape();
    }

    /** Items this instance has projected since it started. */
    public long projectedTotal() {
        return (long) projectedTotal.sum();
    }

    /** The newest model version known here; versions only go up. */
    public void modelVersion(long version) {
        modelVersion.accumulateAndGet(version, Math::max);
    }

    /** The newest factors summary's running error (NaN: none). */
    public void runningError(double error) {
        runningError.set(Double.doubleToLongBits(error));
    }

    @Override
    public void projected(String kind, long nanos, int nnlsIterations, double relativeResidual) {
        Counter counter = projectedByKind.get(kind);
        if (counter == null) {
            counter = projectedCounter(kind);
        }
        counter.increment();
        projectedTotal.add(1);
        projection.record(nanos, TimeUnit.NANOSECONDS);
        iterations.record(nnlsIterations);
        residual.observe(relativeResidual);
    }

    private Counter projectedCounter(String kind) {
        return projectedByKind.computeIfAbsent(kind, k -> Counter.builder("nmf.items.projected").tag("kind", k)
                .description("items projected and their weights published, by input kind").register(registry));
    }

    @Override
    public void deadLetter(String reason) {
        deadLettersByKind.get(reasonKind(reason)).increment();
    }

    /**
     * The kind of a dead letter's reason (the {@code reason} tag): {@code too_large} (beyond
     * nmf.max.value.bytes, nmf.max.id.bytes or nmf.max.value), {@code dimension} (another
     * dimension or count of values), {@code negative} (a negative, NaN or infinite value),
     * {@code warmup_full} (no basis and the warm-up buffer full), else {@code malformed}.
     */
    public static String reasonKind(String reason) {
        if (reason.contains("(nmf.max.value.bytes)") || reason.contains("(nmf.max.id.bytes)")
                || reason.contains("(nmf.max.value)")) {
            return "too_large";
        }
        if (reason.contains("(nmf.dimension)") || reason.contains("empty vector") || reason.startsWith("count = ")
                || reason.contains("numbers, expected") || reason.startsWith("indices has ")) {
            return "dimension";
        }
        if (reason.contains("expected a finite nonnegative number")) {
            return "negative";
        }
        if (reason.contains("warm-up buffer is full")) {
            return "warmup_full";
        }
        return "malformed";
    }

    @Override
    public void held(String task, long warmup, long backlog) {
        long[] t = task(task);
        t[0] = warmup;
        t[1] = backlog;
    }

    @Override
    public void basisVersions(String task, long inUse, long newest) {
        long[] t = task(task);
        t[2] = inUse;
        t[3] = newest;
        if (newest >= 0) {
            modelVersion(newest);
        }
    }

    private long[] task(String task) {
        long[] t = tasks.get(task);
        return t != null ? t : tasks.computeIfAbsent(task, k -> new long[] {0, 0, -1, -1});
    }

    private static double sum(Map<String, long[]> tasks, int field) {
        long s = 0;
        for (long[] t : tasks.values()) {
            s += t[field];
        }
        return s;
    }

    private static double staleness(Map<String, long[]> tasks) {
        long worst = 0;
        for (long[] t : tasks.values()) {
            if (t[2] >= 0 && t[3] > t[2]) {
                worst = Math.max(worst, t[3] - t[2]);
            }
        }
        return worst;
    }

    @Override
    public void itemsLost(long items) {
        itemsLost.increment(items);
    }

    @Override
    public void statisticsSent(long bytes) {
        statisticsBytes.increment(bytes);
    }

    @Override
    public void basisUpdated(long nanos, long items) {
        basisUpdate.record(nanos, TimeUnit.NANOSECONDS);
        updateItems.record(items);
    }

    @Override
    public void basisSent(long bytes) {
        basisBytes.increment(bytes);
    }

    @Override
    public synchronized void close() {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        gc.close();
        registry.close();
    }
}
