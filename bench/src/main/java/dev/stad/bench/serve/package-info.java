/** {@code bench serve-load}: the HTTP station under a bounded load on loopback. */
package dev.stad.bench.serve;
