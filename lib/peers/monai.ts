/**
 * MONAI profile: `monai.metrics.MeanIoU` (`compute_iou` + `do_metric_reduction`) from
 * per-image counts, for reductions `"mean"` (image-first) and `"mean_batch"` (class-first).
 *
 * MONAI takes one-hot prediction and ground truth; per image and channel it sums
 * intersection and union in the input dtype (float32, exact below 2^24 per image) and divides
 * in float32. `ignore_empty=True` (default) makes a cell NaN whenever its ground truth is empty,
 * even if the class was predicted there (false positives on such images are never penalised);
 * `ignore_empty=False` scores union = 0 as 1. The reductions skip NaN cells; a class or image
 * with no valid cell contributes 0 (not NaN). float32 sums follow PyTorch's CPU order. MONAI
 * cannot be installed here, but its real metric code was run from its source:
 * {@linkcode monaiMetric} (every reduction, the (image, class) table, Dice too) reproduces it bit
 * for bit (golden/peers/peers-monai-metrics.json) and MONAI's own tests are ported
 * (tests/peers/monai_upstream_test.ts); `monaiMeanIoU` and `monaiMeanIoUPerClass` agree with it.
 *
 * @module
 */

import type { SegmentationStats } from "../core/segmentation_stats.ts";
import { MultilabelStats } from "../core/multilabel_stats.ts";
import { torchColumnSums32, torchRowSums32, torchSum32 } from "../float32/reduction_order.ts";

const f32 = Math.fround;

/** Options of the MONAI profiles. */
export interface MonaiMeanIoUOptions {
  /** `include_background` (default true); false drops channel (class) 0. */
  includeBackground?: boolean;
  /** `ignore_empty` (default true). */
  ignoreEmpty?: boolean;
  /** float32 lanes of the CPU that ran torch (default 8, AVX2). */
  vectorWidth?: number;
}

/**
 * Calls `visit` with each image's K float32 cells (NaN where ignore_empty leaves a cell out),
 * in one reused array.
 */
function forEachCellRow(
  stats: SegmentationStats,
  options: MonaiMeanIoUOptions,
  visit: (row: Float32Array, image: number) => void,
): number {
  const start = (options.includeBackground ?? true) ? 0 : 1;
  const ignoreEmpty = options.ignoreEmpty ?? true;
  const K = stats.numClasses - start;
  const row = new Float32Array(K);
  stats.forEachImage(({ tp, fp, fn }, i) => {
    for (let c = start; c < stats.numClasses; c++) {
      const inter = f32(tp[c]);
      const yo = f32(tp[c] + fn[c]);
      const union = f32(f32(yo + f32(tp[c] + fp[c])) - inter);
      if (ignoreEmpty) row[c - start] = yo > 0 ? f32(inter / union) : NaN;
      else row[c - start] = union > 0 ? f32(inter / union) : 1;
    }
    visit(row, i);
  });
  return K;
}

/**
 * MONAI `MeanIoU(reduction="mean")`: per image the mean over its valid channels, then the
 * mean over images that have at least one (image-first). 0 when nothing is valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { monaiMeanIoU } from "./monai.ts";
 *
 * const stats = new SegmentationStats(3)
 *   .addImage([0, 0, 1, 1], [0, 0, 1, 2])   // class 2 predicted, not present: NaN (ignored)
 *   .addImage([1, 1, 1, 1], [1, 1, 1, 1]);
 * assert.equal(monaiMeanIoU(stats), Math.fround((Math.fround(1 + 0.5) / 2 + 1) / 2));
 * // ignore_empty=False: the FP-only cell scores 0, absent cells score 1.
 * assert.equal(
 *   monaiMeanIoU(stats, { ignoreEmpty: false }),
 *   Math.fround(Math.fround(Math.fround(1.5 / 3) + 1) / 2),
 * );
 * ```
 *
 * @param stats Per-image exact counts.
 * @param options include_background, ignore_empty.
 * @returns The float32 result.
 */
