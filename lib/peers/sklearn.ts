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
 * Errors: where scikit-learn raises, the profile throws a {@linkcode SklearnError} carrying the
 * exception class and scikit-learn's own message (an empty input, all-zero sample weights, a
 * multiclass target with `average="binary"`, `average="samples"`, `confusion_matrix` with an
 * empty `labels` or none of them in y_true). A label seen only on pixels of weight 0 still
 * belongs to scikit-learn's label set, but a weighted matrix cannot show it: pass
 * `labelsSeen` (see {@linkcode sklearnLabelsSeen}) when some weights are 0.
 *
 * @module
 */

import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import { numpySum } from "../float32/reduction_order.ts";
import {
  SklearnError,
  type SklearnWarning,
  type SklearnZeroDivision,
  zeroValue,
} from "./_sklearn_shared.ts";

export { SklearnError, type SklearnWarning, type SklearnZeroDivision };

/**
 * The labels that occur in y_true and in y_pred, whatever their sample weight, sorted and
 * unique: scikit-learn's label set counts a label seen only on pixels of weight 0, which a
 * weighted confusion matrix cannot show (their cells stay 0).
 */
export interface SklearnLabelsSeen {
  /** Labels occurring in y_true (after masking). */
  yTrue: readonly number[];
  /** Labels occurring in y_pred (after masking). */
  yPred: readonly number[];
}

/**
 * The labels that occur in y_true and y_pred, for {@linkcode SklearnJaccardOptions.labelsSeen}.
 * Pass the same pixels as were counted (masked pixels left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sklearnLabelsSeen } from "./sklearn.ts";
 *
 * assert.deepEqual(sklearnLabelsSeen([2, 0, 2], [0, 0, 1]), { yTrue: [0, 2], yPred: [0, 1] });
 * ```
 *
 * @param yTrue True labels.
 * @param yPred Predicted labels.
 * @returns The sorted unique labels of each.
 */
export function sklearnLabelsSeen(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
): SklearnLabelsSeen {
  const sorted = (a: ArrayLike<number>) => [...new Set(Array.from(a))].sort((x, y) => x - y);
  return { yTrue: sorted(yTrue), yPred: sorted(yPred) };
}

/** Options of {@linkcode sklearnJaccardScore}. */
export interface SklearnJaccardOptions {
  /**
   * `average` (default `"binary"` like scikit-learn; `"macro"` is the common mIoU).
   * `"samples"` raises as scikit-learn does on single-label data.
   */
  average?: "binary" | "micro" | "macro" | "weighted" | "samples";
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
  /**
   * The labels that occur in y_true and y_pred whatever their weight
   * ({@linkcode sklearnLabelsSeen}). Default: read from the matrix (labels with a non-zero row
   * or column), which misses labels seen only on pixels of weight 0.
   */
  labelsSeen?: SklearnLabelsSeen;
  /**
   * Called with each warning scikit-learn would issue, in its order: the `UserWarning` that
   * `pos_label` is ignored (an average other than "binary" with a `posLabel` other than 1), and
   * the `UndefinedMetricWarning` of a zero denominator under `zeroDivision: "warn"` (the
   * default). Nothing is called where scikit-learn stays silent.
   */
  onWarning?: (warning: SklearnWarning) => void;
}

/**
 * `_warn_prf` through `_prf_divide`: one `UndefinedMetricWarning` when some denominator is 0 and
 * `zero_division` is "warn" ("due to" for a single result, "in labels with" for several).
 */
function warnIllDefined(
  denominators: readonly number[],
  options: Pick<SklearnJaccardOptions, "zeroDivision" | "onWarning">,
): void {
  if (options.onWarning === undefined || (options.zeroDivision ?? "warn") !== "warn") return;
  if (!denominators.some((d) => d === 0)) return;
  const where = denominators.length === 1 ? "due to" : "in labels with";
  options.onWarning({
    library: "scikit-learn",
    category: "UndefinedMetricWarning",
    message: `Jaccard is ill-defined and being set to 0.0 ${where} no true or predicted ` +
      "samples. Use `zero_division` parameter to control this behavior.",
  });
}

