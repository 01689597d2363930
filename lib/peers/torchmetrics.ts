/**
 * torchmetrics `JaccardIndex` profiles (multiclass and binary; from 0.11 on) and the confusion
 * matrix torchmetrics counts, reproduced from the exact state. `segmentation.MeanIoU` is in
 * `torchmetrics_meaniou.ts`.
 *
 * torchmetrics keeps exact int64 counts but divides and sums in float32; every float32 step is
 * emulated here (`Math.fround`, and PyTorch's CPU summation order from `reduction_order.ts`).
 * Checked against real torchmetrics 1.9.0 runs (torch 2.13 CPU) in `golden/`, to the last bit.
 * Versions before 1.8 cannot be installed here: those branches follow the library's source at
 * the versions named and are tested on hand-worked examples.
 *
 * @module
 */

import { ConfusionMatrix } from "../core/confusion_matrix.ts";
import type { LabelArray } from "../core/labels.ts";
import {
  torchColumnSums32,
  type TorchCpuCapability,
  torchRowSums32,
  torchSum32,
} from "../float32/reduction_order.ts";
import {
  checkNoMissed,
  defaultIgnore,
  f32,
  safeDivide,
  torchLanes,
  type TorchmetricsZeroDivision,
  zeroValue,
} from "./_torchmetrics_shared.ts";

export type { TorchmetricsZeroDivision };

/** Options of {@linkcode torchmetricsJaccardIndex}. */
export interface TorchmetricsJaccardOptions {
  /** `average` (default `"macro"`); use {@linkcode torchmetricsJaccardPerClass} for `"none"`. */
  average?: "macro" | "micro" | "weighted";
  /**
   * `ignore_index`. Pixels whose target equals it must already be left out of the state (build
   * the matrix with `ignoreIndex`); inside [0, C) it also removes the class from `macro` and
   * its denominator from `micro`. Default: the matrix's ignore label, if it has exactly one.
   */
  ignoreIndex?: number | null;
  /** `zero_division` (default 0). */
  zeroDivision?: TorchmetricsZeroDivision;
  /**
   * `"1.x"` (default, from 1.0.0, PR #1821): classes absent from target and prediction get
   * weight 0 in `macro`. `"0.11"`: they are averaged in with the zero-division value (0), as in
   * 0.11.x (and as `absent_score=0` did in the legacy API up to 0.10).
   */
  version?: "1.x" | "0.11";
  /**
   * `torch.backends.cpu.get_cpu_capability()` of the machine that ran torch (default
   * `"avx2"`); every x86 capability sums float32 in 8 lanes (AVX512 runs the AVX2 sum kernel).
   */
  cpuCapability?: TorchCpuCapability;
  /** float32 lanes of torch's sums, overriding `cpuCapability` (8 on x86). */
  vectorWidth?: number;
}

interface JaccardParts {
  diag: number[];
  row: number[];
  col: number[];
  denom: number[];
}

function jaccardParts(cm: ConfusionMatrix, vw: number): JaccardParts {
  const C = cm.numClasses;
  const cells = Array.from(cm.counts(), f32); // confmat.float()
  const diag = Array.from({ length: C }, (_, i) => cells[i * C + i]);
  const col = torchColumnSums32(cells, C, C, vw);
  const row = torchRowSums32(cells, C, C, vw);
  const denom = diag.map((d, i) => f32(f32(col[i] + row[i]) - d));
  return { diag, row, col, denom };
}

/**
 * torchmetrics `MulticlassJaccardIndex` / `JaccardIndex(task="multiclass")` `compute()` from the
 * exact confusion matrix (its state is the same int64 matrix). float32 like the library.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { torchmetricsJaccardIndex } from "./torchmetrics.ts";
 *
 * // Class 0: 2/3, class 1: 1/2, class 2 absent (excluded since 1.0).
 * const cm = new ConfusionMatrix(3).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * // float32 arithmetic: within a float32 rounding of the exact 7/12 and 7/18.
 * assert.ok(Math.abs(torchmetricsJaccardIndex(cm) - 7 / 12) < 1e-7);
 * assert.ok(Math.abs(torchmetricsJaccardIndex(cm, { version: "0.11" }) - 7 / 18) < 1e-7);
 * assert.equal(torchmetricsJaccardIndex(cm, { average: "micro" }), Math.fround(3 / 5));
 * ```
 *
 * @param cm Exact state (rows = target, columns = prediction).
 * @param options average, ignore_index, zero_division, version.
 * @returns The float32 result as a number.
 */