export function monaiMeanIoU(stats: SegmentationStats, options: MonaiMeanIoUOptions = {}): number {
  const vw = options.vectorWidth ?? 8;
  const N = stats.numImages;
  if (N === 0) return 0;
  // torch's row sums add each row on its own, so they are taken image by image: one float32
  // per image is kept (the mean over images), not the (image, class) table
  const perImage = new Float32Array(N);
  let images = 0;
  let notNan: Float32Array | undefined, zeroed: Float32Array | undefined;
  forEachCellRow(stats, options, (row, i) => {
    notNan ??= new Float32Array(row.length);
    zeroed ??= new Float32Array(row.length);
    for (let k = 0; k < row.length; k++) {
      const nan = Number.isNaN(row[k]);
      notNan[k] = nan ? 0 : 1;
      zeroed[k] = nan ? 0 : row[k];
    }
    const [count] = torchRowSums32(notNan, 1, row.length, vw);
    const [sum] = torchRowSums32(zeroed, 1, row.length, vw);
    perImage[i] = count > 0 ? f32(sum / count) : 0;
    if (count > 0) images++;
  });
  return images > 0 ? f32(torchSum32(perImage, vw) / images) : 0;
}

/**
 * MONAI `MeanIoU(reduction="mean_batch")`: per class, the mean over images where the cell is
 * valid (class-first before the mean over classes); 0 for a class that is never valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { monaiMeanIoUPerClass } from "./monai.ts";
 *
 * const stats = new SegmentationStats(3)
 *   .addImage([0, 0, 1, 1], [0, 0, 1, 2])
 *   .addImage([1, 1, 1, 1], [1, 1, 1, 1]);
 * assert.deepEqual(monaiMeanIoUPerClass(stats), [1, 0.75, 0]);
 * ```
 *
 * @param stats Per-image exact counts.
 * @param options include_background, ignore_empty.
 * @returns One float32 value per class.
 */
export function monaiMeanIoUPerClass(
  stats: SegmentationStats,
  options: MonaiMeanIoUOptions = {},
): number[] {
  const vw = options.vectorWidth ?? 8;
  const N = stats.numImages;
  const K = stats.numClasses - ((options.includeBackground ?? true) ? 0 : 1);
  if (N === 0) return new Array<number>(K).fill(0);
  // column sums in torch's order need the whole (image, class) table: float32, 4 bytes a cell
  const notNan = new Float32Array(N * K);
  const zeroed = new Float32Array(N * K);
  forEachCellRow(stats, options, (row, i) => {
    for (let k = 0; k < K; k++) {
      const nan = Number.isNaN(row[k]);
      notNan[i * K + k] = nan ? 0 : 1;
      zeroed[i * K + k] = nan ? 0 : row[k];
    }
  });
  const counts = torchColumnSums32(notNan, N, K, vw);
  const sums = torchColumnSums32(zeroed, N, K, vw);
  return sums.map((s, c) => counts[c] > 0 ? f32(s / counts[c]) : 0);
}

/** `MetricReduction` of MONAI: how `do_metric_reduction` reduces the (image, class) table. */
export type MonaiReduction =
  | "none"
  | "mean"
  | "sum"
  | "mean_batch"
  | "sum_batch"
  | "mean_channel"
  | "sum_channel";

const MONAI_REDUCTIONS: readonly MonaiReduction[] = [
  "none",
  "mean",
  "sum",
  "mean_batch",
  "sum_batch",
  "mean_channel",
  "sum_channel",
];

/** Options of {@linkcode monaiMetric} and {@linkcode monaiTable}. */
export interface MonaiMetricOptions extends MonaiMeanIoUOptions {
  /** `"iou"` (`MeanIoU`, default) or `"dice"` (`DiceMetric`). */
  metric?: "iou" | "dice";
  /** `reduction` (default `"mean"`). */
  reduction?: MonaiReduction;
}

/** What `aggregate()` of MONAI `MeanIoU` / `DiceMetric` with `get_not_nans=True` returns. */
export interface MonaiMetricResult {
  /** The float32 (image, class) table of `compute_iou` / `DiceHelper`, NaN where ignored. */
  table: number[][];
  /** The reduced float32 metric: the table for `none`, a row of classes for `*_batch`, a row of images for `*_channel`, a number for `mean` and `sum`. */
  value: number | number[] | number[][];
  /** `not_nans`, the same shape as `value`: the count of non-NaN cells behind each value (for `mean`, the images with one). */
  notNans: number | number[] | number[][];
}