/** `_check_set_wise_labels`: a `pos_label` other than 1 is ignored by every average but "binary". */
function warnPosLabelIgnored(
  average: string,
  options: Pick<SklearnJaccardOptions, "posLabel" | "onWarning">,
): void {
  const pos = options.posLabel;
  if (pos === undefined || pos === 1) return;
  options.onWarning?.({
    library: "scikit-learn",
    category: "UserWarning",
    message: `Note that pos_label (set to ${pos}) is ignored when average != 'binary' (got ` +
      `${average}). You may use labels=[pos_label] to specify a single positive class.`,
  });
}

interface OneVsRest {
  labels: number[];
  tp: number[];
  fp: number[];
  fn: number[];
}

/**
 * Labels of y_true (`side` "true") or of y_true and y_pred, from the matrix: labels with a
 * non-zero row (or column).
 */
function matrixLabels(cm: ConfusionMatrix, side: "true" | "both"): number[] {
  const C = cm.numClasses;
  const counts = cm.counts();
  const out: number[] = [];
  for (let c = 0; c < C; c++) {
    let any = false;
    for (let k = 0; k < C && !any; k++) {
      any = counts[c * C + k] !== 0 || (side === "both" && counts[k * C + c] !== 0);
    }
    if (any) out.push(c);
  }
  return out;
}

/** scikit-learn's sorted label set (`unique_labels(y_true, y_pred)`). */
function labelSet(cm: ConfusionMatrix, seen: SklearnLabelsSeen | undefined): number[] {
  if (seen === undefined) return matrixLabels(cm, "both");
  return [...new Set([...seen.yTrue, ...seen.yPred])].sort((a, b) => a - b);
}

/** How NumPy prints a short integer array: every entry right-aligned to the widest. */
function numpyIntArray(values: readonly number[]): string {
  const width = Math.max(...values.map((v) => String(v).length));
  return `[${values.map((v) => String(v).padStart(width)).join(" ")}]`;
}

/** Sum of every count kept in the state (cells and out-of-range predictions). */
function totalWeight(cm: ConfusionMatrix): number {
  let total = 0;
  for (const v of cm.counts()) total += v;
  for (const v of cm.missed()) total += v;
  return total;
}

/**
 * `_check_targets`' first check: an empty input. Without `labelsSeen`, an all-zero matrix is an
 * empty input unless it is marked weighted; a matrix whose every weight was 0 is not marked
 * (weights of 0 and 1 leave it a count matrix), so pass `labelsSeen` to get the sample-weight
 * error instead.
 */
function checkNotEmpty(cm: ConfusionMatrix, seen: SklearnLabelsSeen | undefined): void {
  if (seen !== undefined) checkSeen(cm, seen);
  const empty = seen === undefined
    ? !cm.weighted && totalWeight(cm) === 0
    : seen.yTrue.length === 0 && seen.yPred.length === 0;
  if (empty) {
    throw new SklearnError(
      "ValueError",
      "Found empty input array (e.g., `y_true` or `y_pred`) while a minimum of 1 sample is " +
        "required.",
    );
  }
}

/** labelsSeen must hold every label the matrix shows (it may hold more: weight-0 labels). */
function checkSeen(cm: ConfusionMatrix, seen: SklearnLabelsSeen): void {
  const C = cm.numClasses;
  const counts = cm.counts();
  const inTrue = new Set(seen.yTrue);
  const inPred = new Set(seen.yPred);
  for (let t = 0; t < C; t++) {
    for (let p = 0; p < C; p++) {
      if (counts[t * C + p] === 0) continue;
      const side = !inTrue.has(t)
        ? `yTrue to hold ${t}`
        : !inPred.has(p)
        ? `yPred to hold ${p}`
        : "";
      if (side !== "") {
        throw new RangeError(
          `Expected labelsSeen.${side} (the matrix counts pixels of true ${t} predicted as ${p}), ` +
            `but found yTrue [${seen.yTrue.join(", ")}], yPred [${seen.yPred.join(", ")}]`,
        );
      }
    }
  }
}

