/**
 * scikit-learn profiles: `jaccard_score` (every average, `labels`, `zero_division`, `pos_label`)
 * and `confusion_matrix(labels=...)`, reproduced from the exact confusion matrix.
 *
 * scikit-learn counts one-vs-rest in int64 (float64 with sample weights) and divides and
 * averages in float64; the averages use NumPy's pairwise summation, emulated here, so results
 * match to the last bit. Checked against real scikit-learn 1.9.1 runs in `golden/`.
 *
 * The label set matters: by default it is every label present in y_true or y_pred. A state
 * built with an ignore label has already masked those pixels (what you should do). To see the
 * "255 pitfall" (not masking the void label), count over every label value that occurs, e.g. a
 * 256-class matrix without ignore labels: 255 then becomes one more class with IoU 0 and its
 * pixels become false positives of what they were predicted as.
 *
 * Sample weights: scikit-learn sums the weights per label in pixel order (true, predicted and
 * matched sums), this state per cell. Both are exact, and so agree to the bit, while the sums are
 * exact in float64 (integer or dyadic weights such as 0.25, 0.5, 2, as in the goldens); with
 * weights like 0.1 the last bits may differ.
 *
 * @module
 */

import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import { numpySum } from "../float32/reduction_order.ts";

/** scikit-learn `zero_division` for `jaccard_score` (1.9 accepts 0, 1 and "warn" = 0). */
export type SklearnZeroDivision = 0 | 1 | "warn";

/** Options of {@linkcode sklearnJaccardScore}. */
export interface SklearnJaccardOptions {
  /** `average` (default `"binary"` like scikit-learn; `"macro"` is the common mIoU). */
  average?: "binary" | "micro" | "macro" | "weighted";
  /**
   * `labels`: the classes to score. Default: the sorted labels present in y_true or y_pred
   * (rows or columns of the matrix with a non-zero sum). Labels outside the matrix score as
   * never present. Pixels of other labels still count one-vs-rest (this is not an ignore).
   */
  labels?: readonly number[];
  /** `zero_division` (default "warn", which gives 0). */
  zeroDivision?: SklearnZeroDivision;
  /** `pos_label` for `average: "binary"` (default 1). */
  posLabel?: number;
}

interface OneVsRest {
  labels: number[];
  tp: number[];
  fp: number[];
  fn: number[];
}

function presentLabels(cm: ConfusionMatrix): number[] {
  const C = cm.numClasses;
  const counts = cm.counts();
  const out: number[] = [];
  for (let c = 0; c < C; c++) {
    let any = false;
    for (let k = 0; k < C && !any; k++) any = counts[c * C + k] !== 0 || counts[k * C + c] !== 0;
    if (any) out.push(c);
  }
  return out;
}

function oneVsRest(cm: ConfusionMatrix, labels: readonly number[] | undefined): OneVsRest {
  const C = cm.numClasses;
  const missed = cm.missed();
  const anyMissed = missed.some((v) => v > 0);
  if (labels === undefined && anyMissed) {
    throw new RangeError(
      "Expected no out-of-range predictions in the state when labels is not given, but found " +
        "some: scikit-learn would add their values to the label set; count over every label " +
        "value that occurs, or pass labels",
    );
  }
  const chosen = labels === undefined ? presentLabels(cm) : [...labels];
  for (const l of chosen) {
    if (!Number.isInteger(l)) throw new RangeError(`Expected integer labels, but found ${l}`);
    if (anyMissed && l >= C) {
      throw new RangeError(
        `Expected labels below numClasses (${C}) when the state has out-of-range predictions, ` +
          `but found ${l}: their values were not kept`,
      );
    }
  }
  const { tp, fp, fn } = cm.classCounts();
  const inside = (l: number) => l >= 0 && l < C;
  return {
    labels: chosen,
    tp: chosen.map((l) => inside(l) ? tp[l] : 0),
    fp: chosen.map((l) => inside(l) ? fp[l] : 0),
    fn: chosen.map((l) => inside(l) ? fn[l] : 0),
  };
}

function zeroValue(zd: SklearnZeroDivision): number {
  if (zd === "warn" || zd === 0) return 0;
  if (zd === 1) return 1;
  throw new RangeError(`Expected zeroDivision to be 0, 1 or "warn", but found ${zd}`);
}

/**
 * scikit-learn `jaccard_score(y_true, y_pred, average=None)` per label, from the matrix
 * (flattened images): TP / (TP + FP + FN) in float64, the zero-division value where the
 * denominator is 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { sklearnJaccardPerClass } from "./sklearn.ts";
 *
 * const cm = new ConfusionMatrix(3).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * assert.deepEqual(sklearnJaccardPerClass(cm), [2 / 3, 1 / 2]); // class 2 not present
 * assert.deepEqual(sklearnJaccardPerClass(cm, { labels: [0, 1, 2], zeroDivision: 1 }), [2 / 3, 1 / 2, 1]);
 * ```
 *
 * @param cm Exact state.
 * @param options labels, zero_division.
 * @returns One float64 value per label.
 */
