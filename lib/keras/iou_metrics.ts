/**
 * Bit-exact emulation of the Keras IoU metric family (`IoU`, `MeanIoU`, `BinaryIoU`, `OneHotIoU`,
 * `OneHotMeanIoU`) by Keras version, backend and compiled mode.
 *
 * The recipes are those of docs/keras.md, checked against real
 * Keras 3.7.0, 3.8.0 and 3.15.1 runs on numpy, TensorFlow and JAX, eager and compiled
 * (`deno task golden`). The torch backend has no real-Keras reference here: it is emulated from the
 * same recipes (int32 state like JAX, sequential scatter, negative ids wrap and ids >= numClasses raise
 * before 3.15).
 *
 * This file holds the public classes (options checks, inputs, warnings); the options are in
 * `iou_options.ts`, the update recipe (`update_state`) in `iou_update.ts`, and what each version
 * resolves (dtypes, out-of-range rule, summation order, caveats) with the `result()` recipe in
 * `iou_recipe.ts`.
 *
 * @module
 */

import { f32 } from "../float32/keras_sums.ts";
import { KerasError } from "./error.ts";
import type {
  BinaryIoUOptions,
  IoUOptions,
  KerasStateDtype,
  MeanIoUOptions,
  OneHotIoUOptions,
  OneHotMeanIoUOptions,
} from "./iou_options.ts";
import {
  emulationCaveats,
  type IoURecipe,
  kerasIoUResult,
  outOfRangeRule,
  resolveDtypes,
  summationOrder,
  xlaLoopsKnown,
} from "./iou_recipe.ts";
import { accumulate, commitCounts, convertWeights, type IoUState } from "./iou_update.ts";
import {
  assignKerasState,
  checkResetStatesAlias,
  type KerasStateView,
  mergeKerasStates,
  sumKerasStates,
} from "./metric_state.ts";
import {
  argmaxTensor,
  isFloatDtype,
  type KerasInput,
  type KerasTensor,
  toKerasTensor,
} from "./tensor.ts";
import {
  type KerasBackend,
  type KerasProfile,
  NEWEST_KERAS_VERSION,
  parseKerasBackend,
  parseKerasVersion,
} from "./version.ts";

export type {
  BinaryIoUOptions,
  IoUOptions,
  KerasCompiled,
  KerasEmulationOptions,
  KerasStateDtype,
  MeanIoUOptions,
  OneHotIoUOptions,
  OneHotMeanIoUOptions,
} from "./iou_options.ts";

const DEFAULT_NAMES: Record<string, string> = {
  IoU: "iou",
  MeanIoU: "mean_iou",
  BinaryIoU: "binary_iou",
  OneHotIoU: "one_hot_iou",
  OneHotMeanIoU: "one_hot_mean_iou",
};

function normaliseCompiled(c: IoUOptions["compiled"]): boolean {
  if (c === undefined || c === null || c === false) return false;
  if (c === "xla" || c === "jit" || c === "jax.jit" || c === "tf.function(jit_compile=True)") {
    return true;
  }
  throw new RangeError(
    `Expected compiled to be "xla" (or false for eager), but found ${JSON.stringify(c)}`,
  );
}

/**
 * Keras's `IoU` metric: IoU of the `targetClassIds` classes from an accumulated confusion
 * matrix, exactly as the chosen Keras version, backend and mode compute it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IoU } from "./iou_metrics.ts";
 * // Keras docstring: IoU(num_classes=2, target_class_ids=[0])
 * const m = new IoU({ numClasses: 2, targetClassIds: [0], version: "3.7.0" });
 * m.updateState([0, 0, 1, 1], [0, 1, 0, 1]);
 * assert.equal(m.result(), Math.fround(0.3333333));  // 0x3eaaaaaa: epsilon costs an ulp
 * const k2 = new IoU({ numClasses: 2, targetClassIds: [0], version: "2.15" });
 * k2.updateState([0, 0, 1, 1], [0, 1, 0, 1]);
 * assert.equal(k2.result(), Math.fround(1 / 3));  // tf.keras has no epsilon
 * ```
 */
