/**
 * Bit-exact emulation of the Keras IoU metric family (`IoU`, `MeanIoU`, `BinaryIoU`, `OneHotIoU`,
 * `OneHotMeanIoU`) by Keras version, backend and compiled mode.
 *
 * The recipes are those of the keras-semantics notes (sections 2-8 and 11), checked against real
 * Keras 3.7.0, 3.8.0 and 3.15.1 runs on numpy, TensorFlow and JAX, eager and compiled
 * (`deno task golden`). The torch backend has no real-Keras reference here: it is emulated from the
 * notes (int32 state like JAX, sequential scatter, negative ids wrap and ids >= numClasses raise
 * before 3.15).
 *
 * @module
 */

import { type CountingPolicy, countingPolicy } from "../core/labels.ts";
import { countPairs } from "../core/pair_counts.ts";
import { KerasError } from "./error.ts";
import {
  addOnesF32,
  EPSILON_F32,
  f32,
  FLOAT32_COUNT_LIMIT,
  sumInOrder,
  type SummationOrder,
  VALID_THRESHOLD_F32,
  wrapInt32,
  xlaPlans,
} from "../float32/keras_sums.ts";
import { torchColumnSum } from "../float32/reduction_order.ts";
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

/** How the metric update runs: eagerly, or compiled by XLA (TF `jit_compile=True` or `jax.jit`). */
export type KerasCompiled = "xla";

/** Options shared by every metric: which Keras to emulate. */
export interface KerasEmulationOptions {
  /** Keras version ("2.15", "3.7.0", "3.8", "3.15.1"); default: the newest emulated (3.15.1). */
  version?: string;
  /** Keras 3 backend; default "tensorflow". tf.keras 2 only runs on "tensorflow". */
  backend?: KerasBackend;
  /**
   * Compiled metric update, as in `model.fit` / `evaluate` with XLA: `"xla"` (also accepted:
   * `"jit"`, `"jax.jit"`, `"tf.function(jit_compile=True)"`). Default: eager (`false`).
   */
  compiled?: KerasCompiled | "jit" | "jax.jit" | "tf.function(jit_compile=True)" | false | null;
  /** NumPy version for the numpy backend (default "2"): NumPy 1 makes Keras 3.0-3.14 return float64. */
  numpyVersion?: string;
  /**
   * Also keep an exact float64 confusion matrix of the same data (ignored and out-of-range pixels
   * dropped, weights untouched) for `explain()`. Costs a second count; default false.
   */
  trackExact?: boolean;
}

/** Options of {@link MeanIoU}. */
export interface MeanIoUOptions extends KerasEmulationOptions {
  /** Number of classes C (the matrix is C x C). */
  numClasses: number;
  /** Metric name (Keras default: the snake_case class name). */
  name?: string;
  /** Metric dtype as in Keras ("float32", "float64", "int", "int32", "int64"). */
  dtype?: string;
  /** A true label whose pixels are not counted (Keras `ignore_class`), or null. */
  ignoreClass?: number | null;
  /** False: y_true holds scores or one-hot vectors, reduced with argmax over `axis`. */
  sparseYTrue?: boolean;
  /** False: y_pred holds scores, reduced with argmax over `axis`. */
  sparseYPred?: boolean;
  /** The class axis for argmax (default -1; Keras 3 `result()` fails for axis other than -1 or 0). */
  axis?: number;
}

/** Options of {@link IoU}: those of {@link MeanIoU} and the classes to average. */
export interface IoUOptions extends MeanIoUOptions {
  /** Classes whose IoU is averaged (Keras `target_class_ids`). */
  targetClassIds: readonly number[];
}

/** Options of {@link BinaryIoU}. */
export interface BinaryIoUOptions extends KerasEmulationOptions {
  /** Classes whose IoU is averaged (default [0, 1]). */
  targetClassIds?: readonly number[];
  /** y_pred >= threshold (compared in float32) is class 1 (default 0.5). */
  threshold?: number;
  /** Metric name (Keras default: the snake_case class name). */
  name?: string;
  /** Metric dtype as in Keras ("float32", "float64", "int", "int32", "int64"). */
  dtype?: string;
}

