/**
 * One entry for every way of counting a confusion matrix: the plain reference and the
 * accelerated backends (workers, tfjs cpu / wasm / webgpu, a WebGPU compute shader), all giving
 * the reference's exact counts and applying the same policies, or refusing with a clear error.
 *
 * @module
 */
import { ConfusionMatrix, type CountingOptions } from "../core/confusion_matrix.ts";
import { checkLabelArray, type LabelArray } from "../core/labels.ts";
import { foldPairTable, pairCoding, toIntegerLabels } from "./pair_table.ts";
import { WorkerPool } from "./workers.ts";
import { requestWebGpuAdapter, WebGpuCounter } from "./webgpu.ts";
import { tfjsBackendWorks, tfjsCountPairs, type TfjsMethod } from "./tfjs.ts";

/** A counting backend. */
export type ComputeBackend =
  | "plain"
  | "workers"
  | "tfjs-cpu"
  | "tfjs-wasm"
  | "tfjs-webgpu"
  | "webgpu";

/**
 * Every backend name, in order: the plain reference first, then the accelerated ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COMPUTE_BACKENDS, computeConfusionMatrix } from "./compute_confusion_matrix.ts";
 * assert.equal(COMPUTE_BACKENDS[0], "plain");
 * await assert.rejects(
 *   // deno-lint-ignore no-explicit-any
 *   computeConfusionMatrix([0, 1], [1, 1], { numClasses: 2, backend: "cuda" as any }),
 *   new RegExp(`one of ${COMPUTE_BACKENDS.join(", ")}, but found cuda`),
 * );
 * ```
 */
export const COMPUTE_BACKENDS: readonly ComputeBackend[] = [
  "plain",
  "workers",
  "tfjs-cpu",
  "tfjs-wasm",
  "tfjs-webgpu",
  "webgpu",
];

/** Options of {@link computeConfusionMatrix}. */
export interface ComputeOptions extends CountingOptions {
  /** Number of classes (an integer >= 2). */
  numClasses: number;
  /** Backend (default `"plain"`, the core's `ConfusionMatrix.update`). */
  backend?: ComputeBackend;
  /**
   * `"workers"`: number of Workers; the calling thread counts alongside them (default
   * `navigator.hardwareConcurrency - 1`, at least 1, so every core counts).
   */
  workers?: number;
  /** `"workers"`: an open pool to reuse (then `workers` is ignored and the pool stays open). */
  pool?: WorkerPool;
  /** `"webgpu"`: a counter to reuse (it stays open). */
  webgpu?: WebGpuCounter;
  /** tfjs backends: counting op (default `"matMul"` on tfjs-webgpu, `"bincount"` elsewhere). */
  tfjsMethod?: TfjsMethod;
  /** tfjs backends: pixels per tfjs call (default 2^22). */
  chunkPixels?: number;
}

/**
 * Counts the confusion matrix of `yTrue` against `yPred` (rows = true class) on the chosen
 * backend and returns the core's {@link ConfusionMatrix}, with exactly the counts that
 * `new ConfusionMatrix(numClasses, options).update(yTrue, yPred)` gives, including the
 * `ignoreIndex` and `outOfRange` policies, or throws that same error.
 *
 * The accelerated backends count label-code pairs on the device and fold them with the core's
 * policy code (see `lib/accel/pair_table.ts`). Inputs they cannot take as integers (float labels that
 * are not all int32 integers, ignored values outside int32, more than `MAX_ACCELERATED_CLASSES`
 * classes) and inputs that the policy rejects are handed to the plain path, which owns those
 * rules (so errors are the core's own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { computeConfusionMatrix } from "./compute_confusion_matrix.ts";
 * const yTrue = new Uint8Array([0, 0, 1, 1, 255]);
 * const yPred = new Uint8Array([0, 1, 1, 1, 0]);
 * const cm = await computeConfusionMatrix(yTrue, yPred, {
 *   numClasses: 2,
 *   ignoreIndex: 255,
 *   backend: "tfjs-cpu",
 * });
 * assert.deepEqual(cm.toArray(), [[1, 1], [0, 2]]);
 * ```
 */
export async function computeConfusionMatrix(
  yTrue: LabelArray,
  yPred: LabelArray,
  options: ComputeOptions,
): Promise<ConfusionMatrix> {
  const backend = options.backend ?? "plain";
  if (!COMPUTE_BACKENDS.includes(backend)) {
    throw new RangeError(
      `Expected backend to be one of ${COMPUTE_BACKENDS.join(", ")}, but found ${backend}`,
    );
  }
  const cm = new ConfusionMatrix(options.numClasses, {
    ignoreIndex: options.ignoreIndex,
    outOfRange: options.outOfRange,
  });
  checkLabelArray("yTrue", yTrue);
  checkLabelArray("yPred", yPred);
  const plain = () => cm.update(yTrue, yPred);
  if (backend === "plain" || yTrue.length !== yPred.length) return plain();
  const coding = pairCoding(cm.numClasses, cm.ignoreIndex);
  const t = toIntegerLabels(yTrue), p = toIntegerLabels(yPred);
  if (coding === null || t === null || p === null) return plain();
  let table: Float64Array;
  if (backend === "workers") {
    const pool = options.pool ?? new WorkerPool(options.workers);
    try {
      table = await pool.countPairs(t, p, coding);
    } finally {
      if (options.pool === undefined) pool.close();
    }
  } else if (backend === "webgpu") {
    const gpu = options.webgpu ?? await WebGpuCounter.create();
    if (gpu === null) {
      throw new Error('Expected a WebGPU adapter for backend "webgpu", but found none');
    }
    try {
      table = await gpu.countPairs(t, p, coding);
    } finally {
      if (options.webgpu === undefined) gpu.destroy();
    }
  } else {
    table = await tfjsCountPairs(t, p, coding, {
      backend: backend === "tfjs-cpu" ? "cpu" : backend === "tfjs-wasm" ? "wasm" : "webgpu",
      method: options.tfjsMethod,
      chunkPixels: options.chunkPixels,
    });
  }
  if (!foldPairTable(cm, table, coding)) plain();
  return cm;
}

/**
 * The backends that work in this runtime, in {@link COMPUTE_BACKENDS} order (tfjs wasm needs read
 * permission for its .wasm file; the WebGPU ones need an adapter, which may be a software one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { availableBackends } from "./compute_confusion_matrix.ts";
 * const backends = await availableBackends();
 * assert.ok(backends.includes("plain"));
 * ```
 */
export async function availableBackends(): Promise<ComputeBackend[]> {
  const out: ComputeBackend[] = ["plain"];
  if (typeof Worker !== "undefined" && typeof SharedArrayBuffer !== "undefined") {
    out.push("workers");
  }
  if (await tfjsBackendWorks("cpu")) out.push("tfjs-cpu");
  if (await tfjsBackendWorks("wasm")) out.push("tfjs-wasm");
  const adapter = await requestWebGpuAdapter();
  if (adapter !== null && await tfjsBackendWorks("webgpu")) out.push("tfjs-webgpu");
  if (adapter !== null) out.push("webgpu");
  return out;
}
