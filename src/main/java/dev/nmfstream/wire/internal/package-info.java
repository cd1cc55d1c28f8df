/**
 * The internal protocol between projectors and the updater: statistics, bootstrap samples, basis
 * versions and the updater's pending statistics as bytes, cut by the one {@link
 * dev.nmfstream.wire.internal.Chunker} into chunks that no broker limit refuses, reassembled from a
 * topic by the {@link dev.nmfstream.wire.internal.Reassembler} or read from a store under their
 * keys. No Kafka, no Jackson.
 */
package dev.nmfstream.wire.internal;
