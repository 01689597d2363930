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
 * Not emulated: a single image with more than 2^24 pixels of one class (float32 histc counts).
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

const totals = mmsegTotalAreas;

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

/** The metric groups `IoUMetric(iou_metrics=...)` accepts. */
export type MmsegMetricName = "mIoU" | "mDice" | "mFscore";

/** Options of {@linkcode mmsegTotalAreaToMetrics} and {@linkcode mmsegComputeMetrics}. */
export interface MmsegMetricsOptions extends MmsegIoUOptions {
  /** `iou_metrics`, in order (default `["mIoU"]`). */
  metrics?: readonly MmsegMetricName[];
  /** `beta` of the F-score (default 1). */
  beta?: number;
}

/**
 * What `IoUMetric.total_area_to_metrics` returns: float32 fractions, per class except `aAcc`.
 * A key is present when one of the requested metric groups produces it.
 */
export interface MmsegRawMetrics {
  /** ΣI / Σlabel over classes (torch float32 sums). */
  aAcc: number;
  /** I / U (mIoU). */
  IoU?: number[];
  /** I / label (mIoU or mDice). */
  Acc?: number[];
  /** 2I / (pred + label) (mDice). */
  Dice?: number[];
  /** (1 + β²)·P·R / (β²·P + R) (mFscore). */
  Fscore?: number[];
  /** I / pred (mFscore). */
  Precision?: number[];
  /** I / label (mFscore). */
  Recall?: number[];
}

const METRIC_NAMES: readonly MmsegMetricName[] = ["mIoU", "mDice", "mFscore"];

/**
 * mmseg's `IoUMetric.total_area_to_metrics` on the float32 totals: every per-class metric as a
 * float32 fraction, `nan_to_num` applied to every entry (aAcc included) when given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { mmsegTotalAreaToMetrics } from "./mmseg.ts";
 *
 * // Every ground-truth pixel is ignored: aAcc is 0/0.
 * const stats = new SegmentationStats(2, { ignoreIndex: 255 }).addImage([255, 255], [0, 1]);
 * assert.ok(Number.isNaN(mmsegTotalAreaToMetrics(stats).aAcc));
 * assert.equal(mmsegTotalAreaToMetrics(stats, { nanToNum: 0 }).aAcc, 0);
 * const m = mmsegTotalAreaToMetrics(
 *   new SegmentationStats(2).addImage([0, 0, 1, 1], [0, 1, 1, 1]),
 *   { metrics: ["mDice", "mFscore"] },
 * );
 * assert.deepEqual(m.Dice, [Math.fround(2 / 3), Math.fround(4 / 5)]);
 * assert.deepEqual(m.Precision, [1, Math.fround(2 / 3)]);
 * ```
 *
 * @param stats Per-image exact counts.
 * @param options metrics, nan_to_num, beta.
 * @returns The raw metrics, float32 fractions.
 */
export function mmsegTotalAreaToMetrics(
  stats: SegmentationStats,
  options: MmsegMetricsOptions = {},
): MmsegRawMetrics {
  const metrics = options.metrics ?? ["mIoU"];
  for (const m of metrics) {
    if (!METRIC_NAMES.includes(m)) {
      throw new RangeError(
        `Expected metrics among "mIoU", "mDice", "mFscore", but found ${JSON.stringify(m)}`,
      );
    }
  }
  const beta = options.beta ?? 1;
  if (!Number.isFinite(beta)) {
    throw new RangeError(`Expected beta to be a finite number, but found ${beta}`);
  }
  const t = totals(stats);
  const div = (a: number[], b: number[]) => a.map((v, c) => f32(v / b[c]));
  const out: MmsegRawMetrics = { aAcc: f32(torchSum32(t.intersect) / torchSum32(t.label)) };
  for (const m of metrics) {
    if (m === "mIoU") {
      out.IoU = div(t.intersect, t.union);
      out.Acc = div(t.intersect, t.label);
    } else if (m === "mDice") {
      out.Dice = t.intersect.map((v, c) => f32(f32(2 * v) / f32(t.predLabel[c] + t.label[c])));
      out.Acc = div(t.intersect, t.label);
    } else {
      const precision = div(t.intersect, t.predLabel);
      const recall = div(t.intersect, t.label);
      const b2 = f32(beta * beta);
      const onePlus = f32(1 + beta * beta);
      out.Fscore = precision.map((p, c) =>
        f32(f32(onePlus * f32(p * recall[c])) / f32(f32(b2 * p) + recall[c]))
      );
      out.Precision = precision;
      out.Recall = recall;
    }
  }
  if (options.nanToNum === null || options.nanToNum === undefined) return out;
  const n = options.nanToNum;
  const fixed: MmsegRawMetrics = { aAcc: applyNanToNum([out.aAcc], n)[0] };
  for (const key of ["IoU", "Acc", "Dice", "Fscore", "Precision", "Recall"] as const) {
    const v = out[key];
    if (v !== undefined) fixed[key] = applyNanToNum(v, n);
  }
  return fixed;
}

