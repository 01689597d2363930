/**
 * scikit-learn `jaccard_score` on multilabel indicator matrices (checked on 1.9.1), from the
 * multilabel state or from the matrices themselves. A row (sample) is one pixel: masks of shape
 * (N, C, H, W) moved to (N * H * W, C), so the per-label counts of every average but "samples"
 * are the totals of a `MultilabelStats` over all images. "samples" averages over rows and needs
 * the rows ({@linkcode sklearnMultilabelJaccardRows}). A one-column matrix is a binary target
 * to scikit-learn, scored as `sklearnJaccardScore` scores a 2-class matrix.
 *
 * @module
 */

import { ConfusionMatrix } from "../core/confusion_matrix.ts";
import { MultilabelStats } from "../core/multilabel_stats.ts";
import { numpySum } from "../float32/reduction_order.ts";
import {
  SklearnError,
  sklearnJaccardPerClass,
  sklearnJaccardScore,
  type SklearnWarning,
  type SklearnZeroDivision,
} from "./sklearn.ts";
import { zeroValue } from "./_sklearn_shared.ts";

/** Options of the multilabel `jaccard_score` profiles. */
export interface SklearnMultilabelOptions {
  /**
   * `average`: `null` (per label), "micro", "macro", "weighted" or "samples"; "binary" (the
   * scikit-learn default) raises on multilabel data, as scikit-learn does. Default "macro".
   */
  average?: null | "binary" | "micro" | "macro" | "weighted" | "samples";
  /** `zero_division` (default "warn", which gives 0 and warns). */
  zeroDivision?: SklearnZeroDivision;
  /** `labels`: columns to score, in this order (default: every column). */
  labels?: readonly number[];
  /** Called with each warning scikit-learn would issue. */
  onWarning?: (warning: SklearnWarning) => void;
}

function zeroOf(zd: SklearnZeroDivision | undefined): number {
  return zeroValue(zd ?? "warn");
}

function warn(
  options: SklearnMultilabelOptions,
  denominators: readonly number[],
  samples: boolean,
): void {
  if (options.onWarning === undefined || (options.zeroDivision ?? "warn") !== "warn") return;
  if (!denominators.some((d) => d === 0)) return;
  const [axis0, axis1] = samples ? ["label", "sample"] : ["sample", "label"];
  const where = denominators.length === 1 ? "due to" : `in ${axis1}s with`;
  options.onWarning({
    library: "scikit-learn",
    category: "UndefinedMetricWarning",
    message: `Jaccard is ill-defined and being set to 0.0 ${where} no true or predicted ` +
      `${axis0}s. Use \`zero_division\` parameter to control this behavior.`,
  });
}

/** The checks before counting, in scikit-learn's order; returns the chosen columns. */
function check(L: number, rows: number, options: SklearnMultilabelOptions): number[] {
  const average = options.average === undefined ? "macro" : options.average;
  if (![null, "binary", "micro", "macro", "weighted", "samples"].includes(average)) {
    throw new SklearnError(
      "InvalidParameterError",
      `The 'average' parameter of jaccard_score must be a str or None. Got '${average}' instead.`,
    );
  }
  zeroOf(options.zeroDivision);
  if (rows === 0) {
    throw new SklearnError(
      "ValueError",
      "Found empty input array (e.g., `y_true` or `y_pred`) while a minimum of 1 sample is " +
        "required.",
    );
  }
  if (average === "binary") {
    throw new SklearnError(
      "ValueError",
      "Target is multilabel-indicator but average='binary'. Please choose another average " +
        "setting, one of [None, 'micro', 'macro', 'weighted', 'samples'].",
    );
  }
  const all = Array.from({ length: L }, (_, l) => l);
  const labels = options.labels === undefined ? all : [...options.labels];
  const same = labels.length === L && labels.every((l, k) => l === k);
  if (!same && labels.length > 0) {
    const max = Math.max(...labels);
    if (max > L - 1) {
      throw new SklearnError(
        "ValueError",
        `All labels must be in [0, n labels) for multilabel targets. Got ${max} > ${L - 1}`,
      );
    }
    const min = Math.min(...labels);
    if (min < 0) {
      throw new SklearnError(
        "ValueError",
        `All labels must be in [0, n labels) for multilabel targets. Got ${min} < 0`,
      );
    }
  }
  for (const l of labels) {
    if (!Number.isInteger(l)) throw new RangeError(`Expected integer labels, but found ${l}`);
  }
  return labels;
}

