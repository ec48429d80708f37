/**
 * {@code bench terms}: what each score term (e, v, the teacher's own distance from the good
 * descriptors) finds, measured on trained models without retraining them.
 */
package dev.stad.bench.terms;
