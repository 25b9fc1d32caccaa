/**
 * Weights in the standard layout: He initialisation for a seed, and the checks
 * that a set of weights (e.g. from an earlier training job) fits an architecture.
 */
import type { Architecture, ModelWeights, NamedTensors } from "../api";
import { Prng } from "../prng";
import { paramsOf, type NetSpec } from "./spec";

/**
 * He (MSRA) normal initialisation with fan-in, as MXNet's
 * Xavier(rnd_type="gaussian", factor_type="in", magnitude=2) used by the
 * algorithm; BN gamma 1, beta 0, running mean 0, variance 1; FC bias 0.
 */
export function initWeights(spec: NetSpec, seed: number): NamedTensors {
  const rng = new Prng(seed);
  const out: NamedTensors = {};
  for (const p of paramsOf(spec)) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (p.kind === "conv" || p.kind === "fc_weight") {
      const fanIn = p.shape.slice(1).reduce((a, b) => a * b, 1);
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < size; i++) data[i] = rng.normal() * std;
    } else if (p.kind === "gamma" || p.kind === "var") {
      data.fill(1);
    }
    out[p.name] = { shape: [...p.shape], data };
  }
  return out;
}

/** Throws naming the first difference between two architectures. */
export function checkSameArchitecture(expected: Architecture, got: Architecture, what: string): void {
  const diffs: string[] = [];
  if (got.numLayers !== expected.numLayers) diffs.push(`numLayers ${got.numLayers} (expected ${expected.numLayers})`);
  if (got.imageShape.join() !== expected.imageShape.join()) {
    diffs.push(`imageShape ${got.imageShape.join(",")} (expected ${expected.imageShape.join(",")})`);
  }
  if (got.numClasses !== expected.numClasses) diffs.push(`numClasses ${got.numClasses} (expected ${expected.numClasses})`);
  if (Boolean(got.multiLabel) !== Boolean(expected.multiLabel)) diffs.push(`multiLabel ${got.multiLabel} (expected ${expected.multiLabel})`);
  if (diffs.length > 0) throw new Error(`${what}: architecture mismatch: ${diffs.join(", ")}`);
}

/** Checks that `weights` holds exactly the network's tensors with the right shapes and finite values. */
export function checkWeights(spec: NetSpec, weights: ModelWeights, what: string): void {
  const params = paramsOf(spec);
  const expected = new Set(params.map((p) => p.name));
  const extra = Object.keys(weights.tensors).filter((n) => !expected.has(n));
  if (extra.length > 0) {
    throw new Error(`${what}: unexpected tensor(s) ${extra.slice(0, 3).join(", ")}${extra.length > 3 ? ", ..." : ""}: the weights are for a different network`);
  }
  for (const p of params) {
    const t = weights.tensors[p.name];
    if (!t) throw new Error(`${what}: tensor ${p.name} is missing: the weights are for a different network`);
    if (t.shape.join() !== p.shape.join()) {
      throw new Error(`${what}: tensor ${p.name} has shape [${t.shape}], expected [${p.shape}]`);
    }
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (!(t.data instanceof Float32Array) || t.data.length !== size) {
      throw new Error(`${what}: tensor ${p.name} must be a Float32Array of ${size} values`);
    }
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) throw new Error(`${what}: tensor ${p.name} holds a non-finite value at index ${i}`);
    }
    if (p.kind === "var" && t.data.some((v) => v < 0)) throw new Error(`${what}: tensor ${p.name} (a variance) holds a negative value`);
  }
}

export function copyTensors(t: NamedTensors): NamedTensors {
  const out: NamedTensors = {};
  for (const [name, v] of Object.entries(t)) out[name] = { shape: [...v.shape], data: v.data.slice() };
  return out;
}