export function torchmetricsJaccardIndex(
  cm: ConfusionMatrix,
  options: TorchmetricsJaccardOptions = {},
): number {
  const average = options.average ?? "macro";
  if (!["macro", "micro", "weighted"].includes(average)) {
    throw new RangeError(
      `Expected average to be "macro", "micro" or "weighted", but found ${average}`,
    );
  }
  const version = options.version ?? "1.x";
  if (version !== "1.x" && version !== "0.11") {
    throw new RangeError(`Expected version "1.x" or "0.11", but found ${version}`);
  }
  const zd = options.zeroDivision ?? 0;
  zeroValue(zd);
  const vw = torchLanes(options);
  checkNoMissed(cm, "torchmetricsJaccardIndex");
  const C = cm.numClasses;
  const ig = defaultIgnore(cm, options.ignoreIndex);
  const igIn = ig !== null && ig >= 0 && ig < C;
  const { diag, row, col, denom } = jaccardParts(cm, vw);
  if (average === "micro") {
    const num = torchSum32(diag, vw);
    const den = f32(torchSum32(denom, vw) - (igIn ? denom[ig] : 0));
    return safeDivide(num, den, zd);
  }
  const jaccard = diag.map((d, i) => safeDivide(d, denom[i], zd));
  let weights: number[];
  if (average === "weighted") weights = row;
  else {
    weights = new Array<number>(C).fill(1);
    if (igIn) weights[ig] = 0;
    if (version === "1.x") {
      for (let i = 0; i < C; i++) if (f32(row[i] + col[i]) === 0) weights[i] = 0;
    }
  }
  const total = torchSum32(weights, vw);
  return torchSum32(weights.map((w, i) => f32(f32(w * jaccard[i]) / total)), vw);
}

/**
 * torchmetrics `MulticlassJaccardIndex(average="none")`: per-class float32 IoU; a class with an
 * empty denominator shows the zero-division value (default 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { torchmetricsJaccardPerClass } from "./torchmetrics.ts";
 *
 * const cm = new ConfusionMatrix(3).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * assert.deepEqual(torchmetricsJaccardPerClass(cm), [Math.fround(2 / 3), 0.5, 0]);
 * assert.deepEqual(torchmetricsJaccardPerClass(cm, { zeroDivision: 1 }), [Math.fround(2 / 3), 0.5, 1]);
 * ```
 *
 * @param cm Exact state.
 * @param options zero_division.
 * @returns One float32 value per class.
 */
export function torchmetricsJaccardPerClass(
  cm: ConfusionMatrix,
  options: Pick<TorchmetricsJaccardOptions, "zeroDivision" | "vectorWidth" | "cpuCapability"> = {},
): number[] {
  const zd = options.zeroDivision ?? 0;
  zeroValue(zd);
  checkNoMissed(cm, "torchmetricsJaccardPerClass");
  const { diag, denom } = jaccardParts(cm, torchLanes(options));
  return diag.map((d, i) => safeDivide(d, denom[i], zd));
}

/**
 * torchmetrics `BinaryJaccardIndex` from a 2 x 2 matrix (class 1 = positive):
 * TP / (FP + FN + TP) in float32, the zero-division value (default 0; NaN before 1.5) when the
 * image has neither positive targets nor positive predictions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { torchmetricsBinaryJaccardIndex } from "./torchmetrics.ts";
 *
 * const cm = new ConfusionMatrix(2).update([1, 1, 0, 0], [0, 1, 0, 0]);
 * assert.equal(torchmetricsBinaryJaccardIndex(cm), 0.5);
 * assert.equal(torchmetricsBinaryJaccardIndex(new ConfusionMatrix(2).update([0], [0])), 0);
 * ```
 *
 * @param cm A 2-class matrix.
 * @param options zero_division.
 * @returns The float32 result.
 */
export function torchmetricsBinaryJaccardIndex(
  cm: ConfusionMatrix,
  options: Pick<TorchmetricsJaccardOptions, "zeroDivision"> = {},
): number {
  if (cm.numClasses !== 2) {
    throw new RangeError(`Expected a 2-class matrix, but found ${cm.numClasses} classes`);
  }
  const zd = options.zeroDivision ?? 0;
  zeroValue(zd);
  checkNoMissed(cm, "torchmetricsBinaryJaccardIndex");
  const [, c01, c10, c11] = Array.from(cm.counts(), f32);
  return safeDivide(c11, f32(f32(c01 + c10) + c11), zd);
}

