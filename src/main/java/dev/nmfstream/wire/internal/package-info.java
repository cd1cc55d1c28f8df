/**
 * The internal protocol between projectors and the updater: statistics, bootstrap samples and
 * basis versions as bytes, cut into chunks that no broker limit refuses. No Kafka, no Jackson.
 */
package dev.nmfstream.wire.internal;