export class IoU {
  /** The emulated Keras version's behaviour profile. */
  readonly profile: KerasProfile;
  /** The emulated backend. */
  readonly backend: KerasBackend;
  /** Whether the update is emulated as compiled by XLA. */
  readonly compiled: boolean;
  /** NumPy major version (numpy backend only). */
  readonly numpyMajor: number;
  /** Number of classes C (the matrix is C x C). */
  readonly numClasses: number;
  /** Classes whose IoU is averaged (Keras `target_class_ids`). */
  readonly targetClassIds: readonly number[];
  /** Metric name. */
  readonly name: string;
  /** The metric dtype as Keras reports it after resolution (e.g. "int64" on TensorFlow 3.8+). */
  readonly dtype: string;
  /** The dtype of `total_cm`. */
  readonly stateDtype: KerasStateDtype;
  /** The ignored true label (`ignore_class`), or null. */
  readonly ignoreClass: number | null;
  /** Whether y_true holds class ids (else argmax over `axis`). */
  readonly sparseYTrue: boolean;
  /** Whether y_pred holds class ids (else argmax over `axis`). */
  readonly sparseYPred: boolean;
  /** The class axis for argmax. */
  readonly axis: number;
  /** Warnings Keras issued (e.g. float weights truncated by an int metric dtype), oldest first. */
  readonly warnings: string[] = [];
  /** Where this emulation is not pinned down by real-Keras runs (e.g. >= 8 target ids compiled). */
  readonly caveats: string[] = [];

  #className: string;
  #recipe: IoURecipe;
  #state: IoUState;

  /** Builds the metric; throws a `KerasError` where Keras raises (e.g. a target id >= numClasses) and a RangeError for options that are not emulated. */
  constructor(options: IoUOptions) {
    const className = new.target?.name && DEFAULT_NAMES[new.target.name] ? new.target.name : "IoU";
    this.#className = className;
    const o = options ?? ({} as IoUOptions);
    this.profile = parseKerasVersion(o.version ?? NEWEST_KERAS_VERSION);
    const p = this.profile;
    this.backend = parseKerasBackend(o.backend ?? "tensorflow");
    this.compiled = normaliseCompiled(o.compiled);
    const nv = String(o.numpyVersion ?? "2");
    const nm = /^(\d+)/.exec(nv);
    if (!nm) {
      throw new RangeError(`Expected numpyVersion like "1.24.2" or "2.4.6", but found ${nv}`);
    }
    this.numpyMajor = Number(nm[1]);
    if (p.generation === "tf.keras" && this.backend !== "tensorflow") {
      throw new RangeError(
        `Expected backend "tensorflow" for tf.keras ${p.version}, but found "${this.backend}"`,
      );
    }
    if (this.compiled && (this.backend === "numpy" || this.backend === "torch")) {
      throw new RangeError(
        `Expected compiled to be false on the ${this.backend} backend: Keras does not compile ` +
          `metric updates there (XLA compilation is emulated for "tensorflow" and "jax")`,
      );
    }
    if (!Number.isInteger(o.numClasses) || o.numClasses < 1) {
      throw new RangeError(
        `Expected numClasses to be an integer >= 1, but found ${o.numClasses}`,
      );
    }
    this.numClasses = o.numClasses;
    const ids = Array.from(o.targetClassIds ?? []);
    if (ids.length === 0) {
      throw new RangeError(
        "Expected targetClassIds to hold at least one class id, but found none " +
          "(Keras raises ValueError: max() arg is an empty sequence)",
      );
    }
    for (const id of ids) {
      if (!Number.isInteger(id) || id < -this.numClasses) {
        throw new RangeError(
          `Expected targetClassIds to be integers in [-numClasses, numClasses), but found ${id}`,
        );
      }
    }
    const maxId = Math.max(...ids);
    if (maxId >= this.numClasses) {
      throw new KerasError(
        `ValueError: Target class id ${maxId} is out of range, which is [0, ${this.numClasses}).`,
        this.#mirrors(),
      );
    }
    this.targetClassIds = ids.map((id) => (id < 0 ? id + this.numClasses : id));
    this.name = o.name ?? DEFAULT_NAMES[className];
    this.ignoreClass = o.ignoreClass ?? null;
    if (this.ignoreClass !== null && !Number.isFinite(this.ignoreClass)) {
      throw new RangeError(
        `Expected ignoreClass to be a number or null, but found ${o.ignoreClass}`,
      );
    }
    this.sparseYTrue = o.sparseYTrue ?? true;
    this.sparseYPred = o.sparseYPred ?? true;
    this.axis = o.axis ?? -1;
    if (!Number.isInteger(this.axis)) {
      throw new RangeError(`Expected axis to be an integer, but found ${o.axis}`);
    }
    this.#checkVersionSupportsOptions(className, o);
    const d = resolveDtypes(p, this.backend, o.dtype);
    this.dtype = d.metricDtype;
    this.stateDtype = d.state;
    this.#recipe = {
      profile: p,
      backend: this.backend,
      compiled: this.compiled,
      numpyMajor: this.numpyMajor,
      numClasses: this.numClasses,
      targetClassIds: this.targetClassIds,
      stateDtype: this.stateDtype,
      ignoreClass: this.ignoreClass,
      axis: this.axis,
      labelConv: d.labels,
      rule: outOfRangeRule(p, this.backend, this.compiled),
      order: summationOrder(p, this.backend, this.compiled, this.stateDtype),
      xlaKnown: xlaLoopsKnown(p),
      resultF64: d.resultF64,
      mirrors: () => this.#mirrors(),
    };
    this.caveats.push(...emulationCaveats(this.#recipe));
    this.#state = {
      cm: new Float64Array(this.numClasses * this.numClasses),
      exact: o.trackExact ? new Float64Array(this.numClasses * this.numClasses) : null,
      trackedWeighted: false,
      policy: undefined,
    };
  }

