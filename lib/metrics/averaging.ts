/**
 * The averaging engine behind every "mean" score: which counts are pooled (dataset, image,
 * batch), which classes count (absent, empty ground truth, a subset), and how the per-class
 * ratio is smoothed. IoU and Dice are both ratios of counts, so they share it.
 *
 * @module
 */

import { batchSizeList as batchSizes } from "../core/batches.ts";
import { type ClassCounts, ConfusionMatrix } from "../core/confusion_matrix.ts";
import { SegmentationStats } from "../core/segmentation_stats.ts";

/**
 * Where the counts are pooled before the ratio is taken, and how the ratios are averaged.
 *
 * | average | formula |
 * |---|---|
 * | `"dataset"` | mean over classes c of S(TP_c, FP_c, FN_c), counts summed over the dataset |
 * | `"micro"` | S(Σ_c TP_c, Σ_c FP_c, Σ_c FN_c), one ratio over all classes |
 * | `"weighted"` | Σ_c w_c S_c / Σ_c w_c with w_c = TP_c + FN_c (true-class support; fwIoU) |
 * | `"image-first"` | mean over images i of (mean over classes c of S_ic) |
 * | `"image-micro"` | mean over images i of S(Σ_c TP_ic, Σ_c FP_ic, Σ_c FN_ic) |
 * | `"class-first"` | mean over classes c of (mean over images i of S_ic) |
 * | `"pair-mean"` | mean over every valid (image, class) pair of S_ic |
 * | `"per-batch"` | mean over batches b of ("dataset" on the images of b) |
 */
export type Average =
  | "dataset"
  | "micro"
  | "weighted"
  | "image-first"
  | "image-micro"
  | "class-first"
  | "pair-mean"
  | "per-batch";

/**
 * The averages that read per-image counts and so need `SegmentationStats`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { IMAGE_AVERAGES } from "./averaging.ts";
 * import { meanIoU } from "./mean_iou.ts";
 *
 * const stats = new SegmentationStats(2).addImage([0, 1], [0, 1]).addImage([1, 1], [1, 0]);
 * const cm = new ConfusionMatrix(2).update([0, 1, 1, 1], [0, 1, 1, 0]);
 * for (const average of IMAGE_AVERAGES) {
 *   const batchSize = average === "per-batch" ? 1 : undefined;
 *   assert.equal(Number.isFinite(meanIoU(stats, { average, batchSize })), true);
 *   assert.throws(() => meanIoU(cm, { average }), /needs per-image counts/);
 * }
 * assert.equal(meanIoU(cm), meanIoU(stats)); // "dataset" reads either
 * ```
 */
export const IMAGE_AVERAGES: readonly Average[] = [
  "image-first",
  "image-micro",
  "class-first",
  "pair-mean",
  "per-batch",
];

const AVERAGES: readonly Average[] = [
  "dataset",
  "micro",
  "weighted",
  ...IMAGE_AVERAGES,
];

/**
 * Options shared by `meanIoU`, `perClassIoU`, `meanDice` and `perClassDice`.
 * Defaults give the dataset mean IoU of mmsegmentation, detectron2 v0.6, Cityscapes,
 * torchmetrics `JaccardIndex` (>= 1.0) and, up to its epsilon, Keras `MeanIoU`.
 */
export interface AveragingOptions {
  /** Pooling and averaging level; see {@linkcode Average}. Default `"dataset"`. */
  average?: Average;
  /**
   * A class whose union TP + FP + FN is 0 at the level being averaged (0/0):
   * `"exclude"` (default) leaves it out of the mean; `"zero"` and `"one"` count it as 0 or 1;
   * `"nan"` counts it as NaN, which makes the mean NaN.
   */
  absent?: "exclude" | "zero" | "one" | "nan";
  /**
   * A class with no true pixel (TP + FN = 0) at the level being averaged: `"count"` (default)
   * scores it by the formula (0 when predicted, the absent rule when not); `"skip"` leaves it
   * out even when predicted (detectron2 main at dataset level, MONAI `ignore_empty` per image).
   * `"skip"` takes precedence over `absent`; with `"micro"` the skipped classes' counts leave
   * the sums, and when no class is left the result is NaN.
   */
  emptyGroundTruth?: "count" | "skip";
  /** Added to numerator and denominator: (I + smooth) / (U + smooth). Default 0. */
  smooth?: number;
  /** Added to the denominator only: I / (U + epsilon) (Keras 3 uses 1e-7). Default 0. */
  epsilon?: number;
  /** The classes that take part (default: all); the others are left out of every sum. */
  classes?: readonly number[];
  /** With `"per-batch"`: one batch size for all batches, or the list of sizes in order. */
  batchSize?: number | readonly number[];
}

