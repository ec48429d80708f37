/**
 * How long work reports progress without knowing who watches: {@link
 * dev.stad.runtime.progress.Progress}.
 */
package dev.stad.runtime.progress;
