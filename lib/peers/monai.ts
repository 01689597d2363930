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
 * cannot be installed here: this profile follows the library's source and is tested on
 * hand-worked examples (docs/libraries.md, worked example), not on real runs.
 *
 * @module
 */

import type { SegmentationStats } from "../core/segmentation_stats.ts";
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
