/**
 * The update recipe of the Keras IoU metrics (`update_state`): labels cast as the version casts
 * them, weights converted to the state's dtype, ignored and out-of-range ids handled by the
 * version's rule (dropped, wrapped, masked or raised as Keras raises), and the per-batch matrix
 * added to `total_cm` in the state's arithmetic (float32 saturation, int32 wrap-around). Unit
 * weights take the exact integer counting kernel. The public classes are in `iou_metrics.ts`.
 *
 * @module
 */

import type { CountingPolicy } from "../core/labels.ts";
import { countingPolicy } from "../core/labels.ts";
import { countPairs } from "../core/pair_counts.ts";
import { addOnesF32, f32, FLOAT32_COUNT_LIMIT, wrapInt32 } from "../float32/keras_sums.ts";
import { KerasError } from "./error.ts";
import type { IoURecipe, LabelDtype } from "./iou_recipe.ts";
import { isFloatDtype, type KerasTensor } from "./tensor.ts";

/** The accumulated state of a metric: `total_cm` and the optional exact matrix. */
export interface IoUState {
  /** `total_cm` as Keras holds it, row-major (rows: true class), values in the state dtype. */
  cm: Float64Array;
  /** The exact float64 matrix of the same data (with `trackExact`), else null. */
  exact: Float64Array | null;
  /** Whether the exact matrix has seen a weight other than 0 or 1. */
  trackedWeighted: boolean;
  /** The counting policy of the fast path, made on first use. */
  policy: CountingPolicy | undefined;
}

const INT_MIN = -2147483648;

/**
 * Converts weights to the dtype of the per-batch confusion matrix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IoURecipe } from "./iou_recipe.ts";
 * import { convertWeights } from "./iou_update.ts";
 * import { parseKerasVersion } from "./version.ts";
 * const recipe: IoURecipe = {
 *   profile: parseKerasVersion("2.15"),
 *   backend: "tensorflow",
 *   compiled: false,
 *   numpyMajor: 2,
 *   numClasses: 2,
 *   targetClassIds: [0],
 *   stateDtype: "float32",
 *   ignoreClass: null,
 *   axis: -1,
 *   labelConv: "float32",
 *   rule: "tf-assert",
 *   order: "tf-8-lane",
 *   xlaKnown: false,
 *   resultF64: false,
 *   mirrors: () => "tf.keras 2.15 IoU on tensorflow (eager)",
 * };
 * const w = { data: [2.7, 0.1], shape: [2], dtype: "float64" as const, pythonScalar: false };
 * assert.deepEqual([...convertWeights(recipe, w)], [Math.fround(2.7), Math.fround(0.1)]);
 * const int32 = { ...recipe, stateDtype: "int32" as const };
 * assert.deepEqual([...convertWeights(int32, w)], [2, 0]); // truncated toward zero
 * ```
 */
export function convertWeights(r: IoURecipe, w: KerasTensor): Float64Array {
  const src = w.data;
  const out = new Float64Array(src.length);
  const jaxNarrow = r.backend === "jax" && !w.pythonScalar;
  const fromF64 = w.dtype === "float64" && jaxNarrow;
  const fromI64 = w.dtype === "int64" && jaxNarrow;
  switch (r.stateDtype) {
    case "float32":
      for (let i = 0; i < src.length; i++) out[i] = f32(src[i]);
      break;
    case "float64":
      for (let i = 0; i < src.length; i++) out[i] = r.backend === "jax" ? f32(src[i]) : src[i];
      break;
    case "int32":
    case "int64":
      for (let i = 0; i < src.length; i++) {
        let v = src[i];
        if (fromF64) v = f32(v);
        if (fromI64) v = wrapInt32(v);
        v = Number.isFinite(v) ? Math.trunc(v) : INT_MIN;
        out[i] = r.stateDtype === "int32" ? wrapInt32(v) : v;
      }
      break;
  }
  return out;
}

