/**
 * numpy {@code .npy} and scipy {@code .npz} files: readers that stream columns, and the {@code .npy} writer.
 */
package dev.nmfstream.io;
