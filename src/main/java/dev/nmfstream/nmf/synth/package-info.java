/**
 * Planted models with known answers: dense planted bases, planted topics, and the recovery score
 * that matches learned components to planted ones. For tests, demos and benchmarks.
 */
package dev.nmfstream.nmf.synth;
