/**
 * Epoch-level training decisions: the learning rate of an epoch, and early stopping.
 */

/** learning_rate times lr_scheduler_factor once for every lr_scheduler_step epoch already reached (epochs count from 0). */
export function learningRateAt(epoch: number, learningRate: number, factor: number, steps: readonly number[] | null): number {
  const passed = (steps ?? []).filter((s) => epoch >= s).length;
  return learningRate * Math.pow(factor, passed);
}

export interface EarlyStoppingOptions {
  enabled: boolean;
  minEpochs: number;
  patience: number;
  /** An epoch improves only when (accuracy - best) / best reaches this. */
  tolerance: number;
}

export class EarlyStopping {
  private best = -Infinity;
  private sinceImprovement = 0;

  constructor(private readonly o: EarlyStoppingOptions) {}

  /** Records an epoch's validation accuracy; returns why training should stop, or null. */
  update(epoch: number, accuracy: number): string | null {
    const improved = accuracy > this.best && (this.best <= 0 || (accuracy - this.best) / this.best >= this.o.tolerance);
    if (improved) {
      this.best = accuracy;
      this.sinceImprovement = 0;
    } else {
      this.sinceImprovement++;
    }
    if (!this.o.enabled || epoch + 1 < this.o.minEpochs || this.sinceImprovement < this.o.patience) return null;
    return (
      `Early stopping: validation accuracy has not improved by a relative ${this.o.tolerance} over the best (${this.best.toFixed(6)}) ` +
      `for ${this.sinceImprovement} epochs (early_stopping_patience ${this.o.patience}); stopping after epoch ${epoch}.`
    );
  }
}
