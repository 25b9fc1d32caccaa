/**
 * Which epochs' weights stay in `model/`: the best validation epoch (also the
 * served model), plus every checkpoint_frequency-th epoch when that is set.
 * Replaced best epochs are removed unless they are periodic checkpoints.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineModule, ModelWeights } from "../../nn/api";
import { describeModel, paramsFileName, writeParams, writeServedModel } from "./artifacts";
import type { AlgorithmLog } from "./log";

export class CheckpointKeeper {
  private bestEpoch = -1;
  private bestAccuracy = -Infinity;
  private readonly periodic = new Set<number>();
  private readonly written = new Set<number>();

  constructor(
    private readonly modelDir: string,
    private readonly frequency: number | null,
    private readonly engine: Pick<EngineModule, "exportInferenceModel">,
    private readonly log: AlgorithmLog,
  ) {}

  get best(): { epoch: number; accuracy: number } | null {
    return this.bestEpoch < 0 ? null : { epoch: this.bestEpoch, accuracy: this.bestAccuracy };
  }

  /** After an epoch's validation: keeps its weights if it is the best so far or a periodic checkpoint. */
  afterEpoch(epoch: number, validationAccuracy: number, weights: () => ModelWeights): void {
    const improved = validationAccuracy > this.bestAccuracy;
    const periodic = this.frequency !== null && (epoch + 1) % this.frequency === 0;
    if (!improved && !periodic) return;
    const w = weights();
    if (improved) {
      this.log.info(`Storing the best model with validation accuracy: ${validationAccuracy.toFixed(6)}`);
      this.save(epoch, w);
      writeServedModel(this.modelDir, w, this.engine.exportInferenceModel(w), describeModel(w.arch, epoch, validationAccuracy));
      const previous = this.bestEpoch;
      this.bestEpoch = epoch;
      this.bestAccuracy = validationAccuracy;
      if (previous >= 0 && !this.periodic.has(previous)) this.remove(previous);
    }
    if (periodic) {
      this.periodic.add(epoch);
      this.save(epoch, w);
    }
  }

  private save(epoch: number, weights: ModelWeights): void {
    if (this.written.has(epoch)) return;
    const file = writeParams(this.modelDir, weights, epoch);
    this.written.add(epoch);
    this.log.info(`Saved checkpoint to "${file}"`);
  }

  private remove(epoch: number): void {
    fs.rmSync(path.join(this.modelDir, paramsFileName(epoch)), { force: true });
    this.written.delete(epoch);
  }
}
