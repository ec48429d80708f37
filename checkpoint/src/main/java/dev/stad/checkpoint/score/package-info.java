/**
 * The plain-Java reference of what the detector graph computes per scale: the teacher
 * normalisation and the regression error and predictive uncertainty of the students.
 * Calibration uses it, and the exporter checks every bundle against it.
 */
package dev.stad.checkpoint.score;
