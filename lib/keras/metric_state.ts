/**
 * The state operations of the Keras IoU metrics across versions: `merge_state(metrics)`,
 * `reset_state()`, the `reset_states()` alias, `total_cm.assign(value)` and the Keras 3 idiom
 * `total_cm.assign(total_cm + other.total_cm)`, each in the arithmetic of the state dtype
 * (float32 sums round past 2^24, int32 sums wrap) and raising where Keras raises.
 *
 * - tf.keras 2.6-2.15: `Metric.merge_state` (base_metric.py) runs `weight.assign_add(other)` for
 *   each metric in turn, eagerly: a float32 `total_cm` rounds each merged cell, a metric of
 *   another dtype raises ValueError (the variable cannot be converted) and one of another
 *   `num_classes` raises InvalidArgumentError, after the metrics before it were merged.
 *   `reset_states()` is an alias of `reset_state()`.
 * - Keras 3: `Metric` has neither `merge_state` nor `reset_states`: AttributeError.
 *   `reset_state()` assigns zeros of the state's own dtype.
 *
 * The public faces are the methods of `IoU` (`mergeState`, `sumState`, `resetStates`,
 * `assignTotalCm`); the functions here work on a {@link KerasStateView} of a metric.
 *
 * @module
 */

import { f32, wrapInt32 } from "../float32/keras_sums.ts";
import { KerasError } from "./error.ts";
import type { KerasStateDtype } from "./iou_options.ts";
import type { KerasBackend, KerasProfile } from "./version.ts";

/** The mutable accumulated state of a metric: `total_cm` and the optional exact matrix. */
export interface KerasMetricState {
  /** `total_cm` as Keras holds it, row-major (rows: true class), values in the state dtype. */
  cm: Float64Array;
  /** The exact float64 matrix of the same data (with `trackExact`), else null. */
  exact: Float64Array | null;
  /** Whether the exact matrix has seen a weight other than 0 or 1. */
  trackedWeighted: boolean;
}

/** What the state operations need to know about one metric. */
export interface KerasStateView {
  /** The Keras class name (`MeanIoU`, `IoU`, ...), as Python's error messages print it. */
  readonly className: string;
  /** The emulated Keras version. */
  readonly profile: KerasProfile;
  /** The emulated backend. */
  readonly backend: KerasBackend;
  /** Number of classes C (`total_cm` is C x C). */
  readonly numClasses: number;
  /** The dtype of `total_cm`. */
  readonly stateDtype: KerasStateDtype;
  /** The behaviour mirrored, for {@link KerasError}. */
  readonly mirrors: string;
  /** The state, changed in place. */
  readonly state: KerasMetricState;
}

/**
 * `a[k] = a[k] + b[k]` for every cell, in the arithmetic of `dtype`: float32 rounds to nearest
 * even, int32 wraps, float64 and int64 are exact (int64 past 2^53 is refused with a RangeError
 * rather than rounded). Changes `a` in place.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addInStateDtype } from "./metric_state.ts";
 * const a = new Float64Array([2 ** 24, 2 ** 31 - 1]);
 * addInStateDtype("float32", a, [1, 0]);
 * assert.equal(a[0], 2 ** 24); // 16777217 is not a float32: it rounds to even
 * const b = new Float64Array([2 ** 31 - 1]);
 * addInStateDtype("int32", b, [1]);
 * assert.equal(b[0], -(2 ** 31)); // int32 wraps
 * ```
 */
export function addInStateDtype(
  dtype: KerasStateDtype,
  a: Float64Array,
  b: ArrayLike<number>,
): void {
  if (a.length !== b.length) {
    throw new RangeError(`Expected ${a.length} values to add, but found ${b.length}`);
  }
  const out = new Float64Array(a.length);
  for (let k = 0; k < a.length; k++) {
    const s = a[k] + b[k];
    switch (dtype) {
      case "float32":
        out[k] = f32(s);
        break;
      case "int32":
        out[k] = wrapInt32(s);
        break;
      case "int64":
        if (!Number.isSafeInteger(s)) {
          throw new RangeError(
            `Expected int64 sums up to 2^53 - 1, but found ${a[k]} + ${b[k]}: past 2^53 the ` +
              "emulation would round, so it stops instead",
          );
        }
        out[k] = s;
        break;
      default:
        out[k] = s;
    }
  }
  a.set(out); // all or nothing: a refused sum leaves the state as it was
}

