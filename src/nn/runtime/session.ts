/** ONNX Runtime sessions with the settings measured to be fastest on the CPU. */
import * as os from "node:os";
import * as ort from "onnxruntime-node";

export type OptimizationLevel = "disabled" | "basic" | "extended" | "all";

export function defaultThreads(): number {
  return Math.max(1, os.availableParallelism());
}

export function validateThreads(threads: unknown, field: string): number | undefined {
  if (threads === undefined) return undefined;
  if (typeof threads !== "number" || !Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new Error(`${field}: expected an integer from 1 to 256, got ${String(threads)}`);
  }
  return threads;
}

/**
 * Sequential executor (the parallel one was 2-3x slower on these graphs),
 * intra-op threads only.
 */
export async function createSession(model: Uint8Array, threads: number, optimization: OptimizationLevel): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    executionMode: "sequential",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: optimization,
    logSeverityLevel: 3,
  });
}

export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("float32", data, dims);
}

export function tensorData(t: ort.Tensor | undefined, what: string): Float32Array {
  if (!t || !(t.data instanceof Float32Array)) throw new Error(`internal: model output ${what} missing or not float32`);
  return t.data;
}
