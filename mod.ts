/**
 * Exact segmentation metrics: integer confusion matrices and per-image counts, every common
 * definition of mean IoU side by side, and emulations of what Keras and other libraries report.
 *
 * This entry point is pure TypeScript and pulls in no npm package. Reading files is in
 * `@segmetrics/iou/io`, the accelerated backends in `@segmetrics/iou/accel`, tables and figures
 * in `@segmetrics/iou/plot`, the command line in `@segmetrics/iou/cli`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanIoU, SegmentationStats } from "./mod.ts";
 * const stats = new SegmentationStats(3);
 * stats.addImage([0, 0, 1, 2], [0, 1, 1, 2]);
 * assert.equal(meanIoU(stats.confusionMatrix), (1 / 2 + 1 / 2 + 1) / 3);
 * ```
 *
 * @module
 */

export * from "./lib/core/mod.ts";
export * from "./lib/float32/reduction_order.ts";
export * from "./lib/float32/torch_histc.ts";
export * from "./lib/metrics/mod.ts";
export * from "./lib/peers/mod.ts";
export * as keras from "./lib/keras/mod.ts";
// The audit's and the risk's public types name the backend; it is also `keras.KerasBackend`.
export type { KerasBackend } from "./lib/keras/version.ts";
export * from "./lib/keras/audit.ts";
export * from "./lib/keras/risk.ts";
export * from "./lib/keras/saved_matrix.ts";
export * from "./lib/io/demo_dataset.ts";
