/**
 * The training and inference engine: ResNets as generated ONNX graphs run by
 * onnxruntime-node. See README.md in this folder for the design.
 */
export { createTrainer } from "./runtime/trainer";
export { exportInferenceModel } from "./infer/export";
export { loadPredictor } from "./infer/predictor";
export { probeFastPath } from "./runtime/probe";
export * from "./api";
