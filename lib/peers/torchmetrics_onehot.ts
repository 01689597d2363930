/**
 * torchmetrics `segmentation.MeanIoU(input_format="one-hot")` on non-exclusive integer masks
 * (1.8 and later, checked on 1.9.0), from a `MultilabelStats`: per image and class,
 * intersection = TP and union = TP + FP + FN of that class's mask, so a pixel may be in several
 * classes or in none (an all-zero column is how one-hot input leaves a pixel out).
 *
 * @module
 */

import type { MultilabelStats } from "../core/multilabel_stats.ts";
import { torchColumnSums32, torchRowSums32, torchSum32 } from "../float32/reduction_order.ts";
import { f32, updateBatchSizes } from "./_torchmetrics_shared.ts";
import { TorchmetricsError } from "./torchmetrics_multilabel.ts";

/** Options of {@linkcode torchmetricsOneHotMeanIoU}. */
export interface TorchmetricsOneHotMeanIoUOptions {
  /**
   * Images per `update()` call, in order (sizes summing to the number of images), or one batch
   * size (the last batch takes the rest). Default: one update with every image.
   */
  batches?: readonly number[] | number;
  /** `include_background` (default true); false drops channel 0. */
  includeBackground?: boolean;
  /**
   * `num_classes`, when given: checked as the constructor checks it (`None` or a positive
   * integer); the classes themselves are the state's.
   */
  numClasses?: number | null;
  /**
   * `"1.8"` (default; 1.8 and later, PR #2892): mean over every valid (image, class) cell.
   * `"1.5"` (1.5 to 1.7, PR #2698, from the source, not run): per update, the mean over images
   * of each image's mean over all classes (union = 0 counts as 0), then the mean over updates.
   */
  version?: "1.8" | "1.5";
  /** float32 lanes of the CPU that ran torch (default 8, AVX2). */
  vectorWidth?: number;
}

/** The module's state after every update: score and valid-cell count (per class or one). */
function oneHotState(
  stats: MultilabelStats,
  options: TorchmetricsOneHotMeanIoUOptions,
  perClass: boolean,
): { score: number[]; count: number[]; K: number; vw: number; updates: number } {
  const nc = options.numClasses ?? null;
  if (nc !== null && !(nc > 0)) {
    throw new TorchmetricsError(
      "ValueError",
      `Expected argument \`num_classes\` must be \`None\` or a positive integer, but got ${nc}.`,
    );
  }
  const version = options.version ?? "1.8";
  if (version !== "1.8" && version !== "1.5") {
    throw new RangeError(`Expected version "1.8" or "1.5", but found ${version}`);
  }
  const bg = options.includeBackground ?? true;
  const vw = options.vectorWidth ?? 8;
  const start = bg ? 0 : 1;
  const K = stats.numClasses - start;
  const score = new Array<number>(perClass ? K : 1).fill(0);
  const count = new Array<number>(perClass ? K : 1).fill(0);
  let i = 0;
  let updates = 0;
  for (const n of updateBatchSizes(stats.numImages, options.batches)) {
    // the update's (N, K) table of float32 IoU, 0 where the union is 0 (those cells are masked
    // out by `score * valid_classes`, which leaves them 0)
    const cells = new Float32Array(n * K);
    for (let j = 0; j < n; j++, i++) {
      const { tp, fp, fn } = stats.image(i);
      for (let c = 0; c < K; c++) {
        const union = tp[c + start] + fp[c + start] + fn[c + start];
        cells[j * K + c] = union > 0 ? f32(f32(tp[c + start]) / f32(union)) : 0;
        if (union > 0) count[perClass ? c : 0]++;
      }
    }
    updates++;
    if (version === "1.5") {
      if (perClass) {
        const sums = torchColumnSums32(cells, n, K, vw);
        for (let c = 0; c < K; c++) score[c] = f32(score[c] + f32(sums[c] / n));
      } else {
        const means = torchRowSums32(cells, n, K, vw).map((s) => f32(s / K));
        score[0] = f32(score[0] + f32(torchSum32(means, vw) / n));
      }
    } else if (perClass) {
      const sums = torchColumnSums32(cells, n, K, vw);
      for (let c = 0; c < K; c++) score[c] = f32(score[c] + sums[c]);
    } else {
      score[0] = f32(score[0] + torchSum32(cells, vw));
    }
  }
  return { score, count, K, vw, updates };
}

/**
 * torchmetrics `segmentation.MeanIoU(per_class=False, input_format="one-hot")`: the mean of
 * the float32 IoU over every (image, class) cell whose union is not 0, the sum kept in float32
 * across updates. NaN when no cell is valid (or no class is left: one class without
 * background). Integer masks only: float one-hot input is argmaxed over channels first
 * (exclusive again), which this state does not see.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultilabelStats } from "../core/multilabel_stats.ts";
 * import { torchmetricsOneHotMeanIoU } from "./torchmetrics_onehot.ts";
 * // one image, 2 classes x 2 pixels, pixel 0 in both target masks
 * const stats = new MultilabelStats(2).addImageMasks([1, 0, 1, 1], [1, 0, 1, 0]);
 * assert.equal(torchmetricsOneHotMeanIoU(stats), 0.75); // (1 + 1/2) / 2
 * assert.equal(torchmetricsOneHotMeanIoU(stats, { includeBackground: false }), 0.5);
 * ```
 *
 * @param stats Per-image multilabel counts (the masks' channels = classes).
 * @param options batches, include_background.
 * @returns The float32 result.
 */
export function torchmetricsOneHotMeanIoU(
  stats: MultilabelStats,
  options: TorchmetricsOneHotMeanIoUOptions = {},
): number {
  const { score, count, K, vw, updates } = oneHotState(stats, options, false);
  if (options.version === "1.5") return f32(score[0] / updates);
  if (K === 0) return NaN; // nanmean of an empty tensor
  // score / num_batches broadcast to K equal values, then nanmean
  const v = f32(score[0] / count[0]);
  if (Number.isNaN(v)) return NaN;
  return f32(torchSum32(new Array<number>(K).fill(v), vw) / K);
}

/**
 * torchmetrics `segmentation.MeanIoU(per_class=True, input_format="one-hot")`: per class, the
 * float32 mean IoU over the images where its union is not 0; -1 for a class valid in no image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultilabelStats } from "../core/multilabel_stats.ts";
 * import { torchmetricsOneHotMeanIoUPerClass } from "./torchmetrics_onehot.ts";
 * const stats = new MultilabelStats(2)
 *   .addImageMasks([1, 1, 0, 0], [1, 0, 0, 0]) // class 0: 1/2; class 1 absent
 *   .addImageMasks([1, 1, 0, 0], [1, 1, 0, 0]); // class 0: 1
 * assert.deepEqual(torchmetricsOneHotMeanIoUPerClass(stats), [0.75, -1]);
 * ```
 *
 * @param stats Per-image multilabel counts.
 * @param options batches, include_background.
 * @returns One float32 value per class kept.
 */
export function torchmetricsOneHotMeanIoUPerClass(
  stats: MultilabelStats,
  options: TorchmetricsOneHotMeanIoUOptions = {},
): number[] {
  const { score, count, updates } = oneHotState(stats, options, true);
  if (options.version === "1.5") return score.map((s) => f32(s / updates));
  return score.map((s, c) => {
    const v = f32(s / count[c]);
    return Number.isNaN(v) ? -1 : v;
  });
}