/** Options of {@link OneHotIoU}. */
export interface OneHotIoUOptions extends KerasEmulationOptions {
  /** Number of classes C (the matrix is C x C). */
  numClasses: number;
  /** Classes whose IoU is averaged (Keras `target_class_ids`). */
  targetClassIds: readonly number[];
  /** Metric name (Keras default: the snake_case class name). */
  name?: string;
  /** Metric dtype as in Keras ("float32", "float64", "int", "int32", "int64"). */
  dtype?: string;
  /** A true label whose pixels are not counted (Keras `ignore_class`), or null. */
  ignoreClass?: number | null;
  /** False: y_pred holds scores, reduced with argmax over `axis`. */
  sparseYPred?: boolean;
  /** The class axis for argmax (default -1; Keras 3 `result()` fails for axis other than -1 or 0). */
  axis?: number;
}

/** Options of {@link OneHotMeanIoU}. */
export interface OneHotMeanIoUOptions extends KerasEmulationOptions {
  /** Number of classes C (the matrix is C x C). */
  numClasses: number;
  /** Metric name (Keras default: the snake_case class name). */
  name?: string;
  /** Metric dtype as in Keras ("float32", "float64", "int", "int32", "int64"). */
  dtype?: string;
  /** A true label whose pixels are not counted (Keras `ignore_class`), or null. */
  ignoreClass?: number | null;
  /** False: y_pred holds scores, reduced with argmax over `axis`. */
  sparseYPred?: boolean;
  /** The class axis for argmax (default -1; Keras 3 `result()` fails for axis other than -1 or 0). */
  axis?: number;
}

/** The dtype of the stored confusion matrix. */
export type KerasStateDtype = "float32" | "float64" | "int32" | "int64";

type OutOfRangeRule =
  | "mask"
  | "tf-assert"
  | "tf-scatter-error"
  | "drop"
  | "wrap-drop"
  | "wrap-error";

const DEFAULT_NAMES: Record<string, string> = {
  IoU: "iou",
  MeanIoU: "mean_iou",
  BinaryIoU: "binary_iou",
  OneHotIoU: "one_hot_iou",
  OneHotMeanIoU: "one_hot_mean_iou",
};

