/**
 * The per-version recipes of the Keras IoU metrics that do not depend on the data: which dtypes
 * a version resolves (metric, state, labels, result), what it does with out-of-range ids, in
 * which order its backend sums float32 vectors, where the emulation is not pinned down, and the
 * `result()` recipe that turns the accumulated `total_cm` into the value Keras returns. The
 * update recipe is in `iou_update.ts`; the public classes in `iou_metrics.ts`.
 *
 * @module
 */

import {
  EPSILON_F32,
  f32,
  sumInOrder,
  type SummationOrder,
  VALID_THRESHOLD_F32,
  wrapInt32,
  xlaPlans,
} from "../float32/keras_sums.ts";
import { torchColumnSum } from "../float32/reduction_order.ts";
import { KerasError } from "./error.ts";
import type { KerasStateDtype } from "./iou_options.ts";
import type { KerasBackend, KerasProfile } from "./version.ts";

/** What a metric resolved at construction that its update and result recipes read. */
export interface IoURecipe {
  /** The emulated Keras version's behaviour profile. */
  profile: KerasProfile;
  /** The emulated backend. */
  backend: KerasBackend;
  /** Whether the update is emulated as compiled by XLA. */
  compiled: boolean;
  /** NumPy major version (numpy backend only). */
  numpyMajor: number;
  /** Number of classes C. */
  numClasses: number;
  /** Classes whose IoU is averaged, in [0, C). */
  targetClassIds: readonly number[];
  /** The dtype of `total_cm`. */
  stateDtype: KerasStateDtype;
  /** The ignored true label, or null. */
  ignoreClass: number | null;
  /** The class axis for argmax. */
  axis: number;
  /** The dtype labels are cast to before counting. */
  labelConv: LabelDtype;
  /** What the version does with class ids outside [0, C). */
  rule: OutOfRangeRule;
  /** The backend's float32 summation order. */
  order: SummationOrder;
  /** Whether XLA's measured loops apply (Keras 3.8+). */
  xlaKnown: boolean;
  /** Whether `result()` computes in float64. */
  resultF64: boolean;
  /** "Keras 3.7.0 IoU on jax (eager)": what a raised error says it mirrors. */
  mirrors(): string;
}

/** The dtype labels are cast to before counting. */
export type LabelDtype = "float32" | "float64" | "int32" | "int64";

/** What a version does with class ids outside [0, numClasses). */
export type OutOfRangeRule =
  | "mask"
  | "tf-assert"
  | "tf-scatter-error"
  | "drop"
  | "wrap-drop"
  | "wrap-error";

/**
 * The out-of-range rule of a version, backend and mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outOfRangeRule } from "./iou_recipe.ts";
 * import { parseKerasVersion } from "./version.ts";
 * assert.equal(outOfRangeRule(parseKerasVersion("2.15"), "tensorflow", false), "tf-assert");
 * assert.equal(outOfRangeRule(parseKerasVersion("3.7.0"), "jax", false), "wrap-drop");
 * assert.equal(outOfRangeRule(parseKerasVersion("3.7.0"), "tensorflow", true), "drop");
 * assert.equal(outOfRangeRule(parseKerasVersion("3.15.1"), "torch", false), "mask");
 * ```
 */