/** A one-column target: scikit-learn sees binary data, scored from the 2 x 2 matrix. */
function oneColumn(
  tp: number,
  fp: number,
  fn: number,
  tn: number,
  options: SklearnMultilabelOptions,
): number | number[] {
  const cm = new ConfusionMatrix(2).addCounts([tn, fp, fn, tp]);
  const average = options.average === undefined ? "macro" : options.average;
  const common = {
    zeroDivision: options.zeroDivision,
    labels: options.labels,
    onWarning: options.onWarning,
  };
  if (average === null) return sklearnJaccardPerClass(cm, common);
  return sklearnJaccardScore(cm, { ...common, average });
}

/** The per-label float64 IoU and its average, from per-label totals. */
function fromTotals(
  totals: { tp: number[]; fp: number[]; fn: number[] },
  labels: number[],
  options: SklearnMultilabelOptions,
): number | number[] {
  const average = options.average === undefined ? "macro" : options.average;
  const zd = zeroOf(options.zeroDivision);
  const tp = labels.map((l) => totals.tp[l]);
  const den = labels.map((l) => totals.tp[l] + totals.fp[l] + totals.fn[l]);
  if (average === "micro") {
    const num = tp.reduce((a, b) => a + b, 0);
    const d = den.reduce((a, b) => a + b, 0);
    warn(options, [d], false);
    return d === 0 ? zd : num / d;
  }
  warn(options, den, false);
  const jac = tp.map((t, k) => (den[k] === 0 ? zd : t / den[k]));
  if (average === null) return jac;
  if (jac.length === 0) return NaN;
  if (average === "weighted") {
    const support = labels.map((l) => totals.tp[l] + totals.fn[l]);
    if (support.some((s) => s !== 0)) {
      return numpySum(jac.map((j, k) => j * support[k])) / numpySum(support);
    }
  }
  return numpySum(jac) / jac.length;
}

/**
 * scikit-learn `jaccard_score(y_true, y_pred, average=...)` on indicator matrices whose rows are
 * the pixels counted in `stats` (every average but "samples", which needs the rows). The
 * result is float64, as scikit-learn returns it; `average: null` gives one value per label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultilabelStats } from "../core/multilabel_stats.ts";
 * import { sklearnMultilabelJaccard } from "./sklearn_multilabel.ts";
 * // 2 labels x 3 pixels, channel first: label 1 never true nor predicted
 * const stats = new MultilabelStats(2).addImageMasks([1, 1, 0, 0, 0, 0], [1, 0, 1, 0, 0, 0]);
 * assert.equal(sklearnMultilabelJaccard(stats, { average: "macro" }), 1 / 6); // (1/3 + 0) / 2
 * assert.equal(sklearnMultilabelJaccard(stats, { average: "macro", zeroDivision: 1 }), 2 / 3);
 * assert.deepEqual(sklearnMultilabelJaccard(stats, { average: null, labels: [0] }), [1 / 3]);
 * ```
 *
 * @param stats Multilabel counts (rows = pixels).
 * @param options average, zero_division, labels, warnings.
 * @returns The float64 score, or one per label for `average: null`.
 * @throws {SklearnError} Where scikit-learn raises.
 */
