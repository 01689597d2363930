/**
 * Pixel accuracy and mean class accuracy from exact counts.
 *
 * @module
 */

import { ConfusionMatrix } from "../core/confusion_matrix.ts";
import { SegmentationStats } from "../core/segmentation_stats.ts";

/**
 * Pixel accuracy: Σ_c TP_c / Σ_c (TP_c + FN_c), the share of counted pixels predicted right
 * (out-of-range predictions under `"miss"` count as wrong). NaN when no pixel was counted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { pixelAccuracy } from "./accuracy.ts";
 *
 * const cm = new ConfusionMatrix(2).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * assert.equal(pixelAccuracy(cm), 3 / 4);
 * ```
 *
 * @param stats Exact state.
 * @returns The pixel accuracy.
 */
export function pixelAccuracy(stats: SegmentationStats | ConfusionMatrix): number {
  const { tp, fn } = matrixOf(stats).classCounts();
  let correct = 0;
  let all = 0;
  for (let c = 0; c < tp.length; c++) {
    correct += tp[c];
    all += tp[c] + fn[c];
  }
  return all === 0 ? NaN : correct / all;
}

/**
 * Mean class accuracy (mean recall): the mean over classes with true pixels of
 * TP_c / (TP_c + FN_c). NaN when no class has a true pixel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { meanClassAccuracy } from "./accuracy.ts";
 *
 * const cm = new ConfusionMatrix(3).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * assert.equal(meanClassAccuracy(cm), (1 + 1 / 2) / 2);
 * ```
 *
 * @param stats Exact state.
 * @returns The mean class accuracy.
 */
export function meanClassAccuracy(stats: SegmentationStats | ConfusionMatrix): number {
  const { tp, fn } = matrixOf(stats).classCounts();
  let sum = 0;
  let n = 0;
  for (let c = 0; c < tp.length; c++) {
    const support = tp[c] + fn[c];
    if (support === 0) continue;
    sum += tp[c] / support;
    n++;
  }
  return n === 0 ? NaN : sum / n;
}

function matrixOf(stats: SegmentationStats | ConfusionMatrix): ConfusionMatrix {
  if (stats instanceof SegmentationStats) return stats.confusionMatrix;
  if (stats instanceof ConfusionMatrix) return stats;
  throw new TypeError("Expected stats to be a SegmentationStats or a ConfusionMatrix");
}
