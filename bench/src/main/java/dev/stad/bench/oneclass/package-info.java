/**
 * {@code bench one-class}: the one-class protocol on IDX datasets such as Fashion-MNIST.
 */
package dev.stad.bench.oneclass;
