/**
 * The station: everything an inspection station needs to turn images into anomaly maps, scores
 * and decisions with a model bundle, and nothing a training run needs. {@link
 * dev.stad.runtime.StadVersion} is the project version every model records.
 */
package dev.stad.runtime;
