/**
 * Keras 3.0-3.7 `IoU` / `MeanIoU` emulated natively on TensorFlow.js (cpu or wasm backend).
 *
 * Keras before 3.8 keeps its confusion matrix in float32 (keras-team/keras#20574). Per batch it
 * scatters the float32 weights into a float32 `(C, C)` matrix, adding them one by one in element
 * order, so a cell of unit weights sticks at 2^24 = 16,777,216; then it adds that batch matrix to
 * a float32 running total. This module does the same with tfjs ops: `tf.bincount` with float32
 * weights (whose cpu and wasm kernels add sequentially in float32, as Keras' numpy and TF-CPU
 * scatters do) and a float32 `tf.add` for the running total; the indices are prepared on the host
 * in one pass (float32 labels, `ignore_class`, truncation, range check). `result()` follows Keras' float32
 * arithmetic (`den + 1e-7`, `num_valid + 1e-7`), summing left to right (bit-exact against Keras
 * for fewer than 8 target classes; with 8 or more, numpy and TF sum in another order and the last
 * ulp may differ).
 *
 * Scope: sparse labels (no one-hot / argmax inputs), default metric dtype, eager mode. Labels are
 * rounded to float32 and truncated toward zero like Keras. Out-of-range indices: `"error"` (as
 * Keras on TF eager: `InvalidArgumentError`, state unchanged) or `"drop"` (as XLA-compiled TF).
 * The webgpu tfjs backend is refused: its float32 bincount adds with atomics in no fixed order.
 *
 * @module
 */
import type { LabelArray } from "../core/labels.ts";
import { loadTfjs } from "./tfjs.ts";

type Tf = typeof import("@tensorflow/tfjs");
type Tensor = import("@tensorflow/tfjs").Tensor;
type Tensor1D = import("@tensorflow/tfjs").Tensor1D;

/** Options of {@link KerasTfjsIoU.create}. */
export interface KerasTfjsOptions {
  /** Number of classes (an integer >= 2). */
  numClasses: number;
  /** Class ids averaged (Keras `IoU(target_class_ids)`); default all classes (`MeanIoU`). */
  targetClassIds?: readonly number[];
  /** Keras `ignore_class` (a true label whose pixels are not counted); default none. */
  ignoreClass?: number | null;
  /** Keras version emulated, "3.0.0" to "3.7.x" (default "3.7.0"). 3.0-3.2 remove ignored pixels,
   * 3.3-3.7 give them weight 0 at cell (0, 0). */
  version?: string;
  /** tfjs backend (default "cpu"). */
  backend?: "cpu" | "wasm";
  /** Out-of-range class indices: "error" (TF eager, default) or "drop" (TF XLA). */
  outOfRange?: "error" | "drop";
}

const EPS = Math.fround(1e-7);
const VALID = Math.fround(1e-9);

/**
 * Keras 3.0-3.7 IoU metric state (a float32 total confusion matrix) kept in a tfjs tensor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KerasTfjsIoU } from "./keras_tfjs.ts";
 * // Keras docstring example: MeanIoU(num_classes=2), y_true [0,0,1,1], y_pred [0,1,0,1]
 * const m = await KerasTfjsIoU.create({ numClasses: 2 });
 * await m.updateState([0, 0, 1, 1], [0, 1, 0, 1]);
 * assert.equal(m.result(), Math.fround(1 / 3));
 * assert.deepEqual([...m.totalCm()], [1, 1, 1, 1]);
 * m.dispose();
 * ```
 */
export class KerasTfjsIoU {
  /** Number of classes. */
  readonly numClasses: number;
  /** Target class ids. */
  readonly targetClassIds: readonly number[];
  /** Ignored true label, or null. */
  readonly ignoreClass: number | null;
  /** Emulated Keras minor version (0..7). */
  readonly minor: number;
  /** Out-of-range handling. */
  readonly outOfRange: "error" | "drop";
  /** tfjs backend. */
  readonly backend: "cpu" | "wasm";
  #tf: Tf;
  #total: Tensor;

