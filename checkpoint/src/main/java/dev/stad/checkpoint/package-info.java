/**
 * What a training run leaves and an export reads: the run folder ({@link
 * dev.stad.checkpoint.RunDirectory}) and its {@code run.json} ({@link
 * dev.stad.checkpoint.RunMetadata}). Shared by the trainer and the exporter; a station never
 * loads it.
 */
package dev.stad.checkpoint;
