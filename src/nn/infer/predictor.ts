/**
 * loadPredictor: runs an exported inference model with ONNX Runtime's full
 * graph optimisation (its NCHWc transformer reorders the constant conv weights
 * into the blocked kernels by itself).
 */
import type * as ort from "onnxruntime-node";
import type { Architecture, Predictor } from "../api";
import { validateArchitecture } from "../net/resnet";
import { createSession, defaultThreads, floatTensor, tensorData, validateThreads } from "../runtime/session";
import { INPUT_NAME, OUTPUT_NAME } from "./export";

export async function loadPredictor(onnx: Uint8Array, arch: Architecture, opts: { threads?: number } = {}): Promise<Predictor> {
  if (!(onnx instanceof Uint8Array) || onnx.length === 0) throw new Error("loadPredictor: onnx must be the non-empty bytes of an ONNX model");
  validateArchitecture(arch);
  const threads = validateThreads(opts.threads, "threads") ?? defaultThreads();
  let session: ort.InferenceSession;
  try {
    session = await createSession(onnx, threads, "all");
  } catch (err) {
    throw new Error(`loadPredictor: ONNX Runtime could not load the model: ${(err as Error).message.split("\n")[0]}`);
  }
  if (!session.inputNames.includes(INPUT_NAME) || !session.outputNames.includes(OUTPUT_NAME)) {
    await session.release();
    throw new Error(
      `loadPredictor: the model must have input "${INPUT_NAME}" and output "${OUTPUT_NAME}" (it has inputs ${session.inputNames.join(", ")} and outputs ${session.outputNames.join(", ")})`,
    );
  }
  return new OrtPredictor({ ...arch, imageShape: [...arch.imageShape] }, session);
}

class OrtPredictor implements Predictor {
  private queue: Promise<unknown> = Promise.resolve();
  private released = false;

  constructor(
    readonly arch: Architecture,
    private readonly session: ort.InferenceSession,
  ) {}

  predict(images: Float32Array, n: number): Promise<Float32Array> {
    if (this.released) throw new Error("predictor: already disposed");
    const [c, h, w] = this.arch.imageShape;
    if (!Number.isInteger(n) || n < 1) throw new Error(`predict: n must be a positive integer, got ${n}`);
    if (!(images instanceof Float32Array) || images.length !== n * c * h * w) {
      throw new Error(`predict: images must be a Float32Array of ${n * c * h * w} values (${n} images of ${c}x${h}x${w} pixels), got ${images?.length}`);
    }
    const run = async () => {
      const out = await this.session.run({ [INPUT_NAME]: floatTensor(images, [n, c, h, w]) });
      return tensorData(out[OUTPUT_NAME], OUTPUT_NAME);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.queue.catch(() => undefined);
    await this.session.release();
  }
}
