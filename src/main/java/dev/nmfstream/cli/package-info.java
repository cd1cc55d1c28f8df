/**
 * The user commands ({@code run}, {@code demo}, {@code produce}, {@code consume}, {@code fit},
 * {@code generate}) and their shared options.
 */
package dev.nmfstream.cli;