function multilabelOf(stats: MultilabelStats | SegmentationStats): MultilabelStats {
  return stats instanceof MultilabelStats ? stats : MultilabelStats.fromSegmentationStats(stats);
}

/**
 * The float32 (image, class) table MONAI computes before any reduction, from per-image one-hot
 * (or multi-hot) counts: `compute_iou` (`MeanIoU`) or `DiceHelper.compute_channel`
 * (`DiceMetric`), channel 0 dropped when `includeBackground` is false and there are 2+ channels.
 * IoU = I / (|y| + |ŷ| - I), Dice = 2I / (|y| + |ŷ|), both in float32 (exact sums below 2^24
 * pixels per image and class). Empty ground truth: NaN with `ignoreEmpty` (default), else 1
 * when the prediction is empty too and 0 otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultilabelStats, monaiTable } from "../../mod.ts";
 *
 * // 2 channels, 4 pixels; channel 1 has no ground truth
 * const stats = new MultilabelStats(2).addImageMasks([1, 1, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0]);
 * assert.deepEqual(monaiTable(stats), [[0.5, NaN]]);
 * assert.deepEqual(monaiTable(stats, { metric: "dice", ignoreEmpty: false }), [[Math.fround(2 / 3), 0]]);
 * ```
 *
 * @param stats Per-image counts: multi-hot masks, or index maps (as their one-hot masks).
 * @param options metric, include_background, ignore_empty.
 * @returns One row of float32 values per image.
 */
export function monaiTable(
  stats: MultilabelStats | SegmentationStats,
  options: MonaiMetricOptions = {},
): number[][] {
  const ml = multilabelOf(stats);
  const dice = (options.metric ?? "iou") === "dice";
  if (!dice && (options.metric ?? "iou") !== "iou") {
    throw new RangeError(`Expected metric to be "iou" or "dice", but found ${options.metric}`);
  }
  const ignoreEmpty = options.ignoreEmpty ?? true;
  const start = (options.includeBackground ?? true) || ml.numClasses === 1 ? 0 : 1;
  const rows: number[][] = [];
  for (let i = 0; i < ml.numImages; i++) {
    const { tp, fp, fn } = ml.image(i);
    const row: number[] = [];
    for (let c = start; c < ml.numClasses; c++) {
      const inter = f32(tp[c]);
      const yo = f32(tp[c] + fn[c]);
      const po = f32(tp[c] + fp[c]);
      const sum = f32(yo + po);
      if (dice) {
        if (yo > 0) row.push(f32(f32(2 * inter) / sum));
        else row.push(ignoreEmpty ? NaN : sum <= 0 ? 1 : 0);
      } else {
        const union = f32(sum - inter);
        if (ignoreEmpty) row.push(yo > 0 ? f32(inter / union) : NaN);
        else row.push(union > 0 ? f32(inter / union) : 1);
      }
    }
    rows.push(row);
  }
  return rows;
}

function colSums(x: Float32Array, n: number, k: number, vw: number): number[] {
  return k === 1 ? [torchSum32(x, vw)] : torchColumnSums32(x, n, k, vw);
}

/**
 * MONAI `do_metric_reduction(f, reduction)` on a float32 (image, class) table: NaN cells are
 * left out (set to 0, not counted); `mean` averages each image over its valid classes, then the
 * images that have one; `sum` adds every cell; `*_batch` reduce over images (one value per
 * class), `*_channel` over classes (one per image); a mean with no valid cell is 0. float32
 * sums in PyTorch's CPU order. Returns the value and `not_nans`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { monaiReduce } from "../../mod.ts";
 *
 * const table = [[0.5, NaN], [1, 0.25]];
 * assert.deepEqual(monaiReduce(table, "mean"), { value: Math.fround((0.5 + 0.625) / 2), notNans: 2 });
 * assert.deepEqual(monaiReduce(table, "mean_batch"), { value: [0.75, 0.25], notNans: [2, 1] });
 * assert.deepEqual(monaiReduce(table, "sum_channel"), { value: [0.5, 1.25], notNans: [1, 2] });
 * ```
 *
 * @param table The (image, class) table, rows of equal length.
 * @param reduction One of MONAI's `MetricReduction` values.
 * @param vectorWidth float32 lanes of the CPU that ran torch (default 8, AVX2).
 * @returns The reduced value and its `not_nans`.
 */