const INT_MIN = -2147483648;

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

  #cm: Float64Array;
  #exact: Float64Array | null;
  #resultF64: boolean;
  #labelConv: "float32" | "float64" | "int32" | "int64";
  #rule: OutOfRangeRule;
  #order: SummationOrder;
  /** Whether XLA's measured loops apply (Keras 3.8+; see the constructor). */
  #xlaKnown: boolean;
  #className: string;
  #trackedWeighted = false;
  #policy: CountingPolicy | undefined;

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
    this.#labelConv = d.labels;
    this.#resultF64 = d.resultF64;
    this.#rule = outOfRangeRule(p, this.backend, this.compiled);
    // numpy: pairwise; TF eager: Eigen's 8 lanes (4 packets from 64 values); torch: cascade. On
    // XLA (TF XLA, jax.jit, and JAX eager, whose ops XLA compiles one by one), from Keras 3.8 on:
    // the loops XLA emits for the host CPU (sumXlaCpu), measured for 3.15.1 and for 3.8-3.14's
    // result() re-run on 3.15.1's ops, 2-150 targets, int and float32 state. Before 3.8: TF XLA
    // and JAX eager left to right, jax.jit 16 lanes (observed on the shared 3.7 files, up to 4
    // classes).
    const masked = p.zeroesInvalidIoU;
    const xlaKnown = masked || p.generation === "int-state";
    this.#xlaKnown = xlaKnown;
    const intState = !this.stateDtype.startsWith("float");
    this.#order = this.backend === "numpy"
      ? "numpy-pairwise"
      : this.backend === "tensorflow"
      ? (!this.compiled
        ? "tf-8-lane"
        : !xlaKnown
        ? "sequential"
        : intState
        ? "tf-xla-cpu-int"
        : masked
        ? "tf-xla-cpu-float"
        : "tf-xla-cpu-float-3.8")
      : this.backend === "jax"
      ? (this.compiled
        ? (!xlaKnown ? "xla-16-lane" : intState ? "jax-jit-cpu-int" : "jax-jit-cpu-float")
        : (xlaKnown ? "xla-cpu" : "sequential"))
      : this.backend === "torch"
      ? "torch-cascade"
      : "sequential";
    const k = this.targetClassIds.length;
    if (
      (this.backend === "torch" && k >= 8 && !masked) ||
      (xlaKnown && (this.backend === "jax" || this.compiled) && k > 1024) ||
      (this.compiled && k >= 8 && !xlaKnown) || // XLA orders before 3.8 are unmeasured
      (!this.compiled && this.backend === "tensorflow" && k > 8192) || // Eigen's tree, unmeasured
      (!this.compiled && this.backend === "jax" && k > 32 && !xlaKnown)
    ) {
      this.caveats.push(
        `With ${this.targetClassIds.length} target ids the float32 sum order of the IoU vector ` +
          `is not pinned down for ${this.backend}${this.compiled ? " compiled" : ""}: the last ` +
          "1-2 ulp of result() may differ from real Keras",
      );
    }
    const vectorized = xlaPlans(this.#order)?.[k];
    if (vectorized !== undefined) {
      this.caveats.push(
        `With ${k} target ids XLA vectorizes the float32 sum of the IoU vector for the host CPU: ` +
          "reproduced for x86-64 with AVX2 (TensorFlow 2.21, jaxlib 0.10.2" +
          (masked ? "" : `; ${p.version}'s result() re-run on Keras 3.15.1's ops`) +
          "); other TensorFlow or jaxlib versions, AVX-512 or Arm hosts may differ in the last ulp",
      );
    }
    const allInOrder = this.targetClassIds.every((id, j) => id === j) && k === this.numClasses;
    if (
      xlaKnown && this.compiled && (this.backend === "jax" || this.backend === "tensorflow") &&
      k >= 12 && k <= 32 && !allInOrder
    ) {
      // measured: under jax.jit the vector loop changes with the pattern of the ids (in order,
      // a prefix, shuffled); TF XLA matched for one shuffled pattern
      this.caveats.push(
        "The loop XLA emits for the IoU sum depends on the pattern of the target ids; it is " +
          "reproduced for the ids 0..numClasses-1 in order (MeanIoU), for others the last ulp of " +
          "result() may differ",
      );
    }
    if (
      this.backend === "tensorflow" && !this.compiled && this.stateDtype === "float32" &&
      this.numClasses > 12
    ) {
      this.caveats.push(
        `With a float32 state and ${this.numClasses} classes, TensorFlow eager's order for the ` +
          "matrix's column sums is not pinned down (measured up to 12 classes): once those sums " +
          "pass 2^24 the last ulp of result() may differ",
      );
    }
    if (
      this.backend === "jax" && xlaKnown && this.stateDtype === "float32" && this.numClasses >= 64
    ) {
      this.caveats.push(
        `With a float32 state and ${this.numClasses} classes, the order in which JAX's XLA sums ` +
          "the matrix's rows and columns is not pinned down (measured up to 63 classes): once " +
          "those sums pass 2^24 the last ulp of result() may differ",
      );
    }
    if (this.backend === "torch") {
      this.caveats.push(
        p.generation === "masked"
          ? "The torch backend is checked against real Keras 3.15.1 on torch 2.13 (CPU, AVX2: " +
            "AVX-512 builds of torch sum float32 in 16-float vectors, which changes the last ulp)"
          : "The torch backend before 3.15 is emulated from the source notes (int32 state like " +
            "JAX from 3.8, sequential scatter, -1 wraps, ids >= numClasses raise IndexError)",
      );
    }
    if (p.generation === "int-state" && this.backend === "numpy" && this.numpyMajor < 2) {
      if (p.minor > 8) {
        this.caveats.push(
          `NumPy 1 float64 result() is observed in Keras 3.7/3.8 and assumed for ${p.version}`,
        );
      }
    }
    this.#cm = new Float64Array(this.numClasses * this.numClasses);
    this.#exact = o.trackExact ? new Float64Array(this.numClasses * this.numClasses) : null;
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
    for (let i = 0; i < c; i++) out.push(Array.from(this.#cm.subarray(i * c, (i + 1) * c)));
    return out;
  }

  /**
   * The exact float64 confusion matrix of the same data (only with `trackExact: true`, else
   * null): ignored and out-of-range pixels dropped, weights as given.
   */
  get exactCm(): number[][] | null {
    const e = this.#exact;
    if (e === null) return null;
    const c = this.numClasses;
    const out: number[][] = [];
    for (let i = 0; i < c; i++) out.push(Array.from(e.subarray(i * c, (i + 1) * c)));
    return out;
  }

  /** Whether the exact matrix has seen a weight other than 0 or 1 (see {@link IoU.exactCm}). */
  get exactWeighted(): boolean {
    return this.#trackedWeighted;
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
    this.#commitCounts(flat);
    if (this.#exact !== null) { for (let k = 0; k < flat.length; k++) this.#exact[k] += flat[k]; }
    return this;
  }

  /** Sets the state to zeros (`reset_state`). Warnings and caveats are kept. */
  resetState(): void {
    this.#cm.fill(0);
    this.#exact?.fill(0);
    this.#trackedWeighted = false;
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
      if (this.#labelConv === "int32" || this.#labelConv === "int64") {
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
      weights = this.#convertWeights(w);
    }
    this.#accumulate(yt, yp, n, weights, weightScalar, w?.data ?? null);
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

  /** Converts weights to the dtype of the per-batch confusion matrix. */
  #convertWeights(w: KerasTensor): Float64Array {
    const src = w.data;
    const out = new Float64Array(src.length);
    const jaxNarrow = this.backend === "jax" && !w.pythonScalar;
    const fromF64 = w.dtype === "float64" && jaxNarrow;
    const fromI64 = w.dtype === "int64" && jaxNarrow;
    switch (this.stateDtype) {
      case "float32":
        for (let i = 0; i < src.length; i++) out[i] = f32(src[i]);
        break;
      case "float64":
        for (let i = 0; i < src.length; i++) out[i] = this.backend === "jax" ? f32(src[i]) : src[i];
        break;
      case "int32":
      case "int64":
        for (let i = 0; i < src.length; i++) {
          let v = src[i];
          if (fromF64) v = f32(v);
          if (fromI64) v = wrapInt32(v);
          v = Number.isFinite(v) ? Math.trunc(v) : INT_MIN;
          out[i] = this.stateDtype === "int32" ? wrapInt32(v) : v;
        }
        break;
    }
    return out;
  }

  #accumulate(
    yt: KerasTensor,
    yp: KerasTensor,
    n: number,
    weights: Float64Array | ArrayLike<number> | null,
    weightScalar: boolean,
    rawWeights: ArrayLike<number> | null,
  ): void {
    const C = this.numClasses;
    const p = this.profile;
    const conv = this.#labelConv;
    const jax = this.backend === "jax";
    const tIsInt = !isFloatDtype(yt.dtype) && !(jax && yt.dtype === "int64");
    const pIsInt = !isFloatDtype(yp.dtype) && !(jax && yp.dtype === "int64");
    const convT = labelConverter(conv, yt.dtype, jax);
    const convP = labelConverter(conv, yp.dtype, jax);
    const td = yt.data;
    const pd = yp.data;
    const hasIgnore = this.ignoreClass !== null;
    const ignore = hasIgnore ? convT(this.ignoreClass as number) : NaN;
    const ignoreMode = p.ignoreMode;
    const rule = this.#rule;
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
    const exact = this.#exact;
    if (
      unit && isInt32Typed(td) && isInt32Typed(pd) && C >= 2 && C <= 65536 &&
      (!hasIgnore || Number.isInteger(this.ignoreClass))
    ) {
      // Fast path: exact integer counts of the kept pairs (the core counting kernel). With unit
      // weights every Keras variant is a function of these per-batch counts, and integer labels
      // that fit int32 need no conversion. Where Keras drops out-of-range ids the kernel drops
      // them; otherwise it raises on any, and the loop below redoes the batch with the
      // version's rule (wrap, or raise as Keras does).
      const raising = rule !== "drop" && rule !== "mask";
      this.#policy ??= countingPolicy(C, {
        ignoreIndex: hasIgnore ? [this.ignoreClass as number] : [],
        outOfRange: raising ? "error" : "drop",
      });
      let fast: Float64Array | null = null;
      try {
        fast = countPairs(this.#policy, td, pd).counts;
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        // an out-of-range id: the loop below finds the first one and raises as Keras does
      }
      if (fast !== null) {
        this.#commitCounts(fast);
        if (exact !== null) { for (let k = 0; k < exact.length; k++) exact[k] += fast[k]; }
        return;
      }
    }
    const exactBatch = exact === null ? null : new Float64Array(C * C);
    const ignoreExact = hasIgnore ? Math.trunc(this.ignoreClass as number) : NaN;
    const counts = new Float64Array(C * C);
    // weighted path: updates applied in element order, in the state's arithmetic, onto a batch
    // matrix (eager) or onto a copy of the running total (compiled float: XLA folds
    // total + scatter(zeros, idx, w) into one scatter-add onto the total)
    const state = this.stateDtype;
    const direct = !unit && this.compiled && (state === "float32" || state === "float64");
    const acc = unit ? counts : direct ? this.#cm.slice() : new Float64Array(C * C);
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
            if (!(a >= 0 && a < C && b >= 0 && b < C)) this.#throwIndex(a, b, t, q, kept);
            break;
          default:
            this.#throwIndex(a, b, t, q, kept);
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
    const cm = this.#cm;
    if (unit) this.#commitCounts(counts);
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
          if (rawWeights[i] !== 0 && rawWeights[i] !== 1) this.#trackedWeighted = true;
        }
      }
    }
  }

  /** Adds per-batch counts of unit-weight pairs to the state, as each Keras variant does. */
  #commitCounts(counts: ArrayLike<number>): void {
    const cm = this.#cm;
    const state = this.stateDtype;
    for (let k = 0; k < counts.length; k++) {
      const c = counts[k];
      if (c === 0) continue;
      switch (state) {
        case "float32":
          // eager: the batch cell is min(count, 2^24), then added to the total in float32;
          // compiled (XLA): every +1 goes straight onto the running total
          cm[k] = this.compiled
            ? addOnesF32(cm[k], c)
            : f32(cm[k] + Math.min(c, FLOAT32_COUNT_LIMIT));
          break;
        case "int32":
          cm[k] = wrapInt32(cm[k] + wrapInt32(c));
          break;
        default:
          cm[k] = cm[k] + c;
      }
    }
  }

  #throwIndex(a: number, b: number, t: number, q: number, pos: number): never {
    const C = this.numClasses;
    const fmt = (x: number): string => (Number.isFinite(x) ? String(x) : String(x));
    switch (this.#rule) {
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
          this.#mirrors(),
        );
      }
      case "tf-scatter-error":
        throw new KerasError(
          `InvalidArgumentError: indices[${pos}] = [${fmt(a)}, ${
            fmt(b)
          }] does not index into shape [${C},${C}] [Op:ScatterNd]`,
          this.#mirrors(),
        );
      default: {
        const axis = !(a >= 0 && a < C) ? 0 : 1;
        const bad = axis === 0 ? a : b;
        const word = this.backend === "torch" ? "dimension" : "axis";
        throw new KerasError(
          `IndexError: index ${fmt(bad)} is out of bounds for ${word} ${axis} with size ${C}`,
          this.#mirrors(),
        );
      }
    }
  }

  /**
   * The value Keras's `result()` returns, as a JS number (a float32 value, or a float64 one
   * where Keras returns float64: NumPy 1 with Keras 3.0-3.14, or dtype "float64" before 3.8).
   */
  result(): number {
    const p = this.profile;
    const C = this.numClasses;
    const cm = this.#cm;
    if (p.generation !== "tf.keras" && this.axis !== -1 && this.axis !== 0) {
      throw new KerasError(
        `AxisError: axis ${this.axis} is out of bounds for array of dimension 1 ` +
          "(Keras 3 sums the 1-D IoU vector over `axis`; keras-semantics notes 9.10)",
        this.#mirrors(),
      );
    }
    const state = this.stateDtype;
    // row / column sums and the diagonal, in the state dtype
    const row = new Float64Array(C);
    const col = new Float64Array(C);
    const tp = new Float64Array(C);
    if (state === "float32" || state === "float64") {
      const round = state === "float32" ? f32 : (x: number) => x;
      // From Keras 3.8 on XLA (jax.jit, JAX eager, TF XLA) the matrix's row and column sums are
      // XLA's scalar loops with windows of 32 (measured on float32 states with sums above 2^24);
      // elsewhere rows follow the backend's vector order and columns go row after row.
      const xlaSums = this.#xlaKnown && (this.backend === "jax" || this.compiled);
      const rowOrder: SummationOrder = xlaSums ? "xla-cpu" : this.#order;
      for (let i = 0; i < C; i++) row[i] = sumInOrder(cm, rowOrder, round, i * C, C);
      const column = new Float64Array(C);
      for (let j = 0; j < C; j++) {
        if (this.backend === "torch") col[j] = torchColumnSum(cm, j, C, C, round);
        else if (xlaSums) {
          for (let i = 0; i < C; i++) column[i] = cm[i * C + j];
          col[j] = sumInOrder(column, "xla-cpu", round);
        } else {
          let s = 0;
          for (let i = 0; i < C; i++) s = round(s + cm[i * C + j]);
          col[j] = s;
        }
      }
    } else {
      for (let i = 0; i < C; i++) {
        let s = 0;
        for (let j = 0; j < C; j++) s += cm[i * C + j];
        row[i] = state === "int32" ? wrapInt32(s) : s;
      }
      for (let j = 0; j < C; j++) {
        let s = 0;
        for (let i = 0; i < C; i++) s += cm[i * C + j];
        col[j] = state === "int32" ? wrapInt32(s) : s;
      }
    }
    for (let i = 0; i < C; i++) tp[i] = cm[i * C + i];
    const ids = this.targetClassIds;
    const k = ids.length;
    const tpK = new Float64Array(k);
    const denK = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      const c = ids[j];
      let den: number;
      switch (state) {
        case "float32":
          den = this.#resultF64 && p.generation === "float32-state"
            ? col[c] + row[c] - tp[c] // cast to float64 first
            : f32(f32(col[c] + row[c]) - tp[c]);
          break;
        case "int32":
          den = wrapInt32(wrapInt32(col[c] + row[c]) - tp[c]);
          break;
        default:
          den = col[c] + row[c] - tp[c];
      }
      denK[j] = den;
      tpK[j] = tp[c];
    }
    if (p.generation === "tf.keras") {
      const round = this.#resultF64 ? (x: number) => x : f32;
      const iou = new Float64Array(k);
      let nv = 0;
      for (let j = 0; j < k; j++) {
        if (denK[j] !== 0) {
          nv++;
          iou[j] = round(tpK[j] / denK[j]);
        }
      }
      const s = sumInOrder(iou, this.#order, round);
      return nv === 0 ? 0 : round(s / nv);
    }
    // Keras 3
    let round: (x: number) => number = f32;
    let eps = EPSILON_F32;
    let thr = VALID_THRESHOLD_F32;
    if (p.generation === "float32-state" && this.#resultF64) {
      round = (x: number) => x;
      eps = 1e-7;
      thr = 1e-9;
    } else {
      // 3.8+: cast(den, float32), cast(tp, float32); <= 3.7 float32 state: already float32
      for (let j = 0; j < k; j++) {
        denK[j] = f32(denK[j]);
        tpK[j] = f32(tpK[j]);
      }
    }
    let nv = 0;
    const iou = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      const valid = denK[j] > thr;
      if (valid) nv++;
      const v = round(tpK[j] / round(denK[j] + eps));
      iou[j] = p.zeroesInvalidIoU && !valid ? 0 : v;
    }
    const s = sumInOrder(iou, this.#order, round);
    const nvF = round(nv + eps);
    if (this.backend === "numpy" && this.numpyMajor < 2 && !p.zeroesInvalidIoU) {
      return s / (nv + 1e-7);
    }
    if (this.compiled && k === 1 && !p.zeroesInvalidIoU) {
      // XLA rewrites (a / b) / c as a / (b * c)
      return round(tpK[0] / round(round(denK[0] + eps) * nvF));
    }
    return round(s / nvF);
  }
}