export function sklearnJaccardPerClass(
  cm: ConfusionMatrix,
  options: Pick<SklearnJaccardOptions, "labels" | "zeroDivision"> = {},
): number[] {
  const zd = zeroValue(options.zeroDivision ?? "warn");
  const { tp, fp, fn } = oneVsRest(cm, options.labels);
  return tp.map((t, k) => {
    const den = t + fp[k] + fn[k];
    return den === 0 ? zd : t / den;
  });
}

/**
 * scikit-learn `jaccard_score` with an average, from the matrix (flattened images).
 * `macro` is the plain mean of the per-label values, `weighted` weighs them by support
 * (TP + FN; unweighted if every support is 0), `micro` pools TP and TP + FP + FN over labels
 * (for single-label data pa / (2 - pa)), `binary` scores `posLabel` alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { sklearnJaccardScore } from "./sklearn.ts";
 *
 * const cm = new ConfusionMatrix(3).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * assert.equal(sklearnJaccardScore(cm, { average: "macro" }), (2 / 3 + 1 / 2) / 2);
 * assert.equal(sklearnJaccardScore(cm, { average: "macro", labels: [0, 1, 2] }), (2 / 3 + 1 / 2) / 3);
 * assert.equal(sklearnJaccardScore(cm, { average: "micro" }), 3 / 5);
 * ```
 *
 * @param cm Exact state.
 * @param options average, labels, zero_division, pos_label.
 * @returns The float64 score.
 */
export function sklearnJaccardScore(
  cm: ConfusionMatrix,
  options: SklearnJaccardOptions = {},
): number {
  const average = options.average ?? "binary";
  const zd = zeroValue(options.zeroDivision ?? "warn");
  if (average === "binary") {
    const present = presentLabels(cm);
    const pos = options.posLabel ?? 1;
    if (present.length > 2) {
      throw new RangeError(
        `Expected binary data for average "binary", but found labels ${present.join(", ")}; ` +
          `choose average "micro", "macro" or "weighted"`,
      );
    }
    if (present.length === 2 && !present.includes(pos)) {
      throw new RangeError(
        `Expected posLabel to be one of ${present.join(", ")}, but found ${pos}`,
      );
    }
    return sklearnJaccardPerClass(cm, { labels: [pos], zeroDivision: options.zeroDivision })[0];
  }
  if (!["micro", "macro", "weighted"].includes(average)) {
    throw new RangeError(
      `Expected average to be "binary", "micro", "macro" or "weighted", but found ${average}`,
    );
  }
  const { tp, fp, fn } = oneVsRest(cm, options.labels);
  if (average === "micro") {
    // Integer sums (exact), one float64 division.
    const num = tp.reduce((a, b) => a + b, 0);
    const den = tp.reduce((a, t, k) => a + t + fp[k] + fn[k], 0);
    return den === 0 ? zd : num / den;
  }
  const jac = tp.map((t, k) => {
    const den = t + fp[k] + fn[k];
    return den === 0 ? zd : t / den;
  });
  if (jac.length === 0) return NaN;
  if (average === "weighted") {
    const support = tp.map((t, k) => t + fn[k]);
    if (support.some((s) => s !== 0)) {
      // numpy.average: sum(a * w) / sum(w), both pairwise sums in float64.
      return numpySum(jac.map((j, k) => j * support[k])) / numpySum(support);
    }
  }
  return numpySum(jac) / jac.length;
}

/**
 * scikit-learn `confusion_matrix(y_true, y_pred, labels=labels)` from the exact matrix: rows and
 * columns restricted to `labels`, in that order; a pixel whose true or predicted label is not
 * in `labels` is dropped (unlike `jaccard_score(labels=...)`, which still counts it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { sklearnConfusionMatrix } from "./sklearn.ts";
 *
 * const cm = new ConfusionMatrix(3).update([0, 0, 1, 2], [0, 2, 1, 0]);
 * assert.deepEqual(sklearnConfusionMatrix(cm, [0, 1]), [[1, 0], [0, 1]]);
 * ```
 *
 * @param cm Exact state.
 * @param labels Labels to keep (default: the labels present).
 * @returns The restricted matrix, rows = true.
 */
export function sklearnConfusionMatrix(
  cm: ConfusionMatrix,
  labels?: readonly number[],
): number[][] {
  const C = cm.numClasses;
  const chosen = labels === undefined ? presentLabels(cm) : [...labels];
  const counts = cm.counts();
  const inside = (l: number) => Number.isInteger(l) && l >= 0 && l < C;
  return chosen.map((t) => chosen.map((p) => inside(t) && inside(p) ? counts[t * C + p] : 0));
}