function sameKeras(target: KerasStateView, other: KerasStateView, what: string): void {
  if (
    other.profile.version !== target.profile.version || other.backend !== target.backend
  ) {
    throw new RangeError(
      `Expected every metric given to ${what} to emulate version ${target.profile.version} on ` +
        `${target.backend}, but found ${other.profile.version} on ${other.backend}`,
    );
  }
}

function addExact(target: KerasMetricState, other: KerasMetricState): void {
  if (target.exact === null) return;
  if (other.exact === null || other.exact.length !== target.exact.length) {
    target.exact = null; // the merged exact matrix is unknown
    return;
  }
  for (let k = 0; k < target.exact.length; k++) target.exact[k] += other.exact[k];
  target.trackedWeighted ||= other.trackedWeighted;
}

/**
 * `target.merge_state(others)` as the emulated version runs it. tf.keras 2.x: each metric's
 * `total_cm` is added in turn with `assign_add` in the state dtype; a metric of another state
 * dtype raises ValueError, one of another `num_classes` InvalidArgumentError (TF 2.21's text),
 * the metrics before it staying merged. Keras 3 has no `merge_state`: AttributeError, state
 * unchanged. Metrics of another emulated version or backend are refused with a RangeError.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KerasError } from "./error.ts";
 * import { MeanIoU } from "./iou_metrics.ts";
 * const a = new MeanIoU({ numClasses: 2, version: "2.15" }).updateStateFromCounts([[2 ** 24, 0], [0, 1]]);
 * const b = new MeanIoU({ numClasses: 2, version: "2.15" }).updateStateFromCounts([[1, 0], [0, 1]]);
 * a.mergeState([b]); // mergeKerasStates on both metrics' views
 * assert.deepEqual(a.totalCm, [[2 ** 24, 0], [0, 2]]); // float32: 2^24 + 1 rounds to 2^24
 * const k3 = new MeanIoU({ numClasses: 2, version: "3.15.1" });
 * assert.throws(() => k3.mergeState([k3]), (e) => e instanceof KerasError && e.kerasErrorType === "AttributeError");
 * ```
 */
export function mergeKerasStates(
  target: KerasStateView,
  others: readonly KerasStateView[],
): void {
  if (target.profile.generation !== "tf.keras") {
    throw new KerasError(
      `AttributeError: '${target.className}' object has no attribute 'merge_state'`,
      target.mirrors,
    );
  }
  for (const o of others) sameKeras(target, o, "mergeState");
  for (const o of others) {
    if (o.stateDtype !== target.stateDtype) {
      throw new KerasError(
        `ValueError: Incompatible type conversion requested to type ${target.stateDtype} for ` +
          `\`tf.Variable of type ${o.stateDtype}.`,
        target.mirrors,
      );
    }
    if (o.numClasses !== target.numClasses) {
      const C = target.numClasses;
      const D = o.numClasses;
      throw new KerasError(
        `InvalidArgumentError: Cannot update variable with shape [${C},${C}] using a Tensor ` +
          `with shape [${D},${D}], shapes must be equal. [Op:AssignAddVariableOp]`,
        target.mirrors,
      );
    }
    const add = o.state.cm.slice(); // read before the add: merging a metric into itself doubles it
    addInStateDtype(target.stateDtype, target.state.cm, add);
    addExact(
      target.state,
      o === target ? { ...o.state, exact: o.state.exact?.slice() ?? null } : o.state,
    );
  }
}

/**
 * The Keras 3 way to merge (there is no `merge_state`): `total_cm.assign(total_cm +
 * other.total_cm)` for each metric in turn, in the state dtype (float32 rounds, int32 wraps, as
 * the backends add). Works for every version (in tf.keras it is what `merge_state` computes).
 * Metrics of another version, backend, state dtype or `num_classes` are refused with a
 * RangeError (the backends raise different errors there, or promote dtypes), state unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MeanIoU } from "./iou_metrics.ts";
 * const opts = { numClasses: 2, version: "3.15.1", backend: "jax", dtype: "float32" } as const;
 * const a = new MeanIoU(opts).updateStateFromCounts([[2 ** 24 - 1, 0], [0, 0]]);
 * const b = new MeanIoU(opts).updateStateFromCounts([[4, 0], [0, 0]]);
 * a.sumState([b]); // sumKerasStates on both metrics' views
 * assert.equal(a.totalCm[0][0], 2 ** 24 + 4); // 16777219 is no float32: it rounds to even, 16777220
 * ```
 */