  private constructor(tf: Tf, options: Required<KerasTfjsOptions>, minor: number) {
    this.#tf = tf;
    this.numClasses = options.numClasses;
    this.targetClassIds = [...options.targetClassIds];
    this.ignoreClass = options.ignoreClass;
    this.minor = minor;
    this.outOfRange = options.outOfRange;
    this.backend = options.backend;
    this.#total = tf.zeros([options.numClasses * options.numClasses], "float32");
  }

  /** Loads tfjs on the chosen backend and returns a metric with a zero state. */
  static async create(options: KerasTfjsOptions): Promise<KerasTfjsIoU> {
    const C = options.numClasses;
    if (!Number.isInteger(C) || C < 2) {
      throw new RangeError(`Expected numClasses to be an integer >= 2, but found ${C}`);
    }
    const version = options.version ?? "3.7.0";
    const m = /^3\.(\d+)(\.\d+)?$/.exec(version);
    const minor = m === null ? -1 : Number(m[1]);
    if (minor < 0 || minor > 7) {
      throw new RangeError(
        `Expected version to be a Keras version from 3.0 to 3.7 (float32 confusion matrix), but found ${version}`,
      );
    }
    const ids = options.targetClassIds ?? Array.from({ length: C }, (_, k) => k);
    for (const k of ids) {
      if (!Number.isInteger(k) || k < 0 || k >= C) {
        throw new RangeError(
          `Expected targetClassIds to be integers in [0, ${C}), but found ${k}`,
        );
      }
    }
    const backend = options.backend ?? "cpu";
    if ((backend as string) === "webgpu") {
      throw new Error(
        "The Keras float32 emulation refuses the tfjs webgpu backend: its float32 bincount adds with atomics in no fixed order",
      );
    }
    if (backend !== "cpu" && backend !== "wasm") {
      throw new RangeError(`Expected backend "cpu" or "wasm", but found ${backend}`);
    }
    const outOfRange = options.outOfRange ?? "error";
    if (outOfRange !== "error" && outOfRange !== "drop") {
      throw new RangeError(`Expected outOfRange "error" or "drop", but found ${outOfRange}`);
    }
    const tf = await loadTfjs(backend);
    return new KerasTfjsIoU(
      tf,
      {
        numClasses: C,
        targetClassIds: ids,
        ignoreClass: options.ignoreClass ?? null,
        version,
        backend,
        outOfRange,
      },
      minor,
    );
  }