/** Options of {@linkcode torchmetricsConfusionMatrix}. */
export interface TorchmetricsCountingOptions {
  /** `ignore_index`: pixels whose target equals it are removed before counting. */
  ignoreIndex?: number | null;
  /** `validate_args` (default true): the unique-value count check. */
  validateArgs?: boolean;
}

/**
 * What torchmetrics' multiclass confusion matrix does with raw labels, out-of-range values
 * included: with `validate_args` it only checks that target and preds each hold at most C
 * distinct values (C + 1 with an ignore index); then every pixel is encoded as
 * `target * C + pred` and counted, so an out-of-range prediction is folded into a wrong cell
 * (for example pred = C at target t lands in cell (t + 1, 0)), and a code at or past C^2
 * makes the reshape fail. Both failures are thrown as errors with torchmetrics' text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchmetricsConfusionMatrix } from "./torchmetrics.ts";
 *
 * // Prediction 3 (== C) at target 0 is counted as target 1, prediction 0.
 * const cm = torchmetricsConfusionMatrix([0, 0, 1], [0, 3, 1], 3);
 * assert.deepEqual(cm.toArray(), [[1, 0, 0], [1, 1, 0], [0, 0, 0]]);
 * ```
 *
 * @param yTrue Target labels (flat).
 * @param yPred Predicted labels (flat, same length).
 * @param numClasses `num_classes`.
 * @param options ignore_index, validate_args.
 * @returns The folded matrix, as torchmetrics holds it.
 */
export function torchmetricsConfusionMatrix(
  yTrue: LabelArray,
  yPred: LabelArray,
  numClasses: number,
  options: TorchmetricsCountingOptions = {},
): ConfusionMatrix {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new RangeError(`Expected numClasses to be an integer >= 2, but found ${numClasses}`);
  }
  if (yTrue.length !== yPred.length) {
    throw new RangeError(
      `Expected yTrue and yPred to have the same length, but found ${yTrue.length} and ${yPred.length}`,
    );
  }
  const C = numClasses;
  const ig = options.ignoreIndex ?? null;
  for (const [name, arr] of [["yTrue", yTrue], ["yPred", yPred]] as const) {
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isInteger(arr[i])) {
        throw new RangeError(
          `Expected ${name} to hold integers, but found ${arr[i]} at index ${i}`,
        );
      }
    }
  }
  if (options.validateArgs ?? true) {
    const check = ig === null ? C : C + 1;
    for (const [name, arr] of [["target", yTrue], ["preds", yPred]] as const) {
      const seen = new Uint8Array(C);
      const other = new Set<number>();
      let unique = 0;
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        if (v >= 0 && v < C) {
          if (seen[v] === 0) {
            seen[v] = 1;
            unique++;
          }
        } else other.add(v);
      }
      unique += other.size;
      if (unique > check) {
        throw new RangeError(
          `Detected more unique values in \`${name}\` than expected. Expected only ${check} but ` +
            `found ${unique} (torchmetrics RuntimeError)`,
        );
      }
    }
  }
  const counts = new Float64Array(C * C);
  let maxCode = -1;
  for (let i = 0; i < yTrue.length; i++) {
    if (ig !== null && yTrue[i] === ig) continue;
    const code = yTrue[i] * C + yPred[i];
    if (code < 0) {
      throw new RangeError(
        `bincount only supports 1-d non-negative integral inputs, but the code target * C + pred ` +
          `is ${code} at index ${i} (torchmetrics RuntimeError)`,
      );
    }
    if (code < C * C) counts[code]++;
    if (code > maxCode) maxCode = code;
  }
  if (maxCode >= C * C) {
    throw new RangeError(
      `shape '[${C}, ${C}]' is invalid for input of size ${maxCode + 1} (torchmetrics ` +
        `RuntimeError: a target or prediction outside [0, ${C}) was folded past the matrix)`,
    );
  }
  const cm = new ConfusionMatrix(C, ig === null ? {} : { ignoreIndex: ig });
  return cm.addCounts(counts);
}
