/**
 * Per-epoch accuracies from the algorithm's log, which prints (among others)
 *   Epoch[0] Train-accuracy=0.150391
 *   Epoch[0] Time cost=8.095
 *   Epoch[0] Validation-accuracy=0.253906
 */

export interface EpochMetrics {
  /** Zero-based, as in the log. */
  epoch: number;
  trainAccuracy?: number;
  validationAccuracy?: number;
  /** Seconds the epoch took. */
  timeCost?: number;
}

const LINE = /Epoch\[(\d+)\] (Train-accuracy|Validation-accuracy|Time cost)=([0-9.eE+-]+)/;

export function parseEpochMetrics(lines: Iterable<string>): EpochMetrics[] {
  const byEpoch = new Map<number, EpochMetrics>();
  for (const line of lines) {
    const m = LINE.exec(line);
    if (!m) continue;
    const epoch = Number(m[1]);
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const entry = byEpoch.get(epoch) ?? { epoch };
    if (m[2] === "Train-accuracy") entry.trainAccuracy = value;
    else if (m[2] === "Validation-accuracy") entry.validationAccuracy = value;
    else entry.timeCost = value;
    byEpoch.set(epoch, entry);
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}