/** The per-class ratio S: numerator and denominator from TP, FP, FN. */
export interface Ratio {
  /** Name used in error messages ("IoU", "Dice"). */
  name: string;
  /** Numerator of the ratio. */
  numerator(tp: number, fp: number, fn: number): number;
  /** Denominator of the ratio; 0 exactly when TP + FP + FN = 0. */
  denominator(tp: number, fp: number, fn: number): number;
}

interface Resolved {
  average: Average;
  absent: "exclude" | "zero" | "one" | "nan";
  skipEmpty: boolean;
  smooth: number;
  epsilon: number;
  classes: number[];
  batchSizes: number[];
}

/** Either kind of state. */
export type Stats = SegmentationStats | ConfusionMatrix;

/** `undefined` marks a class (or image, batch) that the policy leaves out of a mean. */
type Score = number | undefined;

/**
 * The mean score under the options: the heart of `meanIoU` and `meanDice`, and the way to
 * average any other per-class ratio of TP, FP and FN by the same definitions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { meanScore, type Ratio } from "./averaging.ts";
 *
 * // The Tversky index, which weighs false negatives more than false positives.
 * const tversky: Ratio = {
 *   name: "Tversky",
 *   numerator: (tp) => tp,
 *   denominator: (tp, fp, fn) => tp + 0.3 * fp + 0.7 * fn,
 * };
 * const cm = new ConfusionMatrix(2).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * // class 0: TP 2, FP 1, FN 0; class 1: TP 1, FP 0, FN 1
 * assert.equal(meanScore(cm, tversky), (2 / (2 + 0.3) + 1 / (1 + 0.7)) / 2);
 * assert.equal(meanScore(cm, tversky, { average: "micro" }), 3 / (3 + 0.3 + 0.7));
 * ```
 *
 * @param stats The exact state.
 * @param ratio The per-class ratio.
 * @param options Averaging options.
 * @returns The mean, or NaN when nothing is left to average.
 */
export function meanScore(stats: Stats, ratio: Ratio, options: AveragingOptions = {}): number {
  const o = resolve(stats, options);
  const dataset = () => datasetCounts(stats);
  switch (o.average) {
    case "dataset":
      return orNaN(mean(classScores(dataset(), ratio, o)));
    case "micro":
      return orNaN(microScore(dataset(), ratio, o));
    case "weighted":
      return orNaN(weightedScore(dataset(), ratio, o));
    case "image-first":
      return orNaN(meanOverImages(stats, (c, m) => m.add(mean(classScores(c, ratio, o)))));
    case "image-micro":
      return orNaN(meanOverImages(stats, (c, m) => m.add(microScore(c, ratio, o))));
    case "class-first":
      return orNaN(mean(classFirstScores(stats, ratio, o)));
    case "pair-mean":
      return orNaN(meanOverImages(stats, (c, m) => {
        for (const k of o.classes) m.add(score(ratio, c.tp[k], c.fp[k], c.fn[k], o));
      }));
    case "per-batch": {
      const m = new RunningMean();
      forEachBatch(stats, o, (c) => m.add(mean(classScores(c, ratio, o))));
      return orNaN(m.value());
    }
  }
}

/**
 * The mean of defined scores added one by one: the same additions, in the same order, as
 * `mean` over the array of them, so the result is bit for bit the same without the array.
 */
class RunningMean {
  #sum = 0;
  #n = 0;
  add(v: Score): void {
    if (v === undefined) return;
    this.#sum += v;
    this.#n++;
  }
  value(): Score {
    return this.#n === 0 ? undefined : this.#sum / this.#n;
  }
}

/** The running mean of what `visit` adds for each image, read in reused arrays. */
function meanOverImages(
  stats: Stats,
  visit: (counts: ClassCounts, mean: RunningMean) => void,
): Score {
  const m = new RunningMean();
  (stats as SegmentationStats).forEachImage((c) => visit(c, m));
  return m.value();
}

