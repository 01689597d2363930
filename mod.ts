// Public API of the toolkit: re-exports only.
export * from "./lib/pair_table.ts";
export * from "./lib/backend_workers.ts";
export * from "./lib/backend_webgpu.ts";
export * from "./lib/backend_tfjs.ts";
export * from "./lib/compute_confusion_matrix.ts";
export * from "./lib/keras_tfjs.ts";
