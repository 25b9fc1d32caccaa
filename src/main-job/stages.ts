/**
 * The main job's stages. Each code cell of the tutorial notebook names its
 * stage in `metadata.stage`; a cell without one (the runner's injected
 * parameters) belongs to the stage of the cell before it. Stage times are
 * sums of the cells' papermill durations.
 */
import type { Cell, Notebook } from "../runner/notebook";

export const STAGES = [
  { id: "set-up", title: "set-up" },
  { id: "data", title: "data" },
  { id: "training", title: "training" },
  { id: "model", title: "model" },
  { id: "batch-transform", title: "batch transform" },
  { id: "endpoint", title: "endpoint" },
  { id: "inference", title: "inference" },
  { id: "clean-up", title: "clean-up" },
] as const;

export type StageId = (typeof STAGES)[number]["id"];

const IDS: readonly string[] = STAGES.map((s) => s.id);

export function stageTitle(id: StageId): string {
  return STAGES.find((s) => s.id === id)!.title;
}

/** The stage a cell declares, or null when it declares none. */
export function declaredStage(cell: Cell, index: number): StageId | null {
  const value = cell.metadata.stage;
  if (value === undefined) return null;
  if (typeof value !== "string" || !IDS.includes(value)) {
    throw new Error(`notebook cell ${index}: metadata.stage is ${JSON.stringify(value)}; use one of ${IDS.join(", ")}.`);
  }
  return value as StageId;
}

/** The stage of every cell, by index (cells before the first declared stage belong to set-up). */
export function cellStages(nb: Notebook): StageId[] {
  let current: StageId = "set-up";
  return nb.cells.map((cell, i) => (current = declaredStage(cell, i) ?? current));
}

export interface StageTime {
  stage: StageId;
  title: string;
  seconds: number;
  /** Code cells of the stage that ran. */
  cells: number;
}

/**
 * Seconds per stage from the cells' papermill durations, in stage order;
 * `extraSetUpSeconds` (server and kernel start) is added to set-up.
 * Stages none of whose cells ran are left out.
 */
export function stageTimes(nb: Notebook, extraSetUpSeconds = 0): StageTime[] {
  const stages = cellStages(nb);
  const times = new Map<StageId, StageTime>();
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const duration = (cell.metadata.papermill as { duration?: unknown } | undefined)?.duration;
    if (typeof duration !== "number") return;
    const stage = stages[i];
    const entry = times.get(stage) ?? { stage, title: stageTitle(stage), seconds: 0, cells: 0 };
    entry.seconds += duration;
    entry.cells++;
    times.set(stage, entry);
  });
  if (extraSetUpSeconds > 0) {
    const setUp = times.get("set-up") ?? { stage: "set-up", title: stageTitle("set-up"), seconds: 0, cells: 0 };
    setUp.seconds += extraSetUpSeconds;
    times.set("set-up", setUp);
  }
  return STAGES.map((s) => times.get(s.id)).filter((t): t is StageTime => t !== undefined);
}