/**
 * The score of each class under the options (`NaN` where the policy leaves a class out), in
 * the order of `options.classes` (default 0..C-1). Defined for `"dataset"` (dataset counts) and
 * `"class-first"` (each class's mean over images).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { perClassScore, type Ratio } from "./averaging.ts";
 *
 * const tversky: Ratio = {
 *   name: "Tversky",
 *   numerator: (tp) => tp,
 *   denominator: (tp, fp, fn) => tp + 0.3 * fp + 0.7 * fn,
 * };
 * const stats = new SegmentationStats(2)
 *   .addImage([0, 0, 1, 1], [0, 0, 1, 0]) // class 0: TP 2, FP 1, FN 0; class 1: TP 1, FN 1
 *   .addImage([0, 0, 0, 0], [0, 1, 1, 1]); // class 0: TP 1, FN 3; class 1: FP 3
 * assert.deepEqual(perClassScore(stats, tversky), [
 *   3 / (3 + 0.3 * 1 + 0.7 * 3),
 *   1 / (1 + 0.3 * 3 + 0.7 * 1),
 * ]);
 * assert.deepEqual(perClassScore(stats, tversky, { average: "class-first" }), [
 *   (2 / (2 + 0.3) + 1 / (1 + 0.7 * 3)) / 2,
 *   (1 / (1 + 0.7) + 0) / 2,
 * ]);
 * assert.throws(
 *   () => perClassScore(stats, tversky, { average: "micro" }),
 *   /"dataset" or "class-first"/,
 * );
 * ```
 *
 * @param stats The exact state.
 * @param ratio The per-class ratio.
 * @param options Averaging options.
 * @returns One score per class.
 */
export function perClassScore(
  stats: Stats,
  ratio: Ratio,
  options: AveragingOptions = {},
): number[] {
  const o = resolve(stats, options);
  let scores: Score[];
  if (o.average === "dataset") scores = classScores(datasetCounts(stats), ratio, o);
  else if (o.average === "class-first") scores = classFirstScores(stats, ratio, o);
  else {
    throw new RangeError(
      `Expected average "dataset" or "class-first" for per-class ${ratio.name}, but found "${o.average}"`,
    );
  }
  return scores.map(orNaN);
}

function resolve(stats: Stats, options: AveragingOptions): Resolved {
  if (!(stats instanceof SegmentationStats) && !(stats instanceof ConfusionMatrix)) {
    throw new TypeError("Expected stats to be a SegmentationStats or a ConfusionMatrix");
  }
  const average = options.average ?? "dataset";
  if (!AVERAGES.includes(average)) {
    throw new RangeError(
      `Expected average to be one of ${
        AVERAGES.map((a) => `"${a}"`).join(", ")
      }, but found "${average}"`,
    );
  }
  if (IMAGE_AVERAGES.includes(average) && !(stats instanceof SegmentationStats)) {
    throw new TypeError(
      `Expected SegmentationStats for average "${average}" (it needs per-image counts), but found a ConfusionMatrix`,
    );
  }
  const absent = options.absent ?? "exclude";
  if (!["exclude", "zero", "one", "nan"].includes(absent)) {
    throw new RangeError(
      `Expected absent to be "exclude", "zero", "one" or "nan", but found "${absent}"`,
    );
  }
  const empty = options.emptyGroundTruth ?? "count";
  if (empty !== "count" && empty !== "skip") {
    throw new RangeError(`Expected emptyGroundTruth to be "count" or "skip", but found "${empty}"`);
  }
  const smooth = nonNegative("smooth", options.smooth ?? 0);
  const epsilon = nonNegative("epsilon", options.epsilon ?? 0);
  const C = stats.numClasses;
  const classes = options.classes === undefined
    ? Array.from({ length: C }, (_, c) => c)
    : [...options.classes];
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c >= C) {
      throw new RangeError(`Expected classes to hold class ids in [0, ${C}), but found ${c}`);
    }
  }
  if (new Set(classes).size !== classes.length) {
    throw new RangeError(`Expected classes without repeats, but found [${classes.join(", ")}]`);
  }
  let batchSizes: number[] = [];
  if (average === "per-batch") {
    batchSizes = batchSizeList(options.batchSize, (stats as SegmentationStats).numImages);
  } else if (options.batchSize !== undefined) {
    throw new RangeError(
      `Expected batchSize only with average "per-batch", but found "${average}"`,
    );
  }
  return { average, absent, skipEmpty: empty === "skip", smooth, epsilon, classes, batchSizes };
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0 && value < Infinity)) {
    throw new RangeError(`Expected ${name} to be a finite number >= 0, but found ${value}`);
  }
  return value;
}