export function sumKerasStates(target: KerasStateView, others: readonly KerasStateView[]): void {
  for (const o of others) {
    sameKeras(target, o, "sumState");
    if (o.stateDtype !== target.stateDtype || o.numClasses !== target.numClasses) {
      throw new RangeError(
        `Expected every metric given to sumState to hold a ${target.numClasses} x ${target.numClasses} ${target.stateDtype} total_cm, but found ${o.numClasses} x ${o.numClasses} ${o.stateDtype}`,
      );
    }
  }
  for (const o of others) {
    const add = o.state.cm.slice();
    addInStateDtype(target.stateDtype, target.state.cm, add);
    addExact(
      target.state,
      o === target ? { ...o.state, exact: o.state.exact?.slice() ?? null } : o.state,
    );
  }
}

/**
 * Checks that the version has `reset_states()`: tf.keras 2.x keeps it as an alias of
 * `reset_state()`; Keras 3 raises AttributeError.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MeanIoU } from "./iou_metrics.ts";
 * const k2 = new MeanIoU({ numClasses: 2, version: "2.15" }).updateStateFromCounts([[1, 0], [0, 1]]);
 * k2.resetStates(); // checkResetStatesAlias, then resetState
 * assert.deepEqual(k2.totalCm, [[0, 0], [0, 0]]);
 * const k3 = new MeanIoU({ numClasses: 2, version: "3.8.0" });
 * assert.throws(() => k3.resetStates(), /AttributeError: 'MeanIoU' object has no attribute 'reset_states'/);
 * ```
 */
export function checkResetStatesAlias(view: KerasStateView): void {
  if (view.profile.generation !== "tf.keras") {
    throw new KerasError(
      `AttributeError: '${view.className}' object has no attribute 'reset_states'`,
      view.mirrors,
    );
  }
}

/**
 * `total_cm.assign(value)`: the matrix cast to the state dtype (float32 rounds to nearest even;
 * integer states take integers only: int32 in [-2^31, 2^31), int64 up to 2^53 - 1). The exact
 * matrix, when tracked, is set to the value as given. A C x C nested array or C * C row-major
 * values; anything else is a RangeError, state unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MeanIoU } from "./iou_metrics.ts";
 * // keras iou_metrics_test.py test_big_chunk presets total_cm to counts near 1.87e7
 * const m = new MeanIoU({ numClasses: 2, version: "3.15.1", dtype: "float32" });
 * m.assignTotalCm([[18727297, 0], [0, 1]]); // assignKerasState on the metric's view
 * assert.equal(m.totalCm[0][0], 18727296); // odd counts past 2^24 round to even in float32
 * ```
 */
export function assignKerasState(
  view: KerasStateView,
  value: readonly (readonly number[])[] | ArrayLike<number>,
): void {
  const C = view.numClasses;
  const flat = new Float64Array(C * C);
  const rows = value as readonly (readonly number[])[];
  if (Array.isArray(value) && Array.isArray(rows[0])) {
    if (rows.length !== C || rows.some((r) => !Array.isArray(r) || r.length !== C)) {
      throw new RangeError(`Expected total_cm to be assigned a ${C} x ${C} matrix`);
    }
    rows.forEach((r, i) => r.forEach((v, j) => (flat[i * C + j] = v)));
  } else {
    const a = value as ArrayLike<number>;
    if (a.length !== C * C) {
      throw new RangeError(
        `Expected total_cm to be assigned ${C * C} values, but found ${a.length}`,
      );
    }
    for (let k = 0; k < a.length; k++) flat[k] = a[k];
  }
  const cast = new Float64Array(C * C);
  for (let k = 0; k < flat.length; k++) {
    const v = flat[k];
    switch (view.stateDtype) {
      case "float32":
        if (!Number.isFinite(v)) throw new RangeError(`Expected finite values, but found ${v}`);
        cast[k] = f32(v);
        break;
      case "float64":
        if (!Number.isFinite(v)) throw new RangeError(`Expected finite values, but found ${v}`);
        cast[k] = v;
        break;
      case "int32":
        if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
          throw new RangeError(`Expected int32 values for an int32 total_cm, but found ${v}`);
        }
        cast[k] = v;
        break;
      default:
        if (!Number.isSafeInteger(v)) {
          throw new RangeError(
            `Expected integers up to 2^53 - 1 for an int64 total_cm, but found ${v}`,
          );
        }
        cast[k] = v;
    }
  }
  view.state.cm.set(cast);
  if (view.state.exact !== null) {
    view.state.exact.set(flat);
    view.state.trackedWeighted = flat.some((v) => !Number.isInteger(v));
  }
}
