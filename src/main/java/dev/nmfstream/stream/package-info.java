/**
 * The Kafka Streams topology as a pure function of its settings: the projector and updater
 * processors, their stores, and the settings of the service ({@code nmf.*}).
 */
package dev.nmfstream.stream;
