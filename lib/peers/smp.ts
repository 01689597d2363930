/**
 * segmentation_models.pytorch (smp) profile: `smp.metrics.iou_score` on the per-image,
 * per-class stats of `smp.metrics.get_stats(mode="multiclass")`, for every reduction.
 *
 * `get_stats` returns exact int64 (N, C) TP/FP/FN tables: the same as this toolkit's
 * per-image counts (ignored pixels removed; a prediction outside [0, C) counts as FN of the true
 * class, i.e. `outOfRange: "miss"`). `iou_score` divides in float32 and averages with torch
 * float32 sums, emulated here. smp cannot be installed in this sandbox, but its real
 * `functional.py` was run from its source: `smpMetric(stats, "iou_score", ...)` (smp_metrics.ts)
 * reproduces it bit for bit (golden/peers/peers-smp-metrics.json) and this profile agrees with it on
 * every reduction (tests/peers/smp_test.ts). Default `zero_division` is 1, so an absent
 * class scores 1 (unlike torchmetrics or scikit-learn). `weighted` sums the weighted class scores
 * as smp does since PR #659 (earlier releases took their mean, i.e. divided by C once more).
 * Counts are exact: smp's float32 `torch.histc` differs only past 2^24 pixels of one class in one
 * image (see `smpGetStats`'s `histcThreads`).
 *
 * @module
 */

import type { SegmentationStats } from "../core/segmentation_stats.ts";
import { torchColumnSums32, torchSum32 } from "../float32/reduction_order.ts";

const f32 = Math.fround;

/** The `reduction` of smp metrics. */
export type SmpReduction =
  | "micro"
  | "macro"
  | "weighted"
  | "micro-imagewise"
  | "macro-imagewise"
  | "weighted-imagewise";

/** Options of {@linkcode smpIoUScore}. */
export interface SmpIoUOptions {
  /** `reduction` (required by smp for a scalar result). */
  reduction: SmpReduction;
  /** `class_weights` (required for the `weighted*` reductions); normalised to sum 1. */
  classWeights?: readonly number[];
  /** `zero_division` (default 1; "warn" acts as 0). Not applied by `micro`. */
  zeroDivision?: number | "warn";
  /** float32 lanes of the CPU that ran torch (default 8, AVX2). */
  vectorWidth?: number;
}

function fill(v: number, zd: number | "warn"): number {
  return Number.isNaN(v) ? (zd === "warn" ? 0 : f32(zd)) : v;
}

/** int64 / int64 true division in torch: both cast to float32, one float32 division. */
function div(a: number, b: number): number {
  return f32(f32(a) / f32(b));
}

/**
 * The float32 IoU of every (image, class) cell, 0/0 filled with `zd`, image-major: the table
 * torch reduces (4 bytes a cell; the counts are read image by image in reused arrays).
 */
function cellTable(stats: SegmentationStats, zd: number | "warn"): Float32Array {
  const C = stats.numClasses;
  const cells = new Float32Array(stats.numImages * C);
  stats.forEachImage(({ tp, fp, fn }, i) => {
    for (let k = 0; k < C; k++) cells[i * C + k] = fill(div(tp[k], tp[k] + fp[k] + fn[k]), zd);
  });
  return cells;
}

/**
 * The (image, class) IoU table of `iou_score(..., reduction=None)`: float32, 0/0 replaced by
 * `zero_division` (default 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { smpIoUPerImageClass } from "./smp.ts";
 *
 * const stats = new SegmentationStats(3).addImage([0, 0, 1, 1], [0, 0, 1, 0]);
 * assert.deepEqual(smpIoUPerImageClass(stats), [[Math.fround(2 / 3), 0.5, 1]]);
 * ```
 *
 * @param stats Per-image exact counts.
 * @param options zero_division.
 * @returns One row per image.
 */
export function smpIoUPerImageClass(
  stats: SegmentationStats,
  options: Pick<SmpIoUOptions, "zeroDivision"> = {},
): number[][] {
  const zd = options.zeroDivision ?? 1;
  const C = stats.numClasses;
  const cells = cellTable(stats, zd);
  return Array.from(
    { length: stats.numImages },
    (_, i) => Array.from(cells.subarray(i * C, i * C + C)),
  );
}

