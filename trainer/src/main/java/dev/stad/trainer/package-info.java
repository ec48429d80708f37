/**
 * The {@code train} and {@code pretrain-teacher} commands and the training run that ties data,
 * teachers, students, calibration and export together, resumable stage by stage.
 */
package dev.stad.trainer;
