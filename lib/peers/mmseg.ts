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
 * x 100, rounded to 2 decimals. All of this is emulated, and so are mDice, mFscore (with beta),
 * precision, recall, `nan_to_num` on every metric (aAcc included), `reduce_zero_label` and
 * `label_map`: checked bit for bit against the real `IoUMetric` and `LoadAnnotations` code run
 * with torch (`golden/peers/peers-mmseg-1.x.json`, `tools/oracle_mmseg.py`).
 * From exact counts a class stays exact in each image; past 2^24 pixels of one class in one
 * image (torch's float32 histc stops there, per thread chunk), count from the pixels with
 * {@linkcode mmsegIntersectAndUnion} and {@linkcode mmsegSumAreas}.
 *
 * @module
 */

import type { LabelArray } from "../core/labels.ts";
import type { SegmentationStats } from "../core/segmentation_stats.ts";
import { torchSum32 } from "../float32/reduction_order.ts";
import { applyNanToNum, nanmean32, percent2 } from "./_mmseg_shared.ts";
import { torchHistc32, type TorchHistcOptions } from "../float32/torch_histc.ts";

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

/** The four float32 totals `IoUMetric.compute_metrics` sums over the per-image histograms. */
export interface MmsegTotalAreas {
  /** `total_area_intersect`, per class. */
  intersect: number[];
  /** `total_area_union`, per class. */
  union: number[];
  /** `total_area_pred_label`, per class. */
  predLabel: number[];
  /** `total_area_label`, per class. */
  label: number[];
}

/**
 * The float32 totals of mmseg's `IoUMetric`: per image `intersect_and_union` (float32 histograms,
 * union = pred + label - intersect in float32), then Python `sum()` over the images in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { mmsegTotalAreas } from "./mmseg.ts";
 *
 * const stats = new SegmentationStats(2, { ignoreIndex: 255 }).addImage([0, 1, 255], [0, 0, 1]);
 * assert.deepEqual(mmsegTotalAreas(stats), {
 *   intersect: [1, 0],
 *   union: [2, 1],
 *   predLabel: [2, 0],
 *   label: [1, 1],
 * });
 * ```
 *
 * @param stats Per-image exact counts.
 * @returns The four totals, float32 values.
 */
export function mmsegTotalAreas(stats: SegmentationStats): MmsegTotalAreas {
  const C = stats.numClasses;
  const intersect = new Array<number>(C).fill(0);
  const union = new Array<number>(C).fill(0);
  const predLabel = new Array<number>(C).fill(0);
  const label = new Array<number>(C).fill(0);
  stats.forEachImage(({ tp, fp, fn }) => {
    for (let c = 0; c < C; c++) {
      const areaI = f32(tp[c]);
      const areaPred = f32(tp[c] + fp[c]);
      const areaLabel = f32(tp[c] + fn[c]);
      const areaU = f32(f32(areaPred + areaLabel) - areaI);
      intersect[c] = f32(intersect[c] + areaI);
      union[c] = f32(union[c] + areaU);
      predLabel[c] = f32(predLabel[c] + areaPred);
      label[c] = f32(label[c] + areaLabel);
    }
  });
  return { intersect, union, predLabel, label };
}

/**
 * mmseg's `IoUMetric.intersect_and_union` on one image's pixels, exactly as torch computes it:
 * pixels whose label is `ignoreIndex` are dropped, then three float32 `torch.histc` (C bins over
 * [0, C - 1]) of the intersection, the prediction and the label, with torch's thread chunks
 * ({@linkcode torchHistc32}): a class with more than 2^24 pixels in one chunk stops at 2^24.
 * Below that it equals the per-image counts {@linkcode mmsegTotalAreas} uses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mmsegIntersectAndUnion } from "./mmseg.ts";
 *
 * const a = mmsegIntersectAndUnion([0, 1, 1, 7], [0, 1, 0, 255], 2); // pixel 4 ignored
 * assert.deepEqual(a, { intersect: [1, 1], union: [2, 2], predLabel: [1, 2], label: [2, 1] });
 * ```
 *
 * @param pred Predicted class ids of one image (flat).
 * @param label Ground-truth ids (flat, same length).
 * @param numClasses Number of classes C.
 * @param ignoreIndex `ignore_index` (default 255).
 * @param options `threads`: `torch.get_num_threads()` at evaluation (default 1).
 * @returns The image's four float32 areas.
 */
export function mmsegIntersectAndUnion(
  pred: LabelArray,
  label: LabelArray,
  numClasses: number,
  ignoreIndex = 255,
  options: TorchHistcOptions = {},
): MmsegTotalAreas {
  if (pred.length !== label.length) {
    throw new RangeError(
      `Expected pred and label of the same length, but found ${pred.length} and ${label.length}`,
    );
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new RangeError(`Expected numClasses to be an integer >= 2, but found ${numClasses}`);
  }
  let kept = 0;
  let hits = 0;
  for (let i = 0; i < label.length; i++) {
    if (label[i] !== ignoreIndex) {
      kept++;
      if (pred[i] === label[i]) hits++;
    }
  }
  const p = new Float64Array(kept);
  const l = new Float64Array(kept);
  const inter = new Float64Array(hits);
  for (let i = 0, k = 0, h = 0; i < label.length; i++) {
    if (label[i] === ignoreIndex) continue;
    p[k] = pred[i];
    l[k++] = label[i];
    if (pred[i] === label[i]) inter[h++] = pred[i];
  }
  const C = numClasses;
  const intersect = torchHistc32(inter, C, 0, C - 1, options);
  const predLabel = torchHistc32(p, C, 0, C - 1, options);
  const areaLabel = torchHistc32(l, C, 0, C - 1, options);
  const union = predLabel.map((v, c) => f32(f32(v + areaLabel[c]) - intersect[c]));
  return { intersect, union, predLabel, label: areaLabel };
}

/**
 * The dataset totals of `compute_metrics` from per-image areas: Python `sum()` of the float32
 * tensors, image by image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mmsegIntersectAndUnion, mmsegSumAreas } from "./mmseg.ts";
 *
 * const t = mmsegSumAreas([
 *   mmsegIntersectAndUnion([0, 1], [0, 0], 2),
 *   mmsegIntersectAndUnion([1], [1], 2),
 * ]);
 * assert.deepEqual(t.intersect, [1, 1]);
 * ```
 *
 * @param images Areas of each image, in order.
 * @returns The float32 totals.
 */
export function mmsegSumAreas(images: readonly MmsegTotalAreas[]): MmsegTotalAreas {
  const C = images[0]?.intersect.length ?? 0;
  const sum = (key: keyof MmsegTotalAreas) => {
    const out = new Array<number>(C).fill(0);
    for (const img of images) for (let c = 0; c < C; c++) out[c] = f32(out[c] + img[key][c]);
    return out;
  };
  return {
    intersect: sum("intersect"),
    union: sum("union"),
    predLabel: sum("predLabel"),
    label: sum("label"),
  };
}

/** Per-image exact counts, or float32 totals already summed ({@linkcode mmsegSumAreas}). */
export type MmsegSource = SegmentationStats | MmsegTotalAreas;

function totals(source: MmsegSource): MmsegTotalAreas {
  return "intersect" in source ? source : mmsegTotalAreas(source);
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
  const aAcc =
    applyNanToNum([f32(torchSum32(t.intersect) / torchSum32(t.label))], options.nanToNum)[0];
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

/**
 * mmseg 1.x `LoadAnnotations` `label_map`: each ground-truth id `old` becomes `labelMap[old]`,
 * every lookup made on the unmapped copy (so chains such as 1→2, 2→3 do not cascade). Applied
 * after {@linkcode mmsegReduceZeroLabel} when both are set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mmsegLabelMap } from "./mmseg.ts";
 *
 * assert.deepEqual([...mmsegLabelMap([0, 1, 2, 3], { 1: 2, 2: 255 })], [0, 2, 255, 3]);
 * ```
 *
 * @param labels Ground-truth label ids.
 * @param labelMap Old id → new id.
 * @returns The mapped labels.
 */
export function mmsegLabelMap(
  labels: LabelArray,
  labelMap: Readonly<Record<number, number>>,
): Int32Array {
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    out[i] = Object.hasOwn(labelMap, v) ? labelMap[v] : v;
  }
  return out;
}