export function outOfRangeRule(
  p: KerasProfile,
  backend: KerasBackend,
  compiled: boolean,
): OutOfRangeRule {
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

/** The dtypes a version resolves from the `dtype` option. */
export interface ResolvedDtypes {
  /** The metric dtype as Keras reports it. */
  metricDtype: string;
  /** The dtype of `total_cm`. */
  state: KerasStateDtype;
  /** The dtype labels are cast to. */
  labels: LabelDtype;
  /** Whether `result()` computes in float64. */
  resultF64: boolean;
}

/**
 * Resolves the metric, state, label and result dtypes as the version does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveDtypes } from "./iou_recipe.ts";
 * import { parseKerasVersion } from "./version.ts";
 * const tf = resolveDtypes(parseKerasVersion("3.8.0"), "tensorflow");
 * assert.deepEqual(tf, { metricDtype: "int64", state: "int64", labels: "int64", resultF64: false });
 * // JAX without x64 narrows int64 to int32
 * assert.equal(resolveDtypes(parseKerasVersion("3.8.0"), "jax", "int64").state, "int32");
 * assert.throws(() => resolveDtypes(parseKerasVersion("3.7.0"), "tensorflow", "int32"), RangeError);
 * ```
 */
export function resolveDtypes(
  p: KerasProfile,
  backend: KerasBackend,
  dtype?: string,
): ResolvedDtypes {
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
 * Whether XLA's loops for the host CPU are measured for this version (Keras 3.8 on: 3.15's
 * masked result and 3.8-3.14's int state).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { xlaLoopsKnown } from "./iou_recipe.ts";
 * import { parseKerasVersion } from "./version.ts";
 * assert.equal(xlaLoopsKnown(parseKerasVersion("3.7.0")), false);
 * assert.equal(xlaLoopsKnown(parseKerasVersion("3.8.0")), true);
 * assert.equal(xlaLoopsKnown(parseKerasVersion("3.15.1")), true);
 * ```
 */
export function xlaLoopsKnown(p: KerasProfile): boolean {
  return p.zeroesInvalidIoU || p.generation === "int-state";
}

/**
 * The order in which the backend sums a vector of float32 values (the IoU vector, and on
 * some backends the rows of the matrix).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summationOrder } from "./iou_recipe.ts";
 * import { parseKerasVersion } from "./version.ts";
 * const k38 = parseKerasVersion("3.8.0");
 * assert.equal(summationOrder(k38, "numpy", false, "int32"), "numpy-pairwise");
 * assert.equal(summationOrder(k38, "tensorflow", false, "int64"), "tf-8-lane");
 * assert.equal(summationOrder(k38, "tensorflow", true, "int64"), "tf-xla-cpu-int");
 * assert.equal(summationOrder(parseKerasVersion("3.7.0"), "jax", true, "float32"), "xla-16-lane");
 * ```
 */
export function summationOrder(
  p: KerasProfile,
  backend: KerasBackend,
  compiled: boolean,
  stateDtype: KerasStateDtype,
): SummationOrder {
  // numpy: pairwise; TF eager: Eigen's 8 lanes (4 packets from 64 values); torch: cascade. On
  // XLA (TF XLA, jax.jit, and JAX eager, whose ops XLA compiles one by one), from Keras 3.8 on:
  // the loops XLA emits for the host CPU (sumXlaCpu), measured for 3.15.1 and for 3.8-3.14's
  // result() re-run on 3.15.1's ops, 2-150 targets, int and float32 state. Before 3.8: TF XLA
  // and JAX eager left to right, jax.jit 16 lanes (observed on the shared 3.7 files, up to 4
  // classes).
  const masked = p.zeroesInvalidIoU;
  const xlaKnown = xlaLoopsKnown(p);
  const intState = !stateDtype.startsWith("float");
  return backend === "numpy"
    ? "numpy-pairwise"
    : backend === "tensorflow"
    ? (!compiled
      ? "tf-8-lane"
      : !xlaKnown
      ? "sequential"
      : intState
      ? "tf-xla-cpu-int"
      : masked
      ? "tf-xla-cpu-float"
      : "tf-xla-cpu-float-3.8")
    : backend === "jax"
    ? (compiled
      ? (!xlaKnown ? "xla-16-lane" : intState ? "jax-jit-cpu-int" : "jax-jit-cpu-float")
      : (xlaKnown ? "xla-cpu" : "sequential"))
    : backend === "torch"
    ? "torch-cascade"
    : "sequential";
}

/**
 * Where the emulation of `r` is not pinned down by real-Keras runs (sum orders not measured
 * for that many classes or targets, hosts whose vector width differs, backends emulated from the
 * notes), in the order the metric lists them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emulationCaveats, type IoURecipe } from "./iou_recipe.ts";
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
 * assert.deepEqual(emulationCaveats(recipe), []);
 * const torch = { ...recipe, profile: parseKerasVersion("3.7.0"), backend: "torch" as const };
 * const caveats = emulationCaveats(torch);
 * assert.equal(caveats.length, 1);
 * assert.match(caveats[0], /^The torch backend before 3\.15 is emulated/);
 * ```
 */
export function emulationCaveats(r: IoURecipe): string[] {
  const p = r.profile;
  const masked = p.zeroesInvalidIoU;
  const xlaKnown = r.xlaKnown;
  const out: string[] = [];
  const k = r.targetClassIds.length;
  if (
    (r.backend === "torch" && k >= 8 && !masked) ||
    (xlaKnown && (r.backend === "jax" || r.compiled) && k > 1024) ||
    (r.compiled && k >= 8 && !xlaKnown) || // XLA orders before 3.8 are unmeasured
    (!r.compiled && r.backend === "tensorflow" && k > 8192) || // Eigen's tree, unmeasured
    (!r.compiled && r.backend === "jax" && k > 32 && !xlaKnown)
  ) {
    out.push(
      `With ${r.targetClassIds.length} target ids the float32 sum order of the IoU vector ` +
        `is not pinned down for ${r.backend}${r.compiled ? " compiled" : ""}: the last ` +
        "1-2 ulp of result() may differ from real Keras",
    );
  }
  const vectorized = xlaPlans(r.order)?.[k];
  if (vectorized !== undefined) {
    out.push(
      `With ${k} target ids XLA vectorizes the float32 sum of the IoU vector for the host CPU: ` +
        "reproduced for x86-64 with AVX2 (TensorFlow 2.21, jaxlib 0.10.2" +
        (masked ? "" : `; ${p.version}'s result() re-run on Keras 3.15.1's ops`) +
        "); other TensorFlow or jaxlib versions, AVX-512 or Arm hosts may differ in the last ulp",
    );
  }
  const allInOrder = r.targetClassIds.every((id, j) => id === j) && k === r.numClasses;
  if (
    xlaKnown && r.compiled && (r.backend === "jax" || r.backend === "tensorflow") &&
    k >= 12 && k <= 32 && !allInOrder
  ) {
    // measured: under jax.jit the vector loop changes with the pattern of the ids (in order,
    // a prefix, shuffled); TF XLA matched for one shuffled pattern
    out.push(
      "The loop XLA emits for the IoU sum depends on the pattern of the target ids; it is " +
        "reproduced for the ids 0..numClasses-1 in order (MeanIoU), for others the last ulp of " +
        "result() may differ",
    );
  }
  if (
    r.backend === "tensorflow" && !r.compiled && r.stateDtype === "float32" &&
    r.numClasses > 12
  ) {
    out.push(
      `With a float32 state and ${r.numClasses} classes, TensorFlow eager's order for the ` +
        "matrix's column sums is not pinned down (measured up to 12 classes): once those sums " +
        "pass 2^24 the last ulp of result() may differ",
    );
  }
  if (
    r.backend === "jax" && xlaKnown && r.stateDtype === "float32" && r.numClasses >= 64
  ) {
    out.push(
      `With a float32 state and ${r.numClasses} classes, the order in which JAX's XLA sums ` +
        "the matrix's rows and columns is not pinned down (measured up to 63 classes): once " +
        "those sums pass 2^24 the last ulp of result() may differ",
    );
  }
  if (r.backend === "torch") {
    out.push(
      p.generation === "masked"
        ? "The torch backend is checked against real Keras 3.15.1 on torch 2.13 (CPU, AVX2: " +
          "AVX-512 builds of torch sum float32 in 16-float vectors, which changes the last ulp)"
        : "The torch backend before 3.15 is emulated from the source notes (int32 state like " +
          "JAX from 3.8, sequential scatter, -1 wraps, ids >= numClasses raise IndexError)",
    );
  }
  if (p.generation === "int-state" && r.backend === "numpy" && r.numpyMajor < 2) {
    if (p.minor > 8) {
      out.push(
        `NumPy 1 float64 result() is observed in Keras 3.7/3.8 and assumed for ${p.version}`,
      );
    }
  }
  return out;
}

/**
 * The value Keras's `result()` returns, as a JS number (a float32 value, or a float64 one
 * where Keras returns float64: NumPy 1 with Keras 3.0-3.14, or dtype "float64" before 3.8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type IoURecipe, kerasIoUResult } from "./iou_recipe.ts";
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
 * // one pixel in each cell: IoU of class 0 = 1 / (2 + 2 - 1), no epsilon in tf.keras
 * assert.equal(kerasIoUResult(recipe, new Float64Array([1, 1, 1, 1])), Math.fround(1 / 3));
 * // nothing counted: no valid class, the mean is 0
 * assert.equal(kerasIoUResult(recipe, new Float64Array(4)), 0);
 * ```
 */
export function kerasIoUResult(r: IoURecipe, cm: Float64Array): number {
  const p = r.profile;
  const C = r.numClasses;
  if (p.generation !== "tf.keras" && r.axis !== -1 && r.axis !== 0) {
    throw new KerasError(
      `AxisError: axis ${r.axis} is out of bounds for array of dimension 1 ` +
        "(Keras 3 sums the 1-D IoU vector over `axis`; see docs/keras.md)",
      r.mirrors(),
    );
  }
  const state = r.stateDtype;
  // row / column sums and the diagonal, in the state dtype
  const row = new Float64Array(C);
  const col = new Float64Array(C);
  const tp = new Float64Array(C);
  if (state === "float32" || state === "float64") {
    const round = state === "float32" ? f32 : (x: number) => x;
    // From Keras 3.8 on XLA (jax.jit, JAX eager, TF XLA) the matrix's row and column sums are
    // XLA's scalar loops with windows of 32 (measured on float32 states with sums above 2^24);
    // elsewhere rows follow the backend's vector order and columns go row after row.
    const xlaSums = r.xlaKnown && (r.backend === "jax" || r.compiled);
    const rowOrder: SummationOrder = xlaSums ? "xla-cpu" : r.order;
    for (let i = 0; i < C; i++) row[i] = sumInOrder(cm, rowOrder, round, i * C, C);
    const column = new Float64Array(C);
    for (let j = 0; j < C; j++) {
      if (r.backend === "torch") col[j] = torchColumnSum(cm, j, C, C, round);
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
  const ids = r.targetClassIds;
  const k = ids.length;
  const tpK = new Float64Array(k);
  const denK = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const c = ids[j];
    let den: number;
    switch (state) {
      case "float32":
        den = r.resultF64 && p.generation === "float32-state"
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
    const round = r.resultF64 ? (x: number) => x : f32;
    const iou = new Float64Array(k);
    let nv = 0;
    for (let j = 0; j < k; j++) {
      if (denK[j] !== 0) {
        nv++;
        iou[j] = round(tpK[j] / denK[j]);
      }
    }
    const s = sumInOrder(iou, r.order, round);
    return nv === 0 ? 0 : round(s / nv);
  }
  // Keras 3
  let round: (x: number) => number = f32;
  let eps = EPSILON_F32;
  let thr = VALID_THRESHOLD_F32;
  if (p.generation === "float32-state" && r.resultF64) {
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
  const s = sumInOrder(iou, r.order, round);
  const nvF = round(nv + eps);
  if (r.backend === "numpy" && r.numpyMajor < 2 && !p.zeroesInvalidIoU) {
    return s / (nv + 1e-7);
  }
  if (r.compiled && k === 1 && !p.zeroesInvalidIoU) {
    // XLA rewrites (a / b) / c as a / (b * c)
    return round(tpK[0] / round(round(denK[0] + eps) * nvF));
  }
  return round(s / nvF);
}
