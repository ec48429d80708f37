/**
 * {@code bench latency}: latency per anomaly map, GFLOP/s against the machine's own sgemm, and
 * the per-patch baseline.
 */
package dev.stad.bench.latency;