  /**
   * Keras `update_state(y_true, y_pred, sample_weight)` for flat sparse labels. `sampleWeight`
   * may be omitted (1), a number, a length-1 array, or one weight per pixel. On error (length
   * mismatch, non-finite label, out-of-range index under "error") the state is unchanged.
   */
  async updateState(
    yTrue: LabelArray,
    yPred: LabelArray,
    sampleWeight?: number | LabelArray,
  ): Promise<this> {
    const tf = await loadTfjs(this.backend);
    const n = yTrue.length, C = this.numClasses;
    if (yPred.length !== n) {
      throw new RangeError(
        `Expected yPred to have the length of yTrue (${n}), but found ${yPred.length}`,
      );
    }
    let w: Float32Array;
    if (sampleWeight === undefined || typeof sampleWeight === "number") {
      w = new Float32Array(n).fill(sampleWeight ?? 1);
    } else if (sampleWeight.length === 1) {
      w = new Float32Array(n).fill(sampleWeight[0]);
    } else if (sampleWeight.length === n) {
      w = Float32Array.from(sampleWeight);
    } else {
      throw new RangeError(
        `Expected sampleWeight to be a number or to have length 1 or ${n}, but found length ${sampleWeight.length}`,
      );
    }
    const yt32 = toFloat32(yTrue), yp32 = toFloat32(yPred);
    // Index preparation (one host pass, float32 semantics): ignore_class, trunc toward zero,
    // range check. The float32 counting itself and the running total run on tfjs below.
    const ig = this.ignoreClass === null ? null : Math.fround(this.ignoreClass);
    const remove = ig !== null && this.minor < 3;
    const idx = new Int32Array(n), wts = new Float32Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      let t = yt32[i], p = yp32[i], wi = w[i];
      if (!Number.isFinite(t) || !Number.isFinite(p)) {
        throw new RangeError(
          `Expected finite labels, but found yTrue[${i}] = ${yTrue[i]}, yPred[${i}] = ${yPred[i]}`,
        );
      }
      if (ig !== null && t === ig) {
        if (remove) continue; // Keras 3.0-3.2: boolean-mask removal
        // Keras 3.3-3.7: multiply by the float32 mask: (0, 0) with weight 0 * w (NaN * 0 = NaN)
        t = 0;
        p = 0;
        wi = wi * 0;
      }
      const a = Math.trunc(t), b = Math.trunc(p);
      if (a < 0 || a >= C || b < 0 || b >= C) {
        if (this.outOfRange === "error") {
          throw new RangeError(
            `InvalidArgumentError (as Keras on TensorFlow): indices[${m}] = [${a}, ${b}] does not index into shape [${C},${C}]`,
          );
        }
        continue; // "drop"
      }
      idx[m] = a * C + b;
      wts[m] = wi;
      m++;
    }
    const batch = tf.tidy(() =>
      tf.bincount(
        tf.tensor1d(idx.subarray(0, m), "int32"),
        tf.tensor1d(wts.subarray(0, m), "float32"),
        C * C,
      )
    );
    const next = tf.add(this.#total, batch);
    batch.dispose();
    this.#total.dispose();
    this.#total = next;
    return this;
  }

  /** The float32 total confusion matrix, row-major `C x C` (rows = true class); a copy. */
  totalCm(): Float32Array {
    return this.#total.dataSync() as Float32Array;
  }

  /** Keras `result()` in float32 (see the module doc for the summation order). */
  result(): number {
    return kerasFloat32Result(this.totalCm(), this.numClasses, this.targetClassIds);
  }

  /** Keras `reset_state()`: the total becomes zeros. */
  resetState(): void {
    this.#total.dispose();
    this.#total = this.#tf.zeros([this.numClasses * this.numClasses], "float32");
  }

  /** Frees the tfjs tensor. */
  dispose(): void {
    this.#total.dispose();
  }
}

/** Labels rounded to float32 (Keras converts them to the float32 metric dtype first). */
function toFloat32(a: LabelArray): Float32Array {
  if (a instanceof Float32Array) return a;
  const out = new Float32Array(a.length);
  out.set(a);
  return out;
}

/**
 * Keras 3.0-3.7 `result()` of a float32 total confusion matrix (row-major `C x C`), computed in
 * float32 with left-to-right sums.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kerasFloat32Result } from "./keras_tfjs.ts";
 * // a perfect single-class prediction gives 0.99999976 because of the epsilon
 * assert.equal(kerasFloat32Result(new Float32Array([1, 0, 0, 0]), 2, [0, 1]), Math.fround(0.99999976));
 * ```
 */
export function kerasFloat32Result(
  totalCm: ArrayLike<number>,
  numClasses: number,
  targetClassIds: readonly number[],
): number {
  const f = Math.fround, C = numClasses;
  if (totalCm.length !== C * C) {
    throw new RangeError(`Expected a total of length ${C * C}, but found ${totalCm.length}`);
  }
  let nv = 0, sum = 0;
  for (const k of targetClassIds) {
    let row = 0, col = 0;
    for (let j = 0; j < C; j++) row = f(row + totalCm[k * C + j]);
    for (let i = 0; i < C; i++) col = f(col + totalCm[i * C + k]);
    const tp = f(totalCm[k * C + k]);
    const den = f(f(col + row) - tp);
    nv = f(nv + (den > VALID ? 1 : 0));
    sum = f(sum + f(tp / f(den + EPS)));
  }
  return f(sum / f(nv + EPS));
}
