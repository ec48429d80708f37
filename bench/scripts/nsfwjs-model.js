// Writes one of the TensorFlow.js Layers models that the npm package nsfwjs bundles as JavaScript
// modules (model.min.js and group1-shard*.min.js, base64 inside) as a plain model.json and binary
// weight shards, the form `bench tfjs-import` reads.
//
//   npm pack nsfwjs@4.4.0 && tar xzf nsfwjs-4.4.0.tgz
//   node bench/scripts/nsfwjs-model.js package/dist/models/inception_v3 teachers/inception_v3
"use strict";
const fs = require("fs");
const path = require("path");

const [from, to] = process.argv.slice(2);
if (!from || !to) {
  console.error("usage: node nsfwjs-model.js <package>/dist/models/<model> <out-dir>");
  process.exit(2);
}
const modelFile = path.resolve(from, "model.min.js");
if (!fs.existsSync(modelFile)) {
  console.error(modelFile + ": missing; unpack the nsfwjs package first (npm pack nsfwjs@4.4.0)");
  process.exit(1);
}
const model = require(modelFile);
if (!model.modelTopology || !model.weightsManifest) {
  console.error(modelFile + ": not a TensorFlow.js Layers model (no modelTopology or weightsManifest)");
  process.exit(1);
}
fs.mkdirSync(to, { recursive: true });
for (const group of model.weightsManifest) {
  for (const shard of group.paths) {
    const data = require(path.resolve(from, shard + ".min.js"));
    if (typeof data !== "string") {
      console.error(shard + ".min.js: does not export a base64 string");
      process.exit(1);
    }
    fs.writeFileSync(path.join(to, shard), Buffer.from(data, "base64"));
  }
}
fs.writeFileSync(path.join(to, "model.json"), JSON.stringify(model));
console.log("wrote " + path.join(to, "model.json") + " and its weight shards");
