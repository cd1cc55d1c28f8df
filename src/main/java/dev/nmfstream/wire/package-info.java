/**
 * The public records on the topics (weights, factors, dead letters), the input codecs (JSON and
 * binary float32), their serdes and the default topic names.
 */
package dev.nmfstream.wire;
