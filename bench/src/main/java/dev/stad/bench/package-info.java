/**
 * The {@code bench} command: measurements whose numbers the documentation quotes, never timed
 * unit tests.
 */
package dev.stad.bench;
