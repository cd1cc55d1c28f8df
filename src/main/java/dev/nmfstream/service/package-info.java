/**
 * One running instance: configuration loading (file, environment, overrides), the topics it
 * needs, and the Kafka Streams instance with its lifecycle.
 */
package dev.nmfstream.service;