/**
 * Accumulates one batch of `n` pairs into `s` as the version does; throws a `KerasError` where
 * Keras raises, with the state unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IoURecipe } from "./iou_recipe.ts";
 * import { accumulate, type IoUState } from "./iou_update.ts";
 * import { toKerasTensor } from "./tensor.ts";
 * import { parseKerasVersion } from "./version.ts";
 * const recipe: IoURecipe = {
 *   profile: parseKerasVersion("2.15"),
 *   backend: "tensorflow",
 *   compiled: false,
 *   numpyMajor: 2,
 *   numClasses: 2,
 *   targetClassIds: [0],
 *   stateDtype: "float32",
 *   ignoreClass: null,
 *   axis: -1,
 *   labelConv: "float32",
 *   rule: "tf-assert",
 *   order: "tf-8-lane",
 *   xlaKnown: false,
 *   resultF64: false,
 *   mirrors: () => "tf.keras 2.15 IoU on tensorflow (eager)",
 * };
 * const state: IoUState = { cm: new Float64Array(4), exact: null, trackedWeighted: false, policy: undefined };
 * const yTrue = toKerasTensor([0, 0, 1, 1], "yTrue");
 * const yPred = toKerasTensor([0, 1, 1, 1], "yPred");
 * accumulate(recipe, state, yTrue, yPred, 4, null, false, null);
 * assert.deepEqual([...state.cm], [1, 1, 0, 2]);
 * // tf.keras eager asserts labels < numClasses, and the state stays as it was
 * const bad = toKerasTensor([0, 2], "yTrue");
 * assert.throws(() => accumulate(recipe, state, bad, toKerasTensor([0, 0], "yPred"), 2, null, false, null), /out of bound/);
 * assert.deepEqual([...state.cm], [1, 1, 0, 2]);
 * ```
 */
export function accumulate(
  r: IoURecipe,
  s: IoUState,
  yt: KerasTensor,
  yp: KerasTensor,
  n: number,
  weights: Float64Array | ArrayLike<number> | null,
  weightScalar: boolean,
  rawWeights: ArrayLike<number> | null,
): void {
  const C = r.numClasses;
  const p = r.profile;
  const conv = r.labelConv;
  const jax = r.backend === "jax";
  const tIsInt = !isFloatDtype(yt.dtype) && !(jax && yt.dtype === "int64");
  const pIsInt = !isFloatDtype(yp.dtype) && !(jax && yp.dtype === "int64");
  const convT = labelConverter(conv, yt.dtype, jax);
  const convP = labelConverter(conv, yp.dtype, jax);
  const td = yt.data;
  const pd = yp.data;
  const hasIgnore = r.ignoreClass !== null;
  const ignore = hasIgnore ? convT(r.ignoreClass as number) : NaN;
  const ignoreMode = p.ignoreMode;
  const rule = r.rule;
  const mask = p.masksOutOfRange;
  // unit weights: no weights, or all converted weights are exactly 1
  let unit = weights === null;
  if (!unit && weights !== null) {
    unit = true;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] !== 1) {
        unit = false;
        break;
      }
    }
  }
  const exact = s.exact;
  if (
    unit && isInt32Typed(td) && isInt32Typed(pd) && C >= 2 && C <= 65536 &&
    (!hasIgnore || Number.isInteger(r.ignoreClass))
  ) {
    // Fast path: exact integer counts of the kept pairs (the core counting kernel). With unit
    // weights every Keras variant is a function of these per-batch counts, and integer labels
    // that fit int32 need no conversion. Where Keras drops out-of-range ids the kernel drops
    // them; otherwise it raises on any, and the loop below redoes the batch with the
    // version's rule (wrap, or raise as Keras does).
    const raising = rule !== "drop" && rule !== "mask";
    s.policy ??= countingPolicy(C, {
      ignoreIndex: hasIgnore ? [r.ignoreClass as number] : [],
      outOfRange: raising ? "error" : "drop",
    });
    let fast: Float64Array | null = null;
    try {
      fast = countPairs(s.policy, td, pd).counts;
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      // an out-of-range id: the loop below finds the first one and raises as Keras does
    }
    if (fast !== null) {
      commitCounts(r, s, fast);
      if (exact !== null) { for (let k = 0; k < exact.length; k++) exact[k] += fast[k]; }
      return;
    }
  }
  const exactBatch = exact === null ? null : new Float64Array(C * C);
  const ignoreExact = hasIgnore ? Math.trunc(r.ignoreClass as number) : NaN;
  const counts = new Float64Array(C * C);
  // weighted path: updates applied in element order, in the state's arithmetic, onto a batch
  // matrix (eager) or onto a copy of the running total (compiled float: XLA folds
  // total + scatter(zeros, idx, w) into one scatter-add onto the total)
  const state = r.stateDtype;
  const direct = !unit && r.compiled && (state === "float32" || state === "float64");
  const acc = unit ? counts : direct ? s.cm.slice() : new Float64Array(C * C);
  const sKind = state === "float32" ? 0 : state === "int32" ? 1 : 2;
  let kept = 0; // position after removal (tf.keras / Keras 3.0-3.2 ignore_class)
  const wScalar = weightScalar;
  const w0 = weights !== null && weights.length > 0 ? weights[0] : 1;
  for (let i = 0; i < n; i++) {
    const rt = td[i];
    const rp = pd[i];
    let t = tIsInt ? rt : convT(rt);
    let q = pIsInt ? rp : convP(rp);
    let wi = unit ? 1 : wScalar ? w0 : (weights as ArrayLike<number>)[i];
    if (exactBatch !== null) {
      const a = Math.trunc(rt);
      const b = Math.trunc(rp);
      if (
        a >= 0 && a < C && b >= 0 && b < C && !(hasIgnore && a === ignoreExact)
      ) {
        const rw = rawWeights === null ? 1 : rawWeights[rawWeights.length === 1 ? 0 : i];
        exactBatch[a * C + b] += rw;
      }
    }
    if (hasIgnore && t === ignore) {
      if (ignoreMode === "remove") continue;
      if (ignoreMode === "multiply") {
        // y_true * 0, y_pred * 0, w * 0: the pixel becomes (0, 0) with weight 0 (NaN stays NaN)
        if (unit) {
          kept++;
          continue;
        }
        q = Number.isFinite(q) ? 0 : NaN;
        t = 0;
        wi = wi * 0;
        if (wi === 0 && q === 0) {
          kept++;
          continue;
        }
      }
    }
    if (mask) {
      if (!(t >= 0 && t < C && q >= 0 && q < C) || (hasIgnore && t === ignore)) {
        kept++;
        continue; // where(valid, ., 0): weight 0 on cell (0, 0)
      }
    }
    let a = tIsInt ? t : Math.trunc(t);
    let b = pIsInt ? q : Math.trunc(q);
    if (!(a >= 0 && a < C && b >= 0 && b < C)) {
      switch (rule) {
        case "drop":
          kept++;
          continue;
        case "wrap-drop":
          if (a < 0) a += C;
          if (b < 0) b += C;
          if (!(a >= 0 && a < C && b >= 0 && b < C)) {
            kept++;
            continue;
          }
          break;
        case "wrap-error":
          if (a < 0 && a >= -C) a += C;
          if (b < 0 && b >= -C) b += C;
          if (!(a >= 0 && a < C && b >= 0 && b < C)) throwIndex(r, a, b, t, q, kept);
          break;
        default:
          throwIndex(r, a, b, t, q, kept);
      }
    }
    kept++;
    const cell = a * C + b;
    if (unit) counts[cell]++;
    else if (sKind === 0) acc[cell] = f32(acc[cell] + wi);
    else if (sKind === 1) acc[cell] = wrapInt32(acc[cell] + wi);
    else acc[cell] += wi;
  }
  // commit (nothing above wrote the state)
  const cm = s.cm;
  if (unit) commitCounts(r, s, counts);
  else if (direct) cm.set(acc);
  else {
    for (let k = 0; k < acc.length; k++) {
      if (sKind === 0) cm[k] = f32(cm[k] + acc[k]);
      else if (sKind === 1) cm[k] = wrapInt32(cm[k] + acc[k]);
      else cm[k] = cm[k] + acc[k];
    }
  }
  if (exact !== null && exactBatch !== null) {
    for (let k = 0; k < exact.length; k++) exact[k] += exactBatch[k];
    if (rawWeights !== null) {
      for (let i = 0; i < rawWeights.length; i++) {
        if (rawWeights[i] !== 0 && rawWeights[i] !== 1) s.trackedWeighted = true;
      }
    }
  }
}