export function sklearnMultilabelJaccard(
  stats: MultilabelStats,
  options: SklearnMultilabelOptions = {},
): number | number[] {
  const t = stats.totals();
  const L = stats.numClasses;
  const rows = L > 0 ? t.tp[0] + t.fp[0] + t.fn[0] + t.tn[0] : 0;
  if (L === 1) {
    check(2, rows, { ...options, average: "macro", labels: undefined });
    return oneColumn(t.tp[0], t.fp[0], t.fn[0], t.tn[0], options);
  }
  const labels = check(L, rows, options);
  if (options.average === "samples") {
    throw new RangeError(
      'Expected the rows for average "samples" (a per-row mean): use sklearnMultilabelJaccardRows',
    );
  }
  return fromTotals(t, labels, options);
}

/**
 * scikit-learn `jaccard_score` on row-major indicator matrices (`rows x numLabels` values of 0
 * or 1, row r's label l at `r * numLabels + l`), every average including "samples": the mean
 * over rows of |true ∩ pred| / |true ∪ pred| over the chosen labels (zero_division for a row
 * with neither), in float64 with NumPy's pairwise sum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sklearnMultilabelJaccardRows } from "./sklearn_multilabel.ts";
 * const yTrue = [1, 1, 0, 1, 0, 0]; // rows [1,1], [0,1], [0,0]
 * const yPred = [1, 0, 0, 1, 0, 0];
 * assert.equal(sklearnMultilabelJaccardRows(yTrue, yPred, 2, { average: "samples" }), (1 / 2 + 1 + 0) / 3);
 * assert.equal(
 *   sklearnMultilabelJaccardRows(yTrue, yPred, 2, { average: "samples", zeroDivision: 1 }),
 *   (1 / 2 + 1 + 1) / 3,
 * );
 * ```
 *
 * @param yTrue True indicators, row-major.
 * @param yPred Predicted indicators, row-major.
 * @param numLabels Columns.
 * @param options average, zero_division, labels, warnings.
 * @returns The float64 score, or one per label for `average: null`.
 * @throws {SklearnError} Where scikit-learn raises.
 */
export function sklearnMultilabelJaccardRows(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numLabels: number,
  options: SklearnMultilabelOptions = {},
): number | number[] {
  const L = numLabels;
  if (!Number.isInteger(L) || L < 1 || yTrue.length !== yPred.length || yTrue.length % L) {
    throw new RangeError(
      `Expected y_true and y_pred of equal length, a multiple of numLabels (${L}), but found ` +
        `${yTrue.length} and ${yPred.length}`,
    );
  }
  const rows = yTrue.length / L;
  const channelFirst = (y: ArrayLike<number>) => {
    const out = new Uint8Array(y.length);
    for (let r = 0; r < rows; r++) {
      for (let l = 0; l < L; l++) {
        const v = y[r * L + l];
        if (v !== 0 && v !== 1) throw new RangeError(`Expected 0 or 1, but found ${v}`);
        out[l * rows + r] = v;
      }
    }
    return out;
  };
  const stats = new MultilabelStats(L);
  if (rows > 0) stats.addImageMasks(channelFirst(yTrue), channelFirst(yPred));
  if (options.average !== "samples") {
    if (rows === 0) check(L, 0, options);
    return sklearnMultilabelJaccard(stats, options);
  }
  if (L === 1) {
    check(2, rows, { ...options, labels: undefined });
    throw new SklearnError(
      "ValueError",
      "Samplewise metrics are not available outside of multilabel classification.",
    );
  }
  const labels = check(L, rows, options);
  const zd = zeroOf(options.zeroDivision);
  const den: number[] = [];
  const jac: number[] = [];
  for (let r = 0; r < rows; r++) {
    let inter = 0, union = 0;
    for (const l of labels) {
      const t = yTrue[r * L + l], p = yPred[r * L + l];
      inter += t & p;
      union += t | p;
    }
    den.push(union);
    jac.push(union === 0 ? zd : inter / union);
  }
  warn(options, den, true);
  return numpySum(jac) / jac.length;
}
