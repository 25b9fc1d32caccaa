/**
 * Lays out a job's stand-in for `/opt/ml` (src/container/contract.ts): the
 * configuration files SageMaker writes before it starts a training container,
 * and the empty directories the algorithm writes into.
 */
import * as fs from "node:fs";
import { mlPaths, type InputDataConfigFile, type MlPaths, type ResourceConfigFile } from "../../container/contract";

export const CURRENT_HOST = "algo-1";

export interface TrainingConfig {
  hyperparameters: Record<string, string>;
  inputDataConfig: InputDataConfigFile;
}

export function prepareTrainingRoot(root: string, config: TrainingConfig): MlPaths {
  const p = mlPaths(root);
  for (const dir of [`${root}/input/config`, `${root}/input/data`, p.model, p.outputData, p.checkpoints]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  for (const channel of Object.keys(config.inputDataConfig)) fs.mkdirSync(p.channel(channel), { recursive: true });
  const resource: ResourceConfigFile = { current_host: CURRENT_HOST, hosts: [CURRENT_HOST], network_interface_name: "eth0" };
  fs.writeFileSync(p.hyperparameters, JSON.stringify(config.hyperparameters));
  fs.writeFileSync(p.inputDataConfig, JSON.stringify(config.inputDataConfig));
  fs.writeFileSync(p.resourceConfig, JSON.stringify(resource));
  return p;
}

/** A serving root: `model/` (filled from model.tar.gz by the caller) and `output/`. */
export function prepareServingRoot(root: string): MlPaths {
  const p = mlPaths(root);
  fs.rmSync(root, { recursive: true, force: true });
  for (const dir of [p.model, p.output]) fs.mkdirSync(dir, { recursive: true });
  return p;
}

/** The reason an algorithm wrote to `output/failure`, if any (SageMaker keeps the first 1024 characters). */
export function readFailure(p: MlPaths): string | undefined {
  try {
    const text = fs.readFileSync(p.failure, "utf8").trim();
    return text.length > 0 ? text.slice(0, 1024) : undefined;
  } catch {
    return undefined;
  }
}
