/**
 * The Keras emulation as one namespace: `import { keras } from "../../mod.ts"`, then
 * `new keras.MeanIoU({ numClasses: 3, version: "3.7.0", backend: "jax", compiled: "xla" })`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as keras from "./mod.ts";
 * const m = new keras.MeanIoU({ numClasses: 2, version: "3.15.1" });
 * m.updateState([0, 1], [0, 1]);
 * assert.equal(m.result(), Math.fround(Math.fround(2 * Math.fround(1 / Math.fround(1 + 1e-7))) / 2));
 * ```
 *
 * @module
 */

export * from "./version.ts";
export * from "../float32/keras_sums.ts";
export * from "./tensor.ts";
export * from "./error.ts";
export * from "./iou_options.ts";
export * from "./iou_metrics.ts";
export * from "./metric_state.ts";
export * from "./explain.ts";
export * from "./compiled_risk.ts";
export * from "./audit.ts";
export * from "./risk.ts";
export * from "./saved_matrix.ts";