/**
 * Adds per-batch counts of unit-weight pairs to the state, as each Keras variant does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IoURecipe } from "./iou_recipe.ts";
 * import { commitCounts, type IoUState } from "./iou_update.ts";
 * import { parseKerasVersion } from "./version.ts";
 * const recipe: IoURecipe = {
 *   profile: parseKerasVersion("2.15"),
 *   backend: "tensorflow",
 *   compiled: false,
 *   numpyMajor: 2,
 *   numClasses: 2,
 *   targetClassIds: [0],
 *   stateDtype: "float32",
 *   ignoreClass: null,
 *   axis: -1,
 *   labelConv: "float32",
 *   rule: "tf-assert",
 *   order: "tf-8-lane",
 *   xlaKnown: false,
 *   resultF64: false,
 *   mirrors: () => "tf.keras 2.15 IoU on tensorflow (eager)",
 * };
 * const state: IoUState = { cm: new Float64Array(4), exact: null, trackedWeighted: false, policy: undefined };
 * // a float32 batch cell holds at most 2^24 (keras-team/keras#20574)
 * commitCounts(recipe, state, [2 ** 24 + 5, 0, 0, 3]);
 * assert.deepEqual([...state.cm], [2 ** 24, 0, 0, 3]);
 * ```
 */
export function commitCounts(r: IoURecipe, s: IoUState, counts: ArrayLike<number>): void {
  const cm = s.cm;
  const state = r.stateDtype;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k];
    if (c === 0) continue;
    switch (state) {
      case "float32":
        // eager: the batch cell is min(count, 2^24), then added to the total in float32;
        // compiled (XLA): every +1 goes straight onto the running total
        cm[k] = r.compiled ? addOnesF32(cm[k], c) : f32(cm[k] + Math.min(c, FLOAT32_COUNT_LIMIT));
        break;
      case "int32":
        cm[k] = wrapInt32(cm[k] + wrapInt32(c));
        break;
      default:
        cm[k] = cm[k] + c;
    }
  }
}

