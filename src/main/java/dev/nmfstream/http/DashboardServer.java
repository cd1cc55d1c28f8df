package dev.nmfstream.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nmfstream.io.Npy;
import dev.nmfstream.metrics.NmfMetrics;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.stream.NmfTopology;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.DeadLetter;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance's read-only HTTP server (the JDK's {@code com.sun.net.httpserver}; docs/design.md
 * says why): the page, the JSON API, live updates and {@code /metrics}. Only GET and HEAD; every
 * error is a JSON object {@code {"status": …, "error": …}}, never a stack trace. It binds only the
 * configured address.
 *
 * <p>{@code /api/items/{id}} asks Kafka Streams which instance holds the item's key in its
 * {@link NmfTopology#LATEST_WEIGHTS_STORE} and answers from the local store or forwards the
 * request to that instance's {@code application.server} (once: a forwarded request is not
 * forwarded again).
 */
public final class DashboardServer implements AutoCloseable {

    /** The longest request URI served; longer ones get 414. */
    public static final int MAX_URI_CHARS = 2_048;
    /** Live-update connections served at once; more get 503. */
    public static final int MAX_EVENT_STREAMS = 8;
    /** How often a live-update connection gets the model's figures. */
    public static final Duration TICK = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/";
    private static final Map<String, String[]> STATIC = Map.of(
            "/", new String[] {"dev/nmfstream/http/index.html", "text/html; charset=utf-8"},
            "/app.js", new String[] {"dev/nmfstream/http/app.js", "text/javascript; charset=utf-8"},
            "/app.css", new String[] {"dev/nmfstream/http/app.css", "text/css; charset=utf-8"},
            "/static/uplot/uPlot.iife.min.js", new String[] {UPLOT + "dist/uPlot.iife.min.js",
                "text/javascript; charset=utf-8"},
            "/static/uplot/uPlot.min.css", new String[] {UPLOT + "dist/uPlot.min.css", "text/css; charset=utf-8"},
            "/static/uplot/LICENSE", new String[] {UPLOT + "LICENSE", "text/plain; charset=utf-8"});

    private final NmfStreamConfig config;
    private final HttpServer server;
    private final ExecutorService threads;
    private volatile NmfMetrics metrics;
    private volatile RecentItems items;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient forwarder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Semaphore eventStreams = new Semaphore(MAX_EVENT_STREAMS);
    private final AtomicInteger openStreams = new AtomicInteger();
    private volatile HostInfo self;
    private volatile KafkaStreams streams;
    private volatile ModelView view;
    private volatile boolean closing;
    /** The page's compact factors, made once per snapshot. */
    private volatile Object[] compactCache = {-1L, null};

