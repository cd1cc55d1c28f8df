/**
 * Kafka itself: the embedded single-node KRaft broker, the one topic-creation path
 * ({@link dev.nmfstream.kafka.TopicSetup}), the rate pacer of the commands and tests that produce,
 * and small client helpers.
 */
package dev.nmfstream.kafka;
