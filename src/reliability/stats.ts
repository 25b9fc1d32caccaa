/** Latency figures of a load run. */
export interface LatencyFigures {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

export function latencyFigures(samplesMs: number[]): LatencyFigures {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { p50Ms: round(percentile(sorted, 50)), p90Ms: round(percentile(sorted, 90)), p99Ms: round(percentile(sorted, 99)), maxMs: round(sorted[sorted.length - 1] ?? NaN) };
}
