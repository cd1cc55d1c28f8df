/**
 * The instance's read-only HTTP side: the page ({@code /}), the JSON API with interactive queries
 * over the latest-weights store, live updates by server-sent events, and {@code /metrics}
 * ({@link dev.nmfstream.http.DashboardServer}); the model as this instance sees it
 * ({@link dev.nmfstream.http.ModelView}) and its latest and worst-explained items
 * ({@link dev.nmfstream.http.RecentItems}).
 */
package dev.nmfstream.http;