    private DashboardServer(NmfStreamConfig config, HttpServer server) {
        this.config = config;
        this.server = server;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(MAX_EVENT_STREAMS + 8, r -> {
            Thread t = new Thread(r, "nmf-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
    }

    /**
     * Binds {@code host:port} and starts serving (the model and the streams come later, with
     * {@link #attach}; until then the API answers 503).
     *
     * @param port the port; 0: any free one
     * @param freePortIfTaken when the port is in use, take a free one instead of failing
     * @throws IllegalStateException naming the address and the setting when it cannot be bound
     */
    public static DashboardServer start(NmfStreamConfig config, String host, int port, boolean freePortIfTaken) {
        HttpServer server;
        try {
            server = bind(host, port);
        } catch (BindException e) {
            if (!freePortIfTaken) {
                throw new IllegalStateException("cannot listen on " + host + ":" + port + " (" + e.getMessage()
                        + "): set another address with " + NmfStreamConfig.HTTP_HOST + " / " + NmfStreamConfig.HTTP_PORT
                        + " (0: any free port), or " + NmfStreamConfig.HTTP_ENABLED + "=false", e);
            }
            try {
                server = bind(host, 0);
            } catch (IOException again) {
                throw new IllegalStateException("cannot listen on " + host + " (" + again.getMessage() + ")", again);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "): check " + NmfStreamConfig.HTTP_HOST, e);
        }
        DashboardServer dashboard = new DashboardServer(config, server);
        server.start();
        return dashboard;
    }

    private static HttpServer bind(String host, int port) throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IOException("unknown host " + host);
        }
        return HttpServer.create(address, 64);
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The address it listens on, as a URL for people ({@code http://host:port/}). */
    public String url() {
        String host = server.getAddress().getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/";
    }

    /**
     * Starts answering from the streams and the view.
     *
     * @param advertised this instance's {@code application.server}
     * @param metrics the instance's metrics
     * @param items the instance's latest and worst-explained items
     */
    public void attach(KafkaStreams streams, ModelView view, HostInfo advertised, NmfMetrics metrics,
            RecentItems items) {
        this.self = advertised;
        this.metrics = metrics;
        this.items = items;
        this.view = view;
        this.streams = streams;
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            String method = ex.getRequestMethod();
            URI uri = ex.getRequestURI();
            if (uri.toString().length() > MAX_URI_CHARS) {
                error(ex, 414, "request URI of " + uri.toString().length() + " characters, expected at most "
                        + MAX_URI_CHARS);
                return;
            }
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                error(ex, 405, method + " " + uri.getRawPath() + ": this server is read-only, expected GET or HEAD");
                return;
            }
            route(ex, uri.getRawPath());
        } catch (IOException e) {
            LOG.debug("http: {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        } catch (RuntimeException e) {
            LOG.warn("http: {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            try {
                error(ex, 500, "internal error (" + e.getClass().getSimpleName() + "); see the instance's log");
            } catch (IOException | RuntimeException ignored) {
                // the response was under way: the connection is closed
            }
        }
    }

    private void route(HttpExchange ex, String path) throws IOException {
        String[] resource = STATIC.get(path);
        if (resource != null) {
            staticResource(ex, resource[0], resource[1]);
        } else if (path.equals("/metrics")) {
            if (metrics == null) {
                error(ex, 404, "/metrics: metrics are off");
                return;
            }
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape().getBytes(StandardCharsets.UTF_8));
        } else if (path.equals("/api/health")) {
            health(ex);
        } else if (path.equals("/api/model")) {
            sendJson(ex, 200, model());
        } else if (path.equals("/api/factors")) {
            factors(ex);
        } else if (path.equals("/api/dead-letters")) {
            deadLetters(ex);
        } else if (path.equals("/api/events")) {
            events(ex);
        } else if (path.startsWith("/api/items/") && path.length() > "/api/items/".length()) {
            item(ex, path.substring("/api/items/".length()));
        } else {
            error(ex, 404, "no such path: " + path + "; expected /, /api/model, /api/factors, /api/items/{id}, "
                    + "/api/dead-letters, /api/health, /api/events or /metrics");
        }
    }

    private void staticResource(HttpExchange ex, String name, String type) throws IOException {
        try (InputStream in = DashboardServer.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                error(ex, 404, "missing resource " + name);
                return;
            }
            send(ex, 200, type, in.readAllBytes());
        }
    }

    private void health(HttpExchange ex) throws IOException {
        KafkaStreams s = streams;
        ObjectNode out = json.createObjectNode();
        String state = s == null ? "STARTING" : s.state().name();
        long version = view == null || view.factors().summary() == null ? -1 : view.factors().summary().version();
        long newest = metrics == null ? version : Math.max(version, metricsVersion());
        boolean ready = "RUNNING".equals(state) && newest >= 0;
        out.put("status", ready ? "UP" : "DOWN");
        out.put("streams", state);
        out.put("basisVersion", newest);
        if (!ready) {
            out.put("reason", !"RUNNING".equals(state) ? "the streams are " + state + ", expected RUNNING"
                    : "no basis yet (the first is made from the first items)");
        }
        sendJson(ex, ready ? 200 : 503, out);
    }

    private long metricsVersion() {
        var gauge = metrics.registry().find("nmf.model.version").gauge();
        return gauge == null ? -1 : (long) gauge.value();
    }

    private ObjectNode model() {
        ObjectNode out = json.createObjectNode();
        ModelView v = view;
        SummaryMessage s = v == null ? null : v.factors().summary();
        out.put("model", config.model());
        out.put("instance", self == null ? null : self.host() + ":" + self.port());
        out.put("streams", streams == null ? "STARTING" : streams.state().name());
        out.put("rank", config.rank());
        out.put("dim", config.dimension());
        out.put("version", s == null ? -1 : s.version());
        out.put("itemsSeen", s == null ? 0 : s.itemsSeen());
        out.put("itemsLost", s == null ? 0 : s.itemsLost());
        if (s == null || s.runningError() == null) {
            out.putNull("runningError");
        } else {
            out.put("runningError", s.runningError());
        }
        out.put("updatedAt", s == null ? 0 : s.updatedAt());
        out.put("display", v == null ? "bars" : ComponentDisplay.kindOf(config, v.factors().components()));
        out.put("itemsProjectedHere", metrics == null ? 0 : metrics.projectedTotal());
        out.put("deadLetters", v == null ? 0 : v.deadLetterCount());
        return out;
    }

    private void factors(HttpExchange ex) throws IOException {
        ModelView v = view;
        ModelView.Factors f = v == null ? null : v.factors();
        boolean npy = "format=npy".equals(ex.getRequestURI().getRawQuery());
        if (f == null || f.summary() == null || f.components().stream().anyMatch(c -> c == null)) {
            error(ex, 503, "no complete factors snapshot yet");
            return;
        }
        List<ComponentMessage> components = f.components();
        int m = config.dimension();
        int r = components.size();
        if (npy) {
            double[] w = new double[m * r];
            for (int k = 0; k < r; k++) {
                double[] vec = components.get(k).vector();
                for (int i = 0; i < Math.min(m, vec.length); i++) {
                    w[i * r + k] = vec[i];
                }
            }
            ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"W-v" + f.summary().version()
                    + ".npy\"");
            send(ex, 200, "application/octet-stream", Npy.matrixBytes(m, r, w));
            return;
        }
        ObjectNode out = json.createObjectNode();
        out.put("model", config.model());
        out.put("version", f.summary().version());
        out.put("rank", r);
        out.put("dim", m);
        out.put("display", ComponentDisplay.kindOf(config, components));
        ArrayNode list = out.putArray("components");
        for (ComponentMessage c : components) {
            list.add(json.valueToTree(c));
        }
        sendJson(ex, 200, out);
    }

