/**
 * Intersection over union (Jaccard index), per class and averaged, from exact counts.
 *
 * IoU_c = TP_c / (TP_c + FP_c + FN_c). Every option of {@linkcode AveragingOptions} changes
 * which counts are pooled and which classes count; see the table on `Average`.
 *
 * @module
 */

import {
  type AveragingOptions,
  meanScore,
  perClassScore,
  type Ratio,
  type Stats,
} from "./averaging.ts";

export type { Average, AveragingOptions, Stats } from "./averaging.ts";

/** Options of {@linkcode meanIoU} and {@linkcode perClassIoU}. */
export type MeanIoUOptions = AveragingOptions;

/**
 * IoU = TP / (TP + FP + FN), as a {@linkcode Ratio} for `meanScore` and `perClassScore`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { meanScore } from "./averaging.ts";
 * import { IOU } from "./mean_iou.ts";
 *
 * const cm = new ConfusionMatrix(2).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * // class 0: TP 2, FP 1, FN 0; class 1: TP 1, FP 0, FN 1
 * assert.equal(meanScore(cm, IOU), (2 / 3 + 1 / 2) / 2);
 * assert.equal(IOU.denominator(0, 0, 0), 0); // an absent class: 0/0
 * ```
 */
export const IOU: Ratio = {
  name: "IoU",
  numerator: (tp) => tp,
  denominator: (tp, fp, fn) => tp + fp + fn,
};

/**
 * Mean IoU under a named definition.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanIoU } from "./mean_iou.ts";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 *
 * const stats = new SegmentationStats(3)
 *   .addImage([0, 0, 1, 1], [0, 0, 1, 0])   // class 0: 2/3, class 1: 1/2
 *   .addImage([1, 1, 1, 1], [1, 1, 1, 1]);  // class 1: 1
 * // Dataset: class 0 = 2/3, class 1 = 5/6, class 2 absent (excluded).
 * assert.equal(meanIoU(stats), (2 / 3 + 5 / 6) / 2);
 * assert.equal(meanIoU(stats, { absent: "zero" }), (2 / 3 + 5 / 6) / 3);
 * // Image-first: image 1 = (2/3 + 1/2) / 2, image 2 = 1.
 * assert.equal(meanIoU(stats, { average: "image-first" }), ((2 / 3 + 1 / 2) / 2 + 1) / 2);
 * ```
 *
 * @param stats Exact state; per-image and per-batch averages need `SegmentationStats`.
 * @param options The definition: average, absent, emptyGroundTruth, smooth, epsilon, classes.
 * @returns The mean IoU, or NaN when no class is left to average.
 */
export function meanIoU(stats: Stats, options: MeanIoUOptions = {}): number {
  return meanScore(stats, IOU, options);
}

/**
 * IoU of each class (NaN where the policy leaves the class out), for `average` `"dataset"`
 * (default) or `"class-first"` (each class's mean over images).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { perClassIoU } from "./mean_iou.ts";
 *
 * const cm = new ConfusionMatrix(3).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * assert.deepEqual(perClassIoU(cm), [2 / 3, 1 / 2, NaN]);
 * assert.deepEqual(perClassIoU(cm, { absent: "one" }), [2 / 3, 1 / 2, 1]);
 * ```
 *
 * @param stats Exact state.
 * @param options The definition.
 * @returns One IoU per class of `options.classes` (default all).
 */
export function perClassIoU(stats: Stats, options: MeanIoUOptions = {}): number[] {
  return perClassScore(stats, IOU, options);
}
