/**
 * mmsegmentation profile: `IoUMetric` (mmseg 1.x, `mmseg/evaluation/metrics/iou_metric.py`)
 * from per-image counts.
 *
 * Per image, mmseg counts with `torch.histc` into float32 areas (intersection, union,
 * prediction, label) after dropping pixels whose label is `ignore_index` (default 255); a
 * prediction outside [0, C) falls out of the histogram and so counts as FN of the true class
 * (this toolkit's `outOfRange: "miss"`). The dataset totals are Python sums of the per-image
 * float32 tensors (float32, rounded once a total passes 2^24), IoU = I / U in float32, and the
 * summary is NumPy's float32 `nanmean` (absent classes excluded; FP-only classes count 0),
 * x 100, rounded to 2 decimals. All of this is emulated. mmseg cannot be installed here: this
 * profile follows the library's source and is tested on hand-worked examples, not real runs.
 * Not emulated: a single image with more than 2^24 pixels of one class (histc saturates).
 *
 * @module
 */

import type { LabelArray } from "../core/labels.ts";
import type { SegmentationStats } from "../core/segmentation_stats.ts";
import { numpySum, torchSum32 } from "../float32/reduction_order.ts";

const f32 = Math.fround;

/** Options of the mmsegmentation profiles. */
export interface MmsegIoUOptions {
  /** `nan_to_num`: replaces NaN per-class values before averaging (then they are included). */
  nanToNum?: number | null;
}

/** What `IoUMetric.compute_metrics` reports (percentages rounded to 2 decimals, float32). */
export interface MmsegIoUReport {
  /** Pixel accuracy over non-ignored pixels, percent. */
  aAcc: number;
  /** nanmean of per-class IoU, percent. */
  mIoU: number;
  /** nanmean of per-class accuracy (recall), percent. */
  mAcc: number;
  /** Per-class IoU, percent (NaN for absent classes unless nanToNum). */
  perClassIoU: number[];
  /** Per-class accuracy, percent. */
  perClassAcc: number[];
}

interface Totals {
  intersect: number[];
  union: number[];
  label: number[];
}

function totals(stats: SegmentationStats): Totals {
  const C = stats.numClasses;
  const intersect = new Array<number>(C).fill(0);
  const union = new Array<number>(C).fill(0);
  const label = new Array<number>(C).fill(0);
  stats.forEachImage(({ tp, fp, fn }) => {
    for (let c = 0; c < C; c++) {
      const areaI = f32(tp[c]);
      const areaPred = f32(tp[c] + fp[c]);
      const areaLabel = f32(tp[c] + fn[c]);
      const areaU = f32(f32(areaPred + areaLabel) - areaI);
      intersect[c] = f32(intersect[c] + areaI);
      union[c] = f32(union[c] + areaU);
      label[c] = f32(label[c] + areaLabel);
    }
  });
  return { intersect, union, label };
}

function applyNanToNum(values: number[], nanToNum: number | null | undefined): number[] {
  if (nanToNum === null || nanToNum === undefined) return values;
  return values.map((v) => Number.isNaN(v) ? f32(nanToNum) : v);
}

/** NumPy float32 `nanmean`. */
function nanmean32(values: number[]): number {
  const kept = values.filter((v) => !Number.isNaN(v));
  if (kept.length === 0) return NaN;
  return f32(numpySum(values.map((v) => Number.isNaN(v) ? 0 : v), true) / kept.length);
}

/** `np.round(x * 100, 2)` on a float32 value. */
function percent2(x: number): number {
  const y = f32(f32(x * 100) * 100);
  const r = Math.round(y);
  const even = Math.abs(y - Math.trunc(y)) === 0.5 ? 2 * Math.round(y / 2) : r; // rint: ties to even
  return f32(even / 100);
}