  #mirrors(): string {
    const p = this.profile;
    const lib = p.generation === "tf.keras" ? "tf.keras" : "Keras";
    return `${lib} ${p.version} ${this.#className} on ${this.backend ?? "tensorflow"}${
      this.compiled ? " (compiled)" : " (eager)"
    }`;
  }

  #checkVersionSupportsOptions(className: string, o: IoUOptions): void {
    const p = this.profile;
    if (!p.hasIoUFamily && className !== "MeanIoU") {
      throw new KerasError(
        `AttributeError: module 'keras.metrics' has no attribute '${className}' (added in tf.keras 2.8)`,
        this.#mirrors(),
      );
    }
    if (!p.hasSparseOptions) {
      const given = (["ignoreClass", "sparseYTrue", "sparseYPred", "axis"] as const).filter(
        (k) => o[k] !== undefined && o[k] !== null,
      );
      const oneHot = className.startsWith("OneHot");
      const allowed = given.filter((k) =>
        !(oneHot && ((k === "sparseYTrue" && o[k] === false) ||
          (k === "sparseYPred" && o[k] === false)))
      );
      if (allowed.length > 0) {
        throw new KerasError(
          `TypeError: __init__() got an unexpected keyword argument '${
            allowed[0].replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())
          }' (ignore_class, sparse_y_true, sparse_y_pred and axis arrived in tf.keras 2.10)`,
          this.#mirrors(),
        );
      }
    }
  }

  /** The accumulated confusion matrix as Keras holds it (rows: true class). */
  get totalCm(): number[][] {
    const c = this.numClasses;
    const out: number[][] = [];
    for (let i = 0; i < c; i++) out.push(Array.from(this.#state.cm.subarray(i * c, (i + 1) * c)));
    return out;
  }

  /**
   * The exact float64 confusion matrix of the same data (only with `trackExact: true`, else
   * null): ignored and out-of-range pixels dropped, weights as given.
   */
  get exactCm(): number[][] | null {
    const e = this.#state.exact;
    if (e === null) return null;
    const c = this.numClasses;
    const out: number[][] = [];
    for (let i = 0; i < c; i++) out.push(Array.from(e.subarray(i * c, (i + 1) * c)));
    return out;
  }

  /** Whether the exact matrix has seen a weight other than 0 or 1 (see {@link IoU.exactCm}). */
  get exactWeighted(): boolean {
    return this.#state.trackedWeighted;
  }

  /**
   * Accumulates one batch given as its exact pair counts instead of pixels: `counts[t][p]` (or
   * row-major) = number of pixels of true class t predicted as p, unit weights, ids in range and
   * ignored pixels already left out. With unit weights every Keras variant is a function of these
   * per-batch counts, so this equals `updateState` on any batch with these counts (and is how
   * long validation runs are simulated without making the pixels).
   */
  updateStateFromCounts(counts: readonly (readonly number[])[] | ArrayLike<number>): this {
    const C = this.numClasses;
    const flat = new Float64Array(C * C);
    const rows = counts as readonly (readonly number[])[];
    if (Array.isArray(counts) && Array.isArray(rows[0])) {
      if (rows.length !== C || rows.some((r) => r.length !== C)) {
        throw new RangeError(`Expected counts to be a ${C} x ${C} matrix`);
      }
      rows.forEach((r, i) => r.forEach((v, j) => (flat[i * C + j] = v)));
    } else {
      const a = counts as ArrayLike<number>;
      if (a.length !== C * C) {
        throw new RangeError(`Expected counts to hold ${C * C} values, but found ${a.length}`);
      }
      for (let k = 0; k < a.length; k++) flat[k] = a[k];
    }
    for (let k = 0; k < flat.length; k++) {
      if (!Number.isInteger(flat[k]) || flat[k] < 0 || flat[k] > Number.MAX_SAFE_INTEGER) {
        throw new RangeError(`Expected counts to be integers >= 0, but found ${flat[k]}`);
      }
    }
    commitCounts(this.#recipe, this.#state, flat);
    if (this.#state.exact !== null) {
      for (let k = 0; k < flat.length; k++) this.#state.exact[k] += flat[k];
    }
    return this;
  }

  /** Sets the state to zeros (`reset_state`). Warnings and caveats are kept. */
  resetState(): void {
    this.#state.cm.fill(0);
    this.#state.exact?.fill(0);
    this.#state.trackedWeighted = false;
  }

  /** `reset_states()`: tf.keras 2.x's alias of `resetState`; Keras 3 raises AttributeError. */
  resetStates(): void {
    checkResetStatesAlias(this.#view());
    this.resetState();
  }

  /**
   * `merge_state(metrics)` as the version runs it (docs/keras.md, merge_state): tf.keras 2.x adds
   * each `total_cm` with `assign_add` in the state dtype (float32 rounds) and raises on another
   * dtype or `num_classes`; Keras 3 has no `merge_state` (KerasError AttributeError).
   */
  mergeState(metrics: Iterable<IoU>): this {
    mergeKerasStates(this.#view(), Array.from(metrics, (m) => IoU.#viewOf(m)));
    return this;
  }

  /**
   * The Keras 3 idiom `total_cm.assign(total_cm + other.total_cm)` for each metric, in the state
   * dtype (float32 rounds, int32 wraps); any version. Another version, backend, dtype or
   * `numClasses` is a RangeError.
   */
  sumState(metrics: Iterable<IoU>): this {
    sumKerasStates(this.#view(), Array.from(metrics, (m) => IoU.#viewOf(m)));
    return this;
  }

  /** `total_cm.assign(value)`: a C x C matrix cast to the state dtype (float32 rounds). */
  assignTotalCm(value: readonly (readonly number[])[] | ArrayLike<number>): this {
    assignKerasState(this.#view(), value);
    return this;
  }

  static #viewOf(m: IoU): KerasStateView {
    if (!(m instanceof IoU)) {
      throw new TypeError(`Expected Keras IoU metrics to merge, but found ${String(m)}`);
    }
    return m.#view();
  }

  #view(): KerasStateView {
    return {
      className: this.#className,
      profile: this.profile,
      backend: this.backend,
      numClasses: this.numClasses,
      stateDtype: this.stateDtype,
      mirrors: this.#mirrors(),
      state: this.#state,
    };
  }

  /**
   * Hook for {@link BinaryIoU}: turns y_true / y_pred into what the base update sees.
   * @internal
   */
  protected prepare(
    yTrue: KerasTensor,
    yPred: KerasTensor,
  ): { yTrue: KerasTensor; yPred: KerasTensor } {
    return { yTrue, yPred };
  }

  /**
   * Accumulates one batch (`update_state`). Inputs: nested arrays, typed arrays or
   * `{ data, shape, dtype? }`; `sampleWeight` may be a number (a Python scalar), a
   * length-1 array or one weight per pixel. Throws a {@link KerasError} where Keras raises, with
   * the state unchanged.
   */
  updateState(yTrue: KerasInput, yPred: KerasInput, sampleWeight?: KerasInput | null): this {
    let yt = toKerasTensor(yTrue, "yTrue");
    let yp = toKerasTensor(yPred, "yPred");
    const w = sampleWeight === undefined || sampleWeight === null
      ? null
      : toKerasTensor(sampleWeight, "sampleWeight");
    const p = this.profile;
    if (this.backend === "jax" && this.#warnsInt64(yt, yp, w)) {
      this.#warn(
        "Explicitly requested dtype int64 requested in asarray is not available, and will be " +
          "truncated to dtype int32. To enable more dtypes, set the jax_enable_x64 configuration " +
          "option or the JAX_ENABLE_X64 shell environment variable.",
      );
    }
    ({ yTrue: yt, yPred: yp } = this.prepare(yt, yp));
    if (!this.sparseYTrue) yt = argmaxTensor(yt, this.axis, "yTrue");
    if (!this.sparseYPred) yp = argmaxTensor(yp, this.axis, "yPred");
    const n = yt.data.length;
    if (yp.data.length !== n) {
      throw new KerasError(
        p.generation === "tf.keras"
          ? `InvalidArgumentError: labels and predictions must have the same number of elements ` +
            `(${n} vs ${yp.data.length})`
          : `ValueError: all input arrays must have the same shape (flattened y_true has ${n} ` +
            `elements, y_pred ${yp.data.length})`,
        this.#mirrors(),
      );
    }
    let weights: ArrayLike<number> | null = null;
    let weightScalar = false;
    if (w !== null) {
      const wn = w.data.length;
      if (p.generation === "tf.keras") {
        if (wn !== n || w.shape.length === 0) {
          throw new KerasError(
            `ValueError: Shapes (${n},) and (${w.shape.join(",")}) are incompatible ` +
              "(tf.math.confusion_matrix does not broadcast sample_weight)",
            this.#mirrors(),
          );
        }
      } else if (wn !== n && wn !== 1) {
        throw new KerasError(
          `ValueError: cannot broadcast sample_weight of shape (${w.shape.join(", ")}) to the ` +
            `flattened y_true shape (${n},)`,
          this.#mirrors(),
        );
      }
      weightScalar = wn === 1 && n !== 1;
      if (this.#recipe.labelConv === "int32" || this.#recipe.labelConv === "int64") {
        if (isFloatDtype(w.dtype) && !w.pythonScalar) {
          this.#warn(
            "You are passing weight as `float`, but dtype is `int`. This may result in an " +
              "incorrect weight due to type casting Consider using integer weights.",
          );
        } else if (w.pythonScalar && !Number.isInteger(w.data[0])) {
          this.#caveat(
            `Keras ${p.version} silently truncates the Python float weight ${w.data[0]} to ${
              Math.trunc(w.data[0])
            } (no warning for Python scalars)`,
          );
        }
      }
      weights = convertWeights(this.#recipe, w);
    }
    accumulate(this.#recipe, this.#state, yt, yp, n, weights, weightScalar, w?.data ?? null);
    return this;
  }

  #warn(msg: string): void {
    if (!this.warnings.includes(msg)) this.warnings.push(msg);
  }

  #caveat(msg: string): void {
    if (!this.caveats.includes(msg)) this.caveats.push(msg);
  }

  #warnsInt64(...ts: (KerasTensor | null)[]): boolean {
    return ts.some((t) => t !== null && !t.pythonScalar && t.dtype === "int64");
  }

  /**
   * The value Keras's `result()` returns, as a JS number (a float32 value, or a float64 one
   * where Keras returns float64: NumPy 1 with Keras 3.0-3.14, or dtype "float64" before 3.8).
   */
  result(): number {
    return kerasIoUResult(this.#recipe, this.#state.cm);
  }
}

/**
 * Keras's `MeanIoU`: the mean IoU over all `numClasses` classes (classes with an empty
 * denominator are left out of the mean).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MeanIoU } from "./iou_metrics.ts";
 * // keras-team/keras#20574: one update of 2^24 + 5 identical pairs sticks at 2^24 before 3.8
 * const n = 16777221;
 * const m = new MeanIoU({ numClasses: 2, version: "3.7.0" });
 * m.updateState(new Uint8Array(n), new Uint8Array(n));
 * assert.equal(m.totalCm[0][0], 16777216);
 * const fixed = new MeanIoU({ numClasses: 2, version: "3.8.0" });
 * fixed.updateState(new Uint8Array(n), new Uint8Array(n));
 * assert.equal(fixed.totalCm[0][0], 16777221);
 * ```
 */
export class MeanIoU extends IoU {
  /** Builds the metric; throws a `KerasError` where Keras raises (e.g. a target id >= numClasses) and a RangeError for options that are not emulated. */
  constructor(options: MeanIoUOptions) {
    const n = options?.numClasses;
    super({
      ...options,
      targetClassIds: Number.isInteger(n) && n > 0 ? Array.from({ length: n }, (_, i) => i) : [0],
    });
  }
}

/**
 * Keras's `BinaryIoU`: predictions are thresholded (`y_pred >= threshold`, compared in float32)
 * into classes 0 and 1; labels are truncated like every other Keras IoU metric.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BinaryIoU } from "./iou_metrics.ts";
 * // Keras docstring: BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
 * const m = new BinaryIoU({ targetClassIds: [0, 1], threshold: 0.3, version: "2.15" });
 * m.updateState([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], [0.2, 0.3, 0.4, 0.1]);
 * assert.equal(m.result(), Math.fround(0.17361112));
 * ```
 */
export class BinaryIoU extends IoU {
  /** The threshold applied to y_pred. */
  readonly threshold: number;

  /** Builds the metric; throws a `KerasError` where Keras raises (e.g. a target id >= numClasses) and a RangeError for options that are not emulated. */
  constructor(options: BinaryIoUOptions = {}) {
    super({
      ...options,
      numClasses: 2,
      targetClassIds: options.targetClassIds ?? [0, 1],
    });
    this.threshold = options.threshold ?? 0.5;
    if (typeof this.threshold !== "number" || Number.isNaN(this.threshold)) {
      throw new RangeError(`Expected threshold to be a number, but found ${options.threshold}`);
    }
  }

  /**
   * Thresholds the predictions into 0/1 before counting, as Keras' `BinaryIoU` does.
   *
   * @internal
   */
  protected override prepare(
    yTrue: KerasTensor,
    yPred: KerasTensor,
  ): { yTrue: KerasTensor; yPred: KerasTensor } {
    // Keras <= 3.7 and tf.keras compare in the metric dtype; 3.8+ in float32
    const f64 = this.dtype === "float64" && this.profile.generation !== "int-state" &&
      this.profile.generation !== "masked";
    const round = f64 ? (x: number) => x : f32;
    const thr = round(this.threshold);
    const src = yPred.data;
    const out = new Uint8Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = round(src[i]) >= thr ? 1 : 0;
    return { yTrue, yPred: { data: out, shape: yPred.shape, dtype: "uint8", pythonScalar: false } };
  }
}

/**
 * Keras's `OneHotIoU`: y_true is one-hot (argmax over `axis`), y_pred is scores unless
 * `sparseYPred` is true.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OneHotIoU } from "./iou_metrics.ts";
 * // Keras docstring: OneHotIoU(num_classes=3, target_class_ids=[0, 2])
 * const m = new OneHotIoU({ numClasses: 3, targetClassIds: [0, 2], version: "2.15" });
 * const yTrue = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]];
 * const yPred = [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]];
 * m.updateState(yTrue, yPred);
 * // argmax: true [2, 0, 1, 0], pred [2, 2, 0, 2]; IoU(0) = 0 / 3, IoU(2) = 1 / 3
 * assert.equal(m.result(), Math.fround(Math.fround(1 / 3) / 2));
 * ```
 */
export class OneHotIoU extends IoU {
  /** Builds the metric; throws a `KerasError` where Keras raises (e.g. a target id >= numClasses) and a RangeError for options that are not emulated. */
  constructor(options: OneHotIoUOptions) {
    super({ ...options, sparseYTrue: false, sparseYPred: options?.sparseYPred ?? false });
  }
}

/**
 * Keras's `OneHotMeanIoU`: `MeanIoU` with one-hot y_true and score y_pred.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OneHotMeanIoU } from "./iou_metrics.ts";
 * // Keras docstring: OneHotMeanIoU(num_classes=3)
 * const m = new OneHotMeanIoU({ numClasses: 3, version: "2.15" });
 * const yTrue = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]];
 * const yPred = [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]];
 * m.updateState(yTrue, yPred);
 * // IoU(0) = 0 / 3, IoU(1) = 0 / 1, IoU(2) = 1 / 3: the mean is (1 / 3) / 3
 * assert.equal(m.result(), Math.fround(Math.fround(1 / 3) / 3));
 * ```
 */
export class OneHotMeanIoU extends MeanIoU {
  /** Builds the metric; throws a `KerasError` where Keras raises (e.g. a target id >= numClasses) and a RangeError for options that are not emulated. */
  constructor(options: OneHotMeanIoUOptions) {
    super({ ...options, sparseYTrue: false, sparseYPred: options?.sparseYPred ?? false });
  }
}
