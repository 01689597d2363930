/**
 * torchmetrics multilabel profiles: `MultilabelJaccardIndex` / `JaccardIndex(task="multilabel")`
 * from one 2 x 2 matrix per label, float32 like the library.
 *
 * @module
 */

import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import { torchSum32 } from "../float32/reduction_order.ts";
import {
  checkNoMissed,
  f32,
  safeDivide,
  type TorchmetricsZeroDivision,
  zeroValue,
} from "./_torchmetrics_shared.ts";

/** Options of {@linkcode torchmetricsMultilabelJaccardIndex}. */
export interface TorchmetricsMultilabelOptions {
  /** `average` (default `"macro"`). */
  average?: "macro" | "micro" | "weighted";
  /** `zero_division` (default 0). Multilabel macro keeps absent labels, with this value. */
  zeroDivision?: TorchmetricsZeroDivision;
  /** float32 lanes of the CPU that ran torch (default 8, AVX2). */
  vectorWidth?: number;
}

function multilabelParts(labels: readonly ConfusionMatrix[]) {
  return labels.map((cm, l) => {
    if (cm.numClasses !== 2) {
      throw new RangeError(
        `Expected label ${l} to have a 2-class matrix, but found ${cm.numClasses}`,
      );
    }
    checkNoMissed(cm, "torchmetrics multilabel");
    const [, fp, fn, tp] = Array.from(cm.counts(), f32); // rows = target, columns = prediction
    return { tp, fp, fn, denom: f32(f32(tp + fp) + fn) };
  });
}

/**
 * torchmetrics `MultilabelJaccardIndex` / `JaccardIndex(task="multilabel")` from one 2 x 2
 * matrix per label (rows = target, columns = prediction, class 1 = positive), float32 like the
 * library. Unlike the multiclass task, `macro` averages absent labels in with the zero-division
 * value. `ignore_index` acts on pixels only (build each label's matrix with it); the multilabel
 * reduction does not receive it, so no label is left out of the average.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { torchmetricsMultilabelJaccardIndex } from "./torchmetrics_multilabel.ts";
 *
 * const label0 = new ConfusionMatrix(2).update([1, 1, 0, 0], [1, 0, 0, 0]); // 1/2
 * const label1 = new ConfusionMatrix(2).update([0, 0, 0, 0], [0, 0, 0, 0]); // absent
 * assert.equal(torchmetricsMultilabelJaccardIndex([label0, label1]), 0.25);
 * assert.equal(torchmetricsMultilabelJaccardIndex([label0, label1], { zeroDivision: 1 }), 0.75);
 * ```
 *
 * @param labels One 2-class matrix per label.
 * @param options average, zero_division.
 * @returns The float32 result.
 */
export function torchmetricsMultilabelJaccardIndex(
  labels: readonly ConfusionMatrix[],
  options: TorchmetricsMultilabelOptions = {},
): number {
  const average = options.average ?? "macro";
  if (!["macro", "micro", "weighted"].includes(average)) {
    throw new RangeError(
      `Expected average to be "macro", "micro" or "weighted", but found ${average}`,
    );
  }
  const zd = options.zeroDivision ?? 0;
  zeroValue(zd);
  const vw = options.vectorWidth ?? 8;
  const parts = multilabelParts(labels);
  const L = parts.length;
  if (average === "micro") {
    const num = torchSum32(parts.map((p) => p.tp), vw);
    return safeDivide(num, torchSum32(parts.map((p) => p.denom), vw), zd);
  }
  const jaccard = parts.map((p) => safeDivide(p.tp, p.denom, zd));
  let weights: number[];
  if (average === "weighted") weights = parts.map((p) => f32(p.tp + p.fn));
  else weights = new Array<number>(L).fill(1);
  const total = torchSum32(weights, vw);
  return torchSum32(weights.map((w, i) => f32(f32(w * jaccard[i]) / total)), vw);
}

/**
 * torchmetrics `MultilabelJaccardIndex(average="none")`: float32 IoU per label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { torchmetricsMultilabelJaccardPerLabel } from "./torchmetrics_multilabel.ts";
 *
 * const label0 = new ConfusionMatrix(2).update([1, 1, 0], [1, 0, 1]);
 * assert.deepEqual(torchmetricsMultilabelJaccardPerLabel([label0]), [Math.fround(1 / 3)]);
 * ```
 *
 * @param labels One 2-class matrix per label.
 * @param options zero_division.
 * @returns One float32 value per label.
 */
export function torchmetricsMultilabelJaccardPerLabel(
  labels: readonly ConfusionMatrix[],
  options: Pick<TorchmetricsMultilabelOptions, "zeroDivision"> = {},
): number[] {
  const zd = options.zeroDivision ?? 0;
  zeroValue(zd);
  return multilabelParts(labels).map((p) => safeDivide(p.tp, p.denom, zd));
}