/** What `IoUMetric.compute_metrics` returns and logs: percentages rounded to 2 decimals. */
export interface MmsegComputedMetrics {
  /** The returned dict: aAcc, mIoU, mAcc, mDice, mFscore, mPrecision, mRecall (those computed). */
  summary: Record<string, number>;
  /** The logged per-class table: IoU, Acc, Dice, Fscore, Precision, Recall (those computed). */
  perClass: Record<string, number[]>;
}

/**
 * mmseg's `IoUMetric.compute_metrics`: `np.round(np.nanmean(v) * 100, 2)` of each raw metric of
 * {@linkcode mmsegTotalAreaToMetrics} (NumPy float32 `nanmean`; NaN when every entry is NaN), and
 * the per-class table `np.round(v * 100, 2)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { mmsegComputeMetrics } from "./mmseg.ts";
 *
 * const stats = new SegmentationStats(2, { ignoreIndex: 255 }).addImage([255, 255], [0, 1]);
 * assert.equal(mmsegComputeMetrics(stats, { nanToNum: 0 }).summary.aAcc, 0);
 * assert.equal(mmsegComputeMetrics(stats, { nanToNum: 1 }).summary.aAcc, 100);
 * const r = mmsegComputeMetrics(new SegmentationStats(2).addImage([0, 0, 1], [0, 1, 1]), {
 *   metrics: ["mIoU", "mDice"],
 * });
 * assert.deepEqual(Object.keys(r.summary), ["aAcc", "mIoU", "mAcc", "mDice"]);
 * assert.equal(r.summary.mDice, Math.fround(66.67)); // Dice 2/3 and 2/3
 * ```
 *
 * @param stats Per-image exact counts.
 * @param options metrics, nan_to_num, beta.
 * @returns The summary dict and the per-class table, float32 values.
 */
export function mmsegComputeMetrics(
  stats: SegmentationStats,
  options: MmsegMetricsOptions = {},
): MmsegComputedMetrics {
  const raw = mmsegTotalAreaToMetrics(stats, options);
  const summary: Record<string, number> = { aAcc: percent2(nanmean32([raw.aAcc])) };
  const perClass: Record<string, number[]> = {};
  // Key order of the returned dict: the order in which total_area_to_metrics first sets each key.
  const order: (keyof MmsegRawMetrics)[] = [];
  for (const m of options.metrics ?? ["mIoU"]) {
    const keys: (keyof MmsegRawMetrics)[] = m === "mIoU"
      ? ["IoU", "Acc"]
      : m === "mDice"
      ? ["Dice", "Acc"]
      : ["Fscore", "Precision", "Recall"];
    for (const k of keys) if (!order.includes(k)) order.push(k);
  }
  for (const k of order) {
    const v = raw[k] as number[];
    summary["m" + k] = percent2(nanmean32(v));
    perClass[k] = v.map(percent2);
  }
  return { summary, perClass };
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
