/**
 * The training loops: teacher pretraining (triplet, compactness, distillation), student
 * training, teacher targets, calibration, Adam, and the checks that fail loudly on a non-finite
 * loss.
 */
package dev.stad.trainer.train;