    private void deadLetters(HttpExchange ex) throws IOException {
        ModelView v = view;
        ObjectNode out = json.createObjectNode();
        out.put("count", v == null ? 0 : v.deadLetterCount());
        ArrayNode latest = out.putArray("latest");
        if (v != null) {
            for (DeadLetter d : v.latestDeadLetters()) {
                ObjectNode node = json.valueToTree(d);
                node.put("reasonKind", NmfMetrics.reasonKind(d.reason()));
                latest.add(node);
            }
        }
        sendJson(ex, 200, out);
    }

    private void item(HttpExchange ex, String rawId) throws IOException {
        String id;
        try {
            id = URLDecoder.decode(rawId.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            error(ex, 400, "item id '" + rawId + "' is not URL-encoded UTF-8");
            return;
        }
        KafkaStreams s = streams;
        if (s == null || self == null) {
            error(ex, 503, "the streams are starting");
            return;
        }
        if (!config.httpEnabled()) {
            error(ex, 404, "items are not kept (" + NmfStreamConfig.HTTP_ENABLED + "=false)");
            return;
        }
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        KeyQueryMetadata where;
        try {
            where = s.queryMetadataForKey(NmfTopology.LATEST_WEIGHTS_STORE, key, new ByteArraySerializer());
        } catch (IllegalStateException | InvalidStateStoreException e) {
            error(ex, 503, "the streams are not ready to answer queries (" + s.state() + "); try again");
            return;
        }
        if (where == null || KeyQueryMetadata.NOT_AVAILABLE.equals(where)) {
            error(ex, 503, "no instance holds the partition of item '" + id + "' now (rebalancing); try again");
            return;
        }
        HostInfo holder = where.activeHost();
        boolean forwarded = "forwarded=true".equals(ex.getRequestURI().getRawQuery());
        if (!holder.equals(self)) {
            if (forwarded) {
                error(ex, 503, "item '" + id + "' moved while the request was forwarded; try again");
                return;
            }
            forward(ex, holder, id);
            return;
        }
        byte[] value;
        try {
            ReadOnlyKeyValueStore<byte[], byte[]> store = s.store(StoreQueryParameters.fromNameAndType(
                    NmfTopology.LATEST_WEIGHTS_STORE, QueryableStoreTypes.<byte[], byte[]>keyValueStore())
                    .withPartition(where.partition()));
            value = store.get(key);
        } catch (InvalidStateStoreException e) {
            error(ex, 503, "the store of item '" + id + "' is not queryable now (" + s.state() + "); try again");
            return;
        }
        if (value == null) {
            error(ex, 404, "no item '" + id + "' among the " + NmfTopology.LATEST_WEIGHTS_KEPT
                    + " latest of its partition (the weights topic has every item's weights)");
            return;
        }
        WeightsMessage w = WireSerdes.weights().deserializer().deserialize(config.topics().weights(), value);
        ObjectNode out = json.createObjectNode();
        out.put("id", w.id());
        out.put("basisVersion", w.basisVersion());
        ArrayNode h = out.putArray("weights");
        for (double x : w.weights()) {
            h.add(x);
        }
        out.put("relativeResidual", w.relativeResidual());
        if (w.eventTimestamp() >= 0) {
            out.put("eventTimestamp", w.eventTimestamp());
        } else {
            out.putNull("eventTimestamp");
        }
        out.put("processedTimestamp", w.processedTimestamp());
        ArrayNode top = out.putArray("topComponents");
        for (int k : RecentItems.top(w.weights(), 5)) {
            if (w.weights()[k] > 0) {
                top.addObject().put("component", k).put("weight", w.weights()[k]);
            }
        }
        out.put("partition", where.partition());
        out.put("heldBy", holder.host() + ":" + holder.port());
        sendJson(ex, 200, out);
    }

    private void forward(HttpExchange ex, HostInfo holder, String id) throws IOException {
        URI target = URI.create("http://" + holder.host() + ":" + holder.port() + "/api/items/"
                + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20") + "?forwarded=true");
        HttpResponse<byte[]> response;
        try {
            response = forwarder.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            error(ex, 502, "instance " + holder.host() + ":" + holder.port() + " holds item '" + id
                    + "' and did not answer (" + e.getMessage() + ")");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(ex, 503, "interrupted");
            return;
        }
        ex.getResponseHeaders().set("X-Nmf-Forwarded-To", holder.host() + ":" + holder.port());
        send(ex, response.statusCode(), "application/json; charset=utf-8", response.body());
    }

    /** Server-sent events: "factors" when a snapshot is new, "tick" every second, "history" first. */
    private void events(HttpExchange ex) throws IOException {
        if (!eventStreams.tryAcquire()) {
            error(ex, 503, MAX_EVENT_STREAMS + " live-update connections are open, expected fewer");
            return;
        }
        openStreams.incrementAndGet();
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            long sentSeq = -1;
            long lastCount = metrics == null ? 0 : metrics.projectedTotal();
            long lastAt = System.nanoTime();
            ModelView v = view;
            if (v != null) {
                ArrayNode history = json.createArrayNode();
                for (ModelView.ErrorPoint p : v.history()) {
                    history.addArray().add(p.time()).add(p.version()).add(p.runningError());
                }
                event(out, "history", history);
            }
            while (!closing) {
                v = view;
                if (v != null && v.factors().seq() != sentSeq && v.factors().summary() != null) {
                    ModelView.Factors f = v.factors();
                    event(out, "factors", compact(f));
                    sentSeq = f.seq();
                }
                long now = System.nanoTime();
                long count = metrics == null ? 0 : metrics.projectedTotal();
                double perSecond = (count - lastCount) / ((now - lastAt) / 1e9);
                lastCount = count;
                lastAt = now;
                event(out, "tick", tick(perSecond));
                try {
                    Thread.sleep(TICK.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            openStreams.decrementAndGet();
            eventStreams.release();
        }
    }

    private Object compact(ModelView.Factors f) {
        Object[] cached = compactCache;
        if ((long) cached[0] == f.seq()) {
            return cached[1];
        }
        ObjectNode made = ComponentDisplay.compact(json, config, f);
        compactCache = new Object[] {f.seq(), made};
        return made;
    }

    private ObjectNode tick(double perSecond) {
        ObjectNode out = model();
        out.put("itemsPerSecond", Math.round(perSecond * 10) / 10.0);
        out.put("time", System.currentTimeMillis());
        if (items != null) {
            out.set("latest", itemsJson(items.latest()));
            out.set("worst", itemsJson(items.worst()));
        }
        ModelView v = view;
        ArrayNode dead = out.putArray("deadLetterReasons");
        if (v != null) {
            for (DeadLetter d : v.latestDeadLetters()) {
                ObjectNode node = dead.addObject();
                node.put("key", d.key());
                node.put("reason", d.reason());
                node.put("kind", NmfMetrics.reasonKind(d.reason()));
                node.put("timestamp", d.timestamp());
            }
        }
        return out;
    }

    private ArrayNode itemsJson(List<RecentItems.Item> list) {
        ArrayNode out = json.createArrayNode();
        for (RecentItems.Item item : list) {
            ObjectNode node = out.addObject();
            node.put("id", item.id());
            node.put("version", item.basisVersion());
            node.put("residual", item.relativeResidual());
            ArrayNode top = node.putArray("top");
            for (int k : RecentItems.top(item.weights(), 3)) {
                if (item.weights()[k] > 0) {
                    top.addArray().add(k).add(item.weights()[k]);
                }
            }
        }
        return out;
    }

    private void event(OutputStream out, String name, Object data) throws IOException {
        byte[] body = json.writeValueAsBytes(data);
        out.write(("event: " + name + "\ndata: ").getBytes(StandardCharsets.UTF_8));
        out.write(body);
        out.write("\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        send(ex, status, "application/json; charset=utf-8", json.writeValueAsBytes(body));
    }

    private void error(HttpExchange ex, int status, String message) throws IOException {
        ObjectNode body = json.createObjectNode();
        body.put("status", status);
        body.put("error", message);
        sendJson(ex, status, body);
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** Live-update connections open now. */
    public int openEventStreams() {
        return openStreams.get();
    }

    @Override
    public void close() {
        closing = true;
        server.stop(0);
        threads.shutdownNow();
    }
}
