/** One figure of `npm run bench`: the project's value beside the reference's, and their ratio. */
export interface BenchResult {
  /** Contains "train" or "infer" for the algorithm's figures. */
  name: string;
  unit: string;
  project: number;
  /** The reference measured in the same run (PyTorch, Jupyter's own runner, ...); null where none applies. */
  reference: number | null;
  /** project / reference, oriented so that > 1 means the project is better (for latencies: reference / project). */
  ratio: number | null;
  /** Free text: which path, which reference configuration. */
  note?: string;
}

/** A benchmark module: `bench/<name>.bench.ts` exporting `run`. */
export interface BenchModule {
  title: string;
  run(opts: { quick: boolean; log: (line: string) => void }): Promise<BenchResult[]>;
}

export function ratio(project: number, reference: number | null, lowerIsBetter = false): number | null {
  if (reference === null || reference === 0 || project === 0) return null;
  const r = lowerIsBetter ? reference / project : project / reference;
  return Math.round(r * 1000) / 1000;
}
