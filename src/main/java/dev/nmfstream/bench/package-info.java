/**
 * The benchmark commands ({@code bench}, {@code bench-stream}, {@code bench-cluster}) and the
 * launcher of instances as separate processes.
 */
package dev.nmfstream.bench;
