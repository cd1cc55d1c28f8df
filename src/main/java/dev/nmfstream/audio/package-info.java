/**
 * Sound: WAV files and raw PCM in ({@link Sound}, {@link PcmFormat}), the short-time Fourier
 * transform and its overlap-add inverse over JTransforms ({@link Stft}, {@link Framer},
 * {@link OverlapAdd}), frequencies and note names for the rows of a spectral basis
 * ({@link FrequencyLabels}), and separation by soft masks ({@link Separator}); WAV out
 * ({@link WavWriter}). No Kafka: the commands feed and read the topics.
 */
package dev.nmfstream.audio;
