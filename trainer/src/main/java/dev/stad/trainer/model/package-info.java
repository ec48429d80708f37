/**
 * The networks as DJL blocks (patch and dense form sharing weights), the texture-energy
 * descriptor a teacher distils, and tensor helpers.
 */
package dev.stad.trainer.model;
