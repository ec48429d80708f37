/**
 * Report helpers: plots, order statistics and the process's resident memory.
 */
package dev.stad.bench.report;
