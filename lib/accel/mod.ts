/**
 * The exact counts, faster: a pool of Workers, tfjs (cpu, wasm, webgpu) and a WebGPU compute
 * shader, each folding a raw pair table into the same {@linkcode ConfusionMatrix} as the plain
 * path, and Keras `MeanIoU` replayed with real tfjs ops.
 *
 * @module
 */

export type { ConfusionMatrix } from "../core/confusion_matrix.ts";
export * from "./pair_table.ts";
export * from "./workers.ts";
export * from "./webgpu.ts";
export * from "./tfjs.ts";
export * from "./compute_confusion_matrix.ts";
export * from "./keras_tfjs.ts";
export * from "./tfjs_callback.ts";