function batchSizeList(batchSize: number | readonly number[] | undefined, n: number): number[] {
  if (batchSize === undefined) {
    throw new RangeError('Expected batchSize (a number or a list) with average "per-batch"');
  }
  return batchSizes(batchSize, n);
}

function datasetCounts(stats: Stats): ClassCounts {
  return (stats instanceof SegmentationStats ? stats.confusionMatrix : stats).classCounts();
}

/**
 * Calls `visit` with each batch's summed counts (one reused set of arrays), the images added in
 * order from 0 as the array version did: the same float64 additions, so the same sums.
 */
function forEachBatch(stats: Stats, o: Resolved, visit: (counts: ClassCounts) => void): void {
  const C = stats.numClasses;
  const sum = { tp: new Float64Array(C), fp: new Float64Array(C), fn: new Float64Array(C) };
  let batch = 0;
  let inBatch = 0;
  const sizes = o.batchSizes;
  (stats as SegmentationStats).forEachImage((image) => {
    for (let c = 0; c < C; c++) {
      sum.tp[c] += image.tp[c];
      sum.fp[c] += image.fp[c];
      sum.fn[c] += image.fn[c];
    }
    if (++inBatch === sizes[batch]) {
      visit(sum);
      sum.tp.fill(0);
      sum.fp.fill(0);
      sum.fn.fill(0);
      batch++;
      inBatch = 0;
    }
  });
}

/** S for one set of summed counts, or the absent rule when the union is 0. */
function score(ratio: Ratio, tp: number, fp: number, fn: number, o: Resolved): Score {
  if (o.skipEmpty && tp + fn === 0) return undefined;
  if (tp + fp + fn === 0) {
    return o.absent === "exclude"
      ? undefined
      : o.absent === "zero"
      ? 0
      : o.absent === "one"
      ? 1
      : NaN;
  }
  return (ratio.numerator(tp, fp, fn) + o.smooth) /
    (ratio.denominator(tp, fp, fn) + o.smooth + o.epsilon);
}

function classScores(c: ClassCounts, ratio: Ratio, o: Resolved): Score[] {
  return o.classes.map((k) => score(ratio, c.tp[k], c.fp[k], c.fn[k], o));
}

function microScore(c: ClassCounts, ratio: Ratio, o: Resolved): Score {
  let tp = 0, fp = 0, fn = 0;
  for (const k of o.classes) {
    if (o.skipEmpty && c.tp[k] + c.fn[k] === 0) continue;
    tp += c.tp[k];
    fp += c.fp[k];
    fn += c.fn[k];
  }
  return score(ratio, tp, fp, fn, o);
}

function weightedScore(c: ClassCounts, ratio: Ratio, o: Resolved): Score {
  let sum = 0;
  let weights = 0;
  for (const k of o.classes) {
    const w = c.tp[k] + c.fn[k];
    const s = score(ratio, c.tp[k], c.fp[k], c.fn[k], o);
    if (w === 0 || s === undefined) continue; // no support: weight 0 whatever the policy
    sum += w * s;
    weights += w;
  }
  return weights === 0 ? undefined : sum / weights;
}

function classFirstScores(stats: Stats, ratio: Ratio, o: Resolved): Score[] {
  // one running mean per class, each fed its images in order: the additions of the array form
  const means = o.classes.map(() => new RunningMean());
  (stats as SegmentationStats).forEachImage((c) => {
    for (let j = 0; j < o.classes.length; j++) {
      const k = o.classes[j];
      means[j].add(score(ratio, c.tp[k], c.fp[k], c.fn[k], o));
    }
  });
  return means.map((m) => m.value());
}

/** Mean of the defined scores, in order; undefined when none is defined. */
function mean(values: Score[]): Score {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v === undefined) continue;
    sum += v;
    n++;
  }
  return n === 0 ? undefined : sum / n;
}

function orNaN(value: Score): number {
  return value === undefined ? NaN : value;
}