function isInt32Typed(x: ArrayLike<number>): x is Uint8Array | Uint16Array | Int32Array {
  return x instanceof Uint8Array || x instanceof Uint16Array || x instanceof Int32Array;
}

function labelConverter(
  conv: "float32" | "float64" | "int32" | "int64",
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

function outOfRangeRule(p: KerasProfile, backend: KerasBackend, compiled: boolean): OutOfRangeRule {
  if (p.masksOutOfRange) return "mask";
  if (p.generation === "tf.keras") return compiled ? "drop" : "tf-assert";
  switch (backend) {
    case "tensorflow":
      return compiled ? "drop" : "tf-scatter-error";
    case "jax":
      return "wrap-drop";
    default:
      return "wrap-error";
  }
}

interface ResolvedDtypes {
  metricDtype: string;
  state: KerasStateDtype;
  labels: "float32" | "float64" | "int32" | "int64";
  resultF64: boolean;
}

function resolveDtypes(p: KerasProfile, backend: KerasBackend, dtype?: string): ResolvedDtypes {
  const jax = backend === "jax";
  const bad = (allowed: string): never => {
    throw new RangeError(
      `Expected dtype to be ${allowed} for Keras ${p.version}, but found ${JSON.stringify(dtype)}`,
    );
  };
  if (p.generation === "tf.keras") {
    const d = dtype ?? "float32";
    if (d !== "float32" && d !== "float64") bad('"float32" or "float64"');
    return {
      metricDtype: d,
      state: d as KerasStateDtype,
      labels: d as "float32" | "float64",
      resultF64: d === "float64",
    };
  }
  if (p.generation === "float32-state") {
    let d = dtype ?? "float32";
    if (d !== "float32" && d !== "float64") {
      bad('"float32" or "float64" (integer dtypes before 3.8 are not emulated)');
    }
    if (jax && d === "float64") d = "float32";
    return {
      metricDtype: d,
      state: "float32",
      labels: d as "float32" | "float64",
      resultF64: d === "float64",
    };
  }
  let d = dtype ?? "int";
  if (d === "int") d = backend === "tensorflow" ? "int64" : "int32";
  if (!["int32", "int64", "float32", "float64"].includes(d)) {
    bad('"int", "int32", "int64", "float32" or "float64"');
  }
  if (jax && d === "int64") d = "int32";
  if (jax && d === "float64") d = "float32";
  return {
    metricDtype: d,
    state: d as KerasStateDtype,
    labels: d as "float32" | "float64" | "int32" | "int64",
    resultF64: false,
  };
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
