/**
 * Architecture specs: a network as a list of layers, with its receptive field, margin and cost,
 * as a bundle manifest records it.
 */
package dev.stad.runtime.spec;
