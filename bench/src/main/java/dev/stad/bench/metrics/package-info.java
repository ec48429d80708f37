/**
 * Exact ROC, AUROC and PRO curves over every distinct score.
 */
package dev.stad.bench.metrics;
