package dev.nmfstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.nmfstream.stream.StreamMetrics;
import dev.nmfstream.wire.ColumnDecoder;
import dev.nmfstream.wire.DecodedItem;
import dev.nmfstream.wire.InputFormat;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NmfMetricsTest {

    /** The decoder's own reasons for bad records, classified into the dead letters' reason kinds. */
    @Test
    void theDecodersReasonsFallIntoTheirKinds() {
        ColumnDecoder decoder = new ColumnDecoder(3, InputFormat.JSON, 200, 16, 1e6);
        DecodedItem item = new DecodedItem(3);
        String[][] cases = {
            {"{\"id\":\"a\",\"values\":[1,-2,3]}", "negative"},
            {"{\"id\":\"a\",\"values\":[1,NaN,3]}", "negative"},
            {"{\"id\":\"a\",\"values\":[1,2]}", "dimension"},
            {"{\"id\":\"a\",\"dim\":4,\"indices\":[1],\"values\":[1]}", "dimension"},
            {"{\"id\":\"a\",\"values\":[1,2,1e9]}", "too_large"},
            {"{\"id\":\"a\",\"values\":[" + "1,".repeat(100) + "1]}", "too_large"},
            {"{\"id\":\"" + "x".repeat(40) + "\",\"values\":[1,2,3]}", "too_large"},
            {"not json", "malformed"},
            {"{\"id\":\"a\",\"values\":\"no\"}", "malformed"},
        };
        for (String[] c : cases) {
            assertFalse(decoder.decode("a".getBytes(StandardCharsets.UTF_8), c[0].getBytes(StandardCharsets.UTF_8), item),
                    c[0]);
            assertEquals(c[1], NmfMetrics.reasonKind(item.reason()), c[0] + ": " + item.reason());
        }
        assertEquals("warmup_full", NmfMetrics.reasonKind("no basis yet and the warm-up buffer is full (5 items held)"));
    }

    @Test
    void theSeriesHaveTheirPrometheusNamesAndCount() {
        try (NmfMetrics metrics = new NmfMetrics("host:1")) {
            for (int i = 0; i < 10; i++) {
                metrics.projected(StreamMetrics.DENSE, 20_000, 3, 0.05);
            }
            metrics.projected("text", 20_000, 3, 0.5);
            metrics.deadLetter("values[0] = -1, expected a finite nonnegative number");
            metrics.held("0_1", 7, 2);
            metrics.held("0_2", 1, 0);
            metrics.basisVersions("0_1", 5, 9);
            metrics.basisVersions("0_2", 8, 9);
            metrics.basisUpdated(1_000_000, 256);
            metrics.statisticsSent(1000);
            metrics.basisSent(300);
            metrics.itemsLost(4);
            metrics.runningError(0.25);
            String text = metrics.scrape();
            for (String line : new String[] {
                "nmf_items_projected_total{kind=\"dense\",nmf_instance=\"host:1\"} 10.0",
                "nmf_items_projected_total{kind=\"text\",nmf_instance=\"host:1\"} 1.0",
                "nmf_projection_seconds_count{nmf_instance=\"host:1\"} 11",
                "nmf_nnls_iterations_sum{nmf_instance=\"host:1\"} 33.0",
                "nmf_relative_residual_bucket{nmf_instance=\"host:1\",le=\"0.05\"} 10",
                "nmf_dead_letters_total{nmf_instance=\"host:1\",reason=\"negative\"} 1.0",
                "nmf_items_held{cause=\"warmup\",nmf_instance=\"host:1\"} 8.0",
                "nmf_items_held{cause=\"throttle\",nmf_instance=\"host:1\"} 2.0",
                "nmf_basis_staleness_versions{nmf_instance=\"host:1\"} 4.0",
                "nmf_model_version{nmf_instance=\"host:1\"} 9.0",
                "nmf_running_error{nmf_instance=\"host:1\"} 0.25",
                "nmf_basis_update_seconds_count{nmf_instance=\"host:1\"} 1",
                "nmf_update_items_sum{nmf_instance=\"host:1\"} 256.0",
                "nmf_statistics_bytes_total{nmf_instance=\"host:1\"} 1000.0",
                "nmf_basis_bytes_total{nmf_instance=\"host:1\"} 300.0",
                "nmf_items_lost_total{nmf_instance=\"host:1\"} 4.0",
            }) {
                assertTrue(text.contains(line + "\n"), line + " in\n" + text);
            }
            assertTrue(text.contains("jvm_memory_used_bytes{"), "the JVM binders");
            // a task that leaves holds nothing
            metrics.held("0_1", 0, 0);
            metrics.basisVersions("0_1", -1, -1);
            assertTrue(metrics.scrape().contains("nmf_items_held{cause=\"warmup\",nmf_instance=\"host:1\"} 1.0\n"));
        }
    }

    /** The stream threads' calls allocate nothing (pre-resolved meters). */
    @Test
    void theHotPathCallsAllocateNothing() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        try (NmfMetrics metrics = new NmfMetrics("host:1")) {
            String task = "0_1";
            Runnable calls = () -> {
                for (int i = 0; i < 100_000; i++) {
                    metrics.projected(StreamMetrics.DENSE, 10_000 + i, 1 + (i & 7), (i & 1023) / 1024.0);
                    metrics.statisticsSent(100);
                }
                metrics.held(task, 1, 2);
                metrics.basisVersions(task, 3, 4);
            };
            // Until the JIT has compiled the calls (escape analysis removes their boxing), a round may
            // allocate a little; how soon that happens depends on the machine. The claim is about the
            // compiled path: once warm, some round of 100,000 items allocates (next to) nothing.
            calls.run(); // warm-up: JIT and first-use allocations
            List<Long> rounds = new ArrayList<>();
            long allocated = Long.MAX_VALUE;
            for (int round = 0; round < 20 && allocated >= 4096; round++) {
                long before = threads.getThreadAllocatedBytes(self);
                calls.run();
                allocated = threads.getThreadAllocatedBytes(self) - before;
                rounds.add(allocated);
            }
            assertTrue(allocated < 4096, "100,000 items allocated, round by round: " + rounds + " bytes");
        }
    }
}
