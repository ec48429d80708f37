/**
 * {@code runtime serve}: the station as a local HTTP service. One {@link
 * dev.stad.runtime.detect.Detector} answers every request; a bounded queue in front of it keeps
 * memory bounded under any load; {@code /metrics} makes drift of good parts visible.
 */
package dev.stad.runtime.serve;
