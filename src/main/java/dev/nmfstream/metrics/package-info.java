/**
 * The instance's Prometheus metrics: {@link dev.nmfstream.metrics.NmfMetrics} (Micrometer with its
 * Prometheus registry, the Kafka Streams and JVM binders) behind the processors' facade
 * {@link dev.nmfstream.stream.StreamMetrics}.
 */
package dev.nmfstream.metrics;
