package dev.nmfstream.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentItemsTest {

    @Test
    void keepsTheLatestNewestFirstAndTheWorstExplained() {
        RecentItems items = new RecentItems(3);
        double[] h = new double[3];
        for (int j = 0; j < 100; j++) {
            byte[] id = ("item-" + j).getBytes(StandardCharsets.UTF_8);
            h[j % 3] = j;
            // residual peaks at j = 37, 73 and 11
            double residual = j == 37 ? 0.9 : j == 73 ? 0.8 : j == 11 ? 0.7 : 0.01 * (j % 5);
            items.item(id, id.length, j, h, residual, 1000 + j);
        }
        List<RecentItems.Item> latest = items.latest();
        assertEquals(RecentItems.LATEST, latest.size());
        assertEquals("item-99", latest.get(0).id());
        assertEquals(99, latest.get(0).basisVersion());
        assertEquals("item-80", latest.get(RecentItems.LATEST - 1).id());
        assertArrayEquals(new double[] {99, 97, 98}, latest.get(0).weights());
        List<RecentItems.Item> worst = items.worst();
        assertEquals(RecentItems.WORST, worst.size());
        assertEquals(List.of("item-37", "item-73", "item-11"), worst.subList(0, 3).stream().map(RecentItems.Item::id).toList());
        assertEquals(100, items.count());
        assertArrayEquals(new int[] {2, 0}, RecentItems.top(new double[] {0.5, 0, 0.9}, 2));
    }

    @Test
    void recordingAnItemAllocatesNothing() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        RecentItems items = new RecentItems(20);
        byte[] id = "an-item-id".getBytes(StandardCharsets.UTF_8);
        double[] h = new double[20];
        Runnable calls = () -> {
            for (int i = 0; i < 100_000; i++) {
                h[i % 20] = i;
                items.item(id, id.length, i, h, (i % 1000) / 1000.0, i);
            }
        };
        calls.run();
        long before = threads.getThreadAllocatedBytes(self);
        calls.run();
        long allocated = threads.getThreadAllocatedBytes(self) - before;
        assertTrue(allocated < 4096, "100,000 items allocated " + allocated + " bytes");
    }
}
