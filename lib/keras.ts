/**
 * The Keras emulation as one namespace: `import { keras } from "../mod.ts"`, then
 * `new keras.MeanIoU({ numClasses: 3, version: "3.7.0", backend: "jax", compiled: "xla" })`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as keras from "./keras.ts";
 * const m = new keras.MeanIoU({ numClasses: 2, version: "3.15.1" });
 * m.updateState([0, 1], [0, 1]);
 * assert.equal(m.result(), Math.fround(Math.fround(2 * Math.fround(1 / Math.fround(1 + 1e-7))) / 2));
 * ```
 *
 * @module
 */

export * from "./keras_version.ts";
export * from "./keras_float32.ts";
export * from "./keras_tensor.ts";
export * from "./keras_error.ts";
export * from "./keras_iou_metrics.ts";
export * from "./keras_explain.ts";
export * from "./keras_compiled_risk.ts";