/** `_check_sample_weight`: pixels there, but every weight 0 (checked after checkNotEmpty). */
function checkWeights(cm: ConfusionMatrix): void {
  if (totalWeight(cm) === 0) {
    throw new SklearnError(
      "ValueError",
      "Sample weights must contain at least one non-zero number.",
    );
  }
}

function oneVsRest(
  cm: ConfusionMatrix,
  labels: readonly number[] | undefined,
  seen?: SklearnLabelsSeen,
): OneVsRest {
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
  const chosen = labels === undefined ? labelSet(cm, seen) : [...labels];
  for (const l of chosen) {
    // A finite non-integer label (0.5) never occurs in integer masks: scikit-learn scores it
    // zero_division like any absent label.
    if (!Number.isFinite(l)) throw new RangeError(`Expected finite labels, but found ${l}`);
    if (anyMissed && l >= C) {
      throw new RangeError(
        `Expected labels below numClasses (${C}) when the state has out-of-range predictions, ` +
          `but found ${l}: their values were not kept`,
      );
    }
  }
  const { tp, fp, fn } = cm.classCounts();
  const inside = (l: number) => Number.isInteger(l) && l >= 0 && l < C;
  return {
    labels: chosen,
    tp: chosen.map((l) => inside(l) ? tp[l] : 0),
    fp: chosen.map((l) => inside(l) ? fp[l] : 0),
    fn: chosen.map((l) => inside(l) ? fn[l] : 0),
  };
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
 * @param options labels, zero_division, the labels seen whatever their weight, and the
 * warnings (`posLabel` only for its warning: `average=None` ignores it).
 * @returns One float64 value per label.
 * @throws {SklearnError} Where scikit-learn raises (empty input, all weights 0).
 */
export function sklearnJaccardPerClass(
  cm: ConfusionMatrix,
  options: Pick<
    SklearnJaccardOptions,
    "labels" | "zeroDivision" | "labelsSeen" | "onWarning" | "posLabel"
  > = {},
): number[] {
  const zd = zeroValue(options.zeroDivision ?? "warn");
  checkNotEmpty(cm, options.labelsSeen);
  warnPosLabelIgnored("None", options);
  checkWeights(cm);
  const { tp, fp, fn } = oneVsRest(cm, options.labels, options.labelsSeen);
  warnIllDefined(tp.map((t, k) => t + fp[k] + fn[k]), options);
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
 *
 * // Warnings as scikit-learn issues them: class 2 is neither true nor predicted.
 * const warnings: string[] = [];
 * sklearnJaccardScore(cm, { average: "macro", labels: [0, 2], onWarning: (w) => warnings.push(w.category) });
 * assert.deepEqual(warnings, ["UndefinedMetricWarning"]);
 * ```
 *
 * @param cm Exact state.
 * @param options average, labels, zero_division, pos_label, labels seen.
 * @returns The float64 score.
 * @throws {SklearnError} Where scikit-learn raises, in its order: empty input; for "binary",
 * a multiclass target or a `posLabel` not among two present labels; all weights 0; "samples".
 */
export function sklearnJaccardScore(
  cm: ConfusionMatrix,
  options: SklearnJaccardOptions = {},
): number {
  const average = options.average ?? "binary";
  if (!["binary", "micro", "macro", "weighted", "samples"].includes(average)) {
    throw new SklearnError(
      "InvalidParameterError",
      "The 'average' parameter of jaccard_score must be a str among {'binary', 'macro', " +
        `'micro', 'samples', 'weighted'} or None. Got '${average}' instead.`,
    );
  }
  const zd = zeroValue(options.zeroDivision ?? "warn");
  const seen = options.labelsSeen;
  checkNotEmpty(cm, seen);
  if (average === "binary") {
    // _check_set_wise_labels: the type of target comes from every label seen (weight 0 too).
    const present = labelSet(cm, seen);
    const pos = options.posLabel ?? 1;
    if (present.length > 2) {
      throw new SklearnError(
        "ValueError",
        "Target is multiclass but average='binary'. Please choose another average setting, " +
          "one of [None, 'micro', 'macro', 'weighted'].",
      );
    }
    if (present.length === 2 && !present.includes(pos)) {
      throw new SklearnError(
        "ValueError",
        `pos_label=${pos} is not a valid label. It should be one of ${numpyIntArray(present)}`,
      );
    }
    return sklearnJaccardPerClass(cm, {
      labels: [pos],
      zeroDivision: options.zeroDivision,
      labelsSeen: seen,
      onWarning: options.onWarning,
    })[0];
  }
  warnPosLabelIgnored(`'${average}'`, options);
  checkWeights(cm);
  if (average === "samples") {
    throw new SklearnError(
      "ValueError",
      "Samplewise metrics are not available outside of multilabel classification.",
    );
  }
  const { tp, fp, fn } = oneVsRest(cm, options.labels, seen);
  if (average === "micro") {
    // Integer sums (exact), one float64 division.
    const num = tp.reduce((a, b) => a + b, 0);
    const den = tp.reduce((a, t, k) => a + t + fp[k] + fn[k], 0);
    warnIllDefined([den], options);
    return den === 0 ? zd : num / den;
  }
  warnIllDefined(tp.map((t, k) => t + fp[k] + fn[k]), options);
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
 * in `labels` is dropped (unlike `jaccard_score(labels=...)`, which still counts it). A label
 * listed twice keeps its counts at its last position (scikit-learn maps each label to its last
 * index); the earlier rows and columns stay 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { sklearnConfusionMatrix } from "./sklearn.ts";
 *
 * const cm = new ConfusionMatrix(3).update([0, 0, 1, 2], [0, 2, 1, 0]);
 * assert.deepEqual(sklearnConfusionMatrix(cm, [0, 1]), [[1, 0], [0, 1]]);
 * assert.deepEqual(sklearnConfusionMatrix(cm, [1, 1]), [[0, 0], [0, 1]]);
 * assert.throws(() => sklearnConfusionMatrix(cm, []), /'labels' should contain at least one/);
 * ```
 *
 * @param cm Exact state.
 * @param labels Labels to keep (default: the labels present).
 * @param options The labels seen whatever their weight ({@linkcode sklearnLabelsSeen}).
 * @returns The restricted matrix, rows = true.
 * @throws {SklearnError} Where scikit-learn raises: empty input, all weights 0, empty `labels`,
 * no label of `labels` in y_true.
 */
export function sklearnConfusionMatrix(
  cm: ConfusionMatrix,
  labels?: readonly number[],
  options: Pick<SklearnJaccardOptions, "labelsSeen"> = {},
): number[][] {
  const C = cm.numClasses;
  const seen = options.labelsSeen;
  checkNotEmpty(cm, seen);
  checkWeights(cm);
  const chosen = labels === undefined ? labelSet(cm, seen) : [...labels];
  if (labels !== undefined) {
    if (chosen.length === 0) {
      throw new SklearnError("ValueError", "'labels' should contain at least one label.");
    }
    const inTrue = new Set(seen === undefined ? matrixLabels(cm, "true") : seen.yTrue);
    if (!chosen.some((l) => inTrue.has(l))) {
      throw new SklearnError("ValueError", "At least one label specified must be in y_true");
    }
  }
  const counts = cm.counts();
  // A repeated label counts at its last position only (a dict from label to index).
  const last = (k: number) => chosen.lastIndexOf(chosen[k]) === k;
  const inside = (l: number) => Number.isInteger(l) && l >= 0 && l < C;
  return chosen.map((t, i) =>
    chosen.map((p, j) => last(i) && last(j) && inside(t) && inside(p) ? counts[t * C + p] : 0)
  );
}