/**
 * Raises the error the version raises for the out-of-range pair (a, b) at position `pos`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IoURecipe } from "./iou_recipe.ts";
 * import { throwIndex } from "./iou_update.ts";
 * import { parseKerasVersion } from "./version.ts";
 * const recipe: IoURecipe = {
 *   profile: parseKerasVersion("2.15"),
 *   backend: "tensorflow",
 *   compiled: false,
 *   numpyMajor: 2,
 *   numClasses: 2,
 *   targetClassIds: [0],
 *   stateDtype: "float32",
 *   ignoreClass: null,
 *   axis: -1,
 *   labelConv: "float32",
 *   rule: "tf-assert",
 *   order: "tf-8-lane",
 *   xlaKnown: false,
 *   resultF64: false,
 *   mirrors: () => "tf.keras 2.15 IoU on tensorflow (eager)",
 * };
 * const numpy = { ...recipe, profile: parseKerasVersion("3.7.0"), backend: "numpy" as const };
 * assert.throws(
 *   () => throwIndex({ ...numpy, rule: "wrap-error" }, 0, 5, 0, 5, 3),
 *   /IndexError: index 5 is out of bounds for axis 1 with size 2/,
 * );
 * ```
 */
export function throwIndex(
  r: IoURecipe,
  a: number,
  b: number,
  t: number,
  q: number,
  pos: number,
): never {
  const C = r.numClasses;
  const fmt = (x: number): string => (Number.isFinite(x) ? String(x) : String(x));
  switch (r.rule) {
    case "tf-assert": {
      const msg = !(t >= 0 || Math.trunc(t) >= 0)
        ? "`labels` contains negative values"
        : !(q >= 0 || Math.trunc(q) >= 0)
        ? "`predictions` contains negative values"
        : !(a < C)
        ? "`labels` out of bound"
        : "`predictions` out of bound";
      throw new KerasError(
        `InvalidArgumentError: ${msg} (Condition x < y or x >= 0 did not hold)`,
        r.mirrors(),
      );
    }
    case "tf-scatter-error":
      throw new KerasError(
        `InvalidArgumentError: indices[${pos}] = [${fmt(a)}, ${
          fmt(b)
        }] does not index into shape [${C},${C}] [Op:ScatterNd]`,
        r.mirrors(),
      );
    default: {
      const axis = !(a >= 0 && a < C) ? 0 : 1;
      const bad = axis === 0 ? a : b;
      const word = r.backend === "torch" ? "dimension" : "axis";
      throw new KerasError(
        `IndexError: index ${fmt(bad)} is out of bounds for ${word} ${axis} with size ${C}`,
        r.mirrors(),
      );
    }
  }
}

/**
 * Whether labels of this array need no conversion to int32.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isInt32Typed } from "./iou_update.ts";
 * assert.equal(isInt32Typed(new Uint8Array(1)), true);
 * assert.equal(isInt32Typed(new Uint32Array(1)), false); // 2^32 - 1 does not fit int32
 * assert.equal(isInt32Typed([1, 2]), false);
 * ```
 */
export function isInt32Typed(x: ArrayLike<number>): x is Uint8Array | Uint16Array | Int32Array {
  return x instanceof Uint8Array || x instanceof Uint16Array || x instanceof Int32Array;
}

/**
 * The cast a version applies to labels of `dtype` (JAX narrows 64-bit inputs to 32 bits).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { labelConverter } from "./iou_update.ts";
 * const int32 = labelConverter("int32", "float64", false);
 * assert.equal(int32(2.7), 2);
 * assert.equal(int32(-1.5), -1);
 * assert.equal(int32(NaN), -(2 ** 31));
 * assert.equal(labelConverter("int32", "float64", true)(NaN), 0); // JAX casts NaN to 0
 * assert.equal(labelConverter("float32", "float64", false)(0.1), Math.fround(0.1));
 * ```
 */
export function labelConverter(
  conv: LabelDtype,
  dtype: string,
  jax: boolean,
): (v: number) => number {
  switch (conv) {
    case "float32":
      return f32;
    case "float64":
      return jax ? f32 : (v) => v;
    default: {
      const narrowF = jax && dtype === "float64";
      const narrowI = jax && dtype === "int64";
      const int32 = conv === "int32";
      return (v: number): number => {
        if (narrowF) v = f32(v);
        if (narrowI) v = wrapInt32(v);
        if (!Number.isFinite(v)) return jax ? 0 : INT_MIN;
        v = Math.trunc(v);
        return int32 ? wrapInt32(v) : v;
      };
    }
  }
}
