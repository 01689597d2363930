/**
 * mmsegmentation `IoUMetric` (1.x) beyond mIoU: `total_area_to_metrics` (aAcc, IoU, Acc, Dice,
 * Fscore with `beta`, Precision, Recall as float32 fractions, `nan_to_num` on every entry) and
 * `compute_metrics` (`np.round(np.nanmean(v) * 100, 2)`), from the float32 totals of
 * {@linkcode mmsegTotalAreas} or {@linkcode mmsegSumAreas}. Checked bit for bit against the real
 * code (`golden/peers/peers-mmseg-1.x.json`).
 *
 * @module
 */

import { torchSum32 } from "../float32/reduction_order.ts";
import { applyNanToNum, nanmean32, percent2 } from "./_mmseg_shared.ts";
import {
  type MmsegIoUOptions,
  type MmsegSource,
  type MmsegTotalAreas,
  mmsegTotalAreas,
} from "./mmseg.ts";

const f32 = Math.fround;

function totals(source: MmsegSource): MmsegTotalAreas {
  return "intersect" in source ? source : mmsegTotalAreas(source);
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
 * import { mmsegTotalAreaToMetrics } from "./mmseg_metrics.ts";
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
 * @param stats Per-image exact counts, or float32 totals ({@linkcode mmsegSumAreas}).
 * @param options metrics, nan_to_num, beta.
 * @returns The raw metrics, float32 fractions.
 */
export function mmsegTotalAreaToMetrics(
  stats: MmsegSource,
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
 * import { mmsegComputeMetrics } from "./mmseg_metrics.ts";
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
 * @param stats Per-image exact counts, or float32 totals ({@linkcode mmsegSumAreas}).
 * @param options metrics, nan_to_num, beta.
 * @returns The summary dict and the per-class table, float32 values.
 */
export function mmsegComputeMetrics(
  stats: MmsegSource,
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
