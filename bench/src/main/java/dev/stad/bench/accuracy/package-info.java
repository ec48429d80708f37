/**
 * {@code bench accuracy}: image AUROC, pixel AUROC and AU-PRO per defect type, curves, maps and
 * an HTML report.
 */
package dev.stad.bench.accuracy;
