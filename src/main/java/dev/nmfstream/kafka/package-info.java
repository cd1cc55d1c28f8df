/**
 * Kafka itself: the embedded single-node KRaft broker, topic creation, and small client helpers.
 */
package dev.nmfstream.kafka;