/**
 * Per-class float32 IoU of mmseg's `IoUMetric` (NaN for classes with union 0 unless nanToNum).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { mmsegPerClassIoU } from "./mmseg.ts";
 *
 * const stats = new SegmentationStats(3, { ignoreIndex: 255 })
 *   .addImage([0, 0, 1, 255], [0, 1, 1, 2]);
 * assert.deepEqual(mmsegPerClassIoU(stats), [0.5, 0.5, NaN]);
 * ```
 *
 * @param stats Per-image exact counts (ignore label 255 for mmseg's default).
 * @param options nan_to_num.
 * @returns One float32 value per class, as a fraction.
 */
export function mmsegPerClassIoU(
  stats: SegmentationStats,
  options: MmsegIoUOptions = {},
): number[] {
  const t = totals(stats);
  return applyNanToNum(t.intersect.map((v, c) => f32(v / t.union[c])), options.nanToNum);
}

/**
 * mmseg `IoUMetric` mIoU as a fraction: float32 nanmean of the per-class float32 IoU
 * (before the x 100 and rounding of the report; see {@linkcode mmsegIoUReport}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { mmsegMeanIoU } from "./mmseg.ts";
 *
 * const stats = new SegmentationStats(3, { ignoreIndex: 255 })
 *   .addImage([0, 0, 1, 255], [0, 1, 1, 2]);
 * assert.equal(mmsegMeanIoU(stats), 0.5); // class 2 absent: excluded
 * assert.equal(mmsegMeanIoU(stats, { nanToNum: 0 }), Math.fround(1 / 3));
 * ```
 *
 * @param stats Per-image exact counts.
 * @param options nan_to_num.
 * @returns The float32 mean, a fraction.
 */
export function mmsegMeanIoU(stats: SegmentationStats, options: MmsegIoUOptions = {}): number {
  return nanmean32(mmsegPerClassIoU(stats, options));
}

/**
 * The summary mmseg logs: aAcc, mIoU, mAcc in percent rounded to 2 decimals, and the
 * per-class table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { mmsegIoUReport } from "./mmseg.ts";
 *
 * const stats = new SegmentationStats(3).addImage([0, 0, 1, 1, 1], [0, 1, 1, 1, 2]);
 * const r = mmsegIoUReport(stats);
 * // IoU: class 0 = 1/2, class 1 = 2/4, class 2 = 0 (predicted only, counted).
 * assert.equal(r.aAcc, 60); // 3 of 5 pixels
 * assert.equal(r.mIoU, Math.fround(33.33));
 * assert.equal(r.mAcc, Math.fround(58.33)); // class 2 has no label pixels: NaN, excluded
 * ```
 *
 * @param stats Per-image exact counts.
 * @param options nan_to_num.
 * @returns The report.
 */
export function mmsegIoUReport(
  stats: SegmentationStats,
  options: MmsegIoUOptions = {},
): MmsegIoUReport {
  const t = totals(stats);
  const iou = applyNanToNum(t.intersect.map((v, c) => f32(v / t.union[c])), options.nanToNum);
  const acc = applyNanToNum(t.intersect.map((v, c) => f32(v / t.label[c])), options.nanToNum);
  const aAcc = f32(torchSum32(t.intersect) / torchSum32(t.label));
  return {
    aAcc: percent2(aAcc),
    mIoU: percent2(nanmean32(iou)),
    mAcc: percent2(nanmean32(acc)),
    perClassIoU: iou.map(percent2),
    perClassAcc: acc.map(percent2),
  };
}

/**
 * mmseg's `reduce_zero_label` (1.x `LoadAnnotations`): label 0 becomes the ignore label 255,
 * every other label moves down by one, and 255 stays 255. Apply it to the ground truth only
 * (predictions are already in the reduced space), then count with `ignoreIndex: 255`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mmsegReduceZeroLabel } from "./mmseg.ts";
 *
 * assert.deepEqual([...mmsegReduceZeroLabel([0, 1, 2, 255])], [255, 0, 1, 255]);
 * ```
 *
 * @param labels Ground-truth label ids.
 * @returns The reduced labels.
 */
export function mmsegReduceZeroLabel(labels: LabelArray): Int32Array {
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    const shifted = v === 0 ? 255 : v - 1;
    out[i] = shifted === 254 ? 255 : shifted;
  }
  return out;
}