/**
 * smp `iou_score(tp, fp, fn, tn, reduction=...)` on `get_stats` output.
 *
 * - `micro`: one ratio of TP and TP+FP+FN summed over images and classes (NaN if both are 0;
 *   no zero-division fill). For single-label data this is pa / (2 - pa), not a mean IoU.
 * - `macro`: per-class dataset IoU (0/0 → zero_division), mean over classes; with
 *   `classWeights` the normalised weights are multiplied in and still divided by C.
 * - `weighted`: per-class dataset IoU times normalised `classWeights`, summed (user weights,
 *   not support).
 * - `micro-imagewise`: per image one pooled ratio (filled), mean over images.
 * - `macro-imagewise` / `weighted-imagewise`: per (image, class) IoU (filled), mean over images
 *   per class, times normalised weights (1 without weights), mean over classes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { smpIoUScore } from "./smp.ts";
 *
 * const stats = new SegmentationStats(3)
 *   .addImage([0, 0, 1, 1], [0, 0, 1, 0])
 *   .addImage([1, 1, 1, 1], [1, 1, 1, 1]);
 * // macro: class 0 = 2/3, class 1 = 5/6, class 2 absent → zero_division = 1.
 * assert.ok(Math.abs(smpIoUScore(stats, { reduction: "macro" }) - (2 / 3 + 5 / 6 + 1) / 3) < 1e-7);
 * // micro: 7 TP over 7 + 1 FP + 1 FN = pa / (2 - pa) with pa = 7/8.
 * assert.equal(smpIoUScore(stats, { reduction: "micro" }), Math.fround(7 / 9));
 * ```
 *
 * @param stats Per-image exact counts.
 * @param options reduction, class_weights, zero_division.
 * @returns The float32 score.
 */
export function smpIoUScore(stats: SegmentationStats, options: SmpIoUOptions): number {
  const reduction = options.reduction;
  const zd = options.zeroDivision ?? 1;
  if (typeof zd !== "number" && zd !== "warn") {
    throw new RangeError(`Expected zeroDivision to be a number or "warn", but found ${zd}`);
  }
  const vw = options.vectorWidth ?? 8;
  const C = stats.numClasses;
  const N = stats.numImages;
  const weighted = reduction === "weighted" || reduction === "weighted-imagewise";
  if (weighted && options.classWeights === undefined) {
    throw new RangeError(`Expected classWeights for reduction "${reduction}", but found none`);
  }
  let weights: number[] | null = null;
  if (options.classWeights !== undefined) {
    if (options.classWeights.length !== C) {
      throw new RangeError(
        `Expected ${C} classWeights, but found ${options.classWeights.length}`,
      );
    }
    const w = options.classWeights.map(f32);
    const total = torchSum32(w, vw);
    weights = w.map((v) => f32(v / total));
  }
  const applyWeights = (scores: number[]) =>
    weights === null ? scores : scores.map((s, k) => f32(s * weights![k]));
  switch (reduction) {
    case "micro": {
      // float64 sums in the order of the (image, class) table: image by image, class by class
      let t = 0;
      let d = 0;
      stats.forEachImage(({ tp, fp, fn }) => {
        for (let k = 0; k < C; k++) {
          t += tp[k];
          d += tp[k] + fp[k] + fn[k];
        }
      });
      return div(t, d);
    }
    case "macro":
    case "weighted": {
      // one running sum per class, each over the images in order
      const t = new Float64Array(C);
      const d = new Float64Array(C);
      stats.forEachImage(({ tp, fp, fn }) => {
        for (let k = 0; k < C; k++) {
          t[k] += tp[k];
          d[k] += tp[k] + fp[k] + fn[k];
        }
      });
      const scores = Array.from({ length: C }, (_, k) => fill(div(t[k], d[k]), zd));
      const s = torchSum32(applyWeights(scores), vw);
      return reduction === "weighted" ? s : f32(s / C);
    }
    case "micro-imagewise": {
      const scores = new Float32Array(N); // float32 values: stored exactly
      stats.forEachImage(({ tp, fp, fn }, i) => {
        let t = 0;
        let d = 0;
        for (let k = 0; k < C; k++) t += tp[k];
        for (let k = 0; k < C; k++) d += tp[k] + fp[k] + fn[k];
        scores[i] = fill(div(t, d), zd);
      });
      return f32(torchSum32(scores, vw) / N);
    }
    case "macro-imagewise":
    case "weighted-imagewise": {
      const classMeans = torchColumnSums32(cellTable(stats, zd), N, C, vw).map((s) => f32(s / N));
      return f32(torchSum32(applyWeights(classMeans), vw) / C);
    }
  }
  throw new RangeError(
    `Expected reduction to be one of micro, macro, weighted, micro-imagewise, macro-imagewise, ` +
      `weighted-imagewise, but found ${reduction}`,
  );
}