export function monaiReduce(
  table: readonly (readonly number[])[],
  reduction: MonaiReduction,
  vectorWidth = 8,
): Pick<MonaiMetricResult, "value" | "notNans"> {
  if (!MONAI_REDUCTIONS.includes(reduction)) {
    throw new RangeError(
      `Expected reduction to be one of ${MONAI_REDUCTIONS.join(", ")}, but found ${reduction}`,
    );
  }
  const N = table.length;
  const K = N > 0 ? table[0].length : 0;
  if (reduction === "none") {
    return {
      value: table.map((r) => r.map(f32)),
      notNans: table.map((r) => r.map((v) => Number.isNaN(v) ? 0 : 1)),
    };
  }
  const zeroed = new Float32Array(N * K);
  const valid = new Float64Array(N * K);
  table.forEach((r, i) => {
    if (r.length !== K) {
      throw new RangeError(`Expected every row to have ${K} values, but row ${i} has ${r.length}`);
    }
    r.forEach((v, k) => {
      if (!Number.isNaN(v)) {
        zeroed[i * K + k] = v;
        valid[i * K + k] = 1;
      }
    });
  });
  const rowCounts = Array.from({ length: N }, (_, i) => {
    let s = 0;
    for (let k = 0; k < K; k++) s += valid[i * K + k];
    return s;
  });
  const colCounts = Array.from({ length: K }, (_, k) => {
    let s = 0;
    for (let i = 0; i < N; i++) s += valid[i * K + k];
    return s;
  });
  const rowSums = () => torchRowSums32(zeroed, N, K, vectorWidth);
  const mean = (s: number[], c: number[]) => s.map((v, j) => c[j] > 0 ? f32(v / c[j]) : 0);
  switch (reduction) {
    case "sum":
      return {
        value: torchSum32(zeroed, vectorWidth),
        notNans: rowCounts.reduce((a, b) => a + b, 0),
      };
    case "sum_batch":
      return { value: colSums(zeroed, N, K, vectorWidth), notNans: colCounts };
    case "mean_batch":
      return { value: mean(colSums(zeroed, N, K, vectorWidth), colCounts), notNans: colCounts };
    case "sum_channel":
      return { value: rowSums(), notNans: rowCounts };
    case "mean_channel":
      return { value: mean(rowSums(), rowCounts), notNans: rowCounts };
    default: {
      const perImage = mean(rowSums(), rowCounts);
      const images = rowCounts.filter((c) => c > 0).length;
      return {
        value: images > 0 ? f32(torchSum32(perImage, vectorWidth) / images) : 0,
        notNans: images,
      };
    }
  }
}

/**
 * MONAI `MeanIoU` or `DiceMetric` with `get_not_nans=True`, on multi-hot masks
 * (`MultilabelStats`) or index maps (`SegmentationStats`, as their one-hot masks): the
 * (image, class) table ({@linkcode monaiTable}) and `aggregate()`'s value and `not_nans`
 * ({@linkcode monaiReduce}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { monaiMetric, SegmentationStats } from "../../mod.ts";
 *
 * const stats = new SegmentationStats(3)
 *   .addImage([0, 0, 1, 1], [0, 0, 1, 2])
 *   .addImage([1, 1, 1, 1], [1, 1, 1, 1]);
 * const r = monaiMetric(stats, { reduction: "mean_batch" });
 * assert.deepEqual(r.table, [[1, 0.5, NaN], [NaN, 1, NaN]]);
 * assert.deepEqual(r.value, [1, 0.75, 0]);
 * assert.deepEqual(r.notNans, [1, 2, 0]);
 * ```
 *
 * @param stats Per-image counts.
 * @param options metric, reduction, include_background, ignore_empty.
 * @returns The table, the reduced value and not_nans.
 */
export function monaiMetric(
  stats: MultilabelStats | SegmentationStats,
  options: MonaiMetricOptions = {},
): MonaiMetricResult {
  const table = monaiTable(stats, options);
  return { table, ...monaiReduce(table, options.reduction ?? "mean", options.vectorWidth ?? 8) };
}
