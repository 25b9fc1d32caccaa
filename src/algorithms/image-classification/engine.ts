/**
 * The numeric engine (src/nn), loaded when training or serving starts rather
 * than at import: input and hyperparameter errors are reported without paying
 * for (or depending on) ONNX Runtime.
 */
import type { EngineModule } from "../../nn/api";

export function loadEngine(): EngineModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("../../nn") as EngineModule;
}
