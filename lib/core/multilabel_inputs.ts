/**
 * Inputs of the multilabel state (`MultilabelStats`): one-hot masks from an index map,
 * probabilities binarised at a threshold (strict or inclusive, as each library does), and the
 * element-wise counts of targets that carry an ignore value (torchmetrics multilabel
 * `ignore_index`).
 *
 * Which comparison each library uses to binarise probabilities (read in their code):
 *
 * | library                                                  | pixel is positive when |
 * | -------------------------------------------------------- | ---------------------- |
 * | torchmetrics `Binary*`/`Multilabel*` (`threshold`, 1.9.0) | `p > threshold`         |
 * | segmentation_models.pytorch `get_stats(threshold=)`      | `p >= threshold`        |
 * | MONAI `AsDiscrete(threshold=)`                           | `p >= threshold`        |
 * | Keras `BinaryIoU(threshold=)`                            | `p >= threshold`        |
 *
 * torchmetrics also compares in float32 (the threshold becomes a float32 scalar) and first
 * applies a sigmoid when any value lies outside [0, 1]: see `torchmetricsBinarize`.
 *
 * @module
 */

import type { BinaryCounts } from "./multilabel_stats.ts";

/**
 * Channel-first one-hot masks of an index map: `numClasses * pixels` values, class c's mask at
 * `c * pixels ..`, 1 where `labels[i] === c`. A pixel whose label is `ignoreIndex` is in no
 * mask (an all-zero column, how torchmetrics `segmentation.MeanIoU` one-hot input leaves a
 * pixel out); any other label outside [0, numClasses) is refused, as `torch.nn.functional.
 * one_hot` refuses it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneHot } from "./multilabel_inputs.ts";
 * assert.deepEqual([...oneHot([0, 2, 1, 255], 3, { ignoreIndex: 255 })], [
 *   1, 0, 0, 0, // class 0
 *   0, 0, 1, 0, // class 1
 *   0, 1, 0, 0, // class 2
 * ]);
 * assert.throws(() => oneHot([3], 3), /Expected labels\[0\] to be an integer in \[0, 3\), but found 3/);
 * ```
 *
 * @param labels Class index per pixel.
 * @param numClasses Number of classes, an integer >= 1.
 * @param options `ignoreIndex`: a label put in no mask.
 * @returns The masks, channel first.
 */
export function oneHot(
  labels: ArrayLike<number>,
  numClasses: number,
  options: { ignoreIndex?: number } = {},
): Uint8Array {
  if (!Number.isSafeInteger(numClasses) || numClasses < 1) {
    throw new RangeError(
      `Expected numClasses to be an integer >= 1, but found ${String(numClasses)}`,
    );
  }
  const P = labels.length;
  const out = new Uint8Array(numClasses * P);
  for (let i = 0; i < P; i++) {
    const v = labels[i];
    if (options.ignoreIndex !== undefined && v === options.ignoreIndex) continue;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new RangeError(
        `Expected labels[${i}] to be an integer in [0, ${numClasses}), but found ${String(v)}`,
      );
    }
    out[v * P + i] = 1;
  }
  return out;
}

/** Options of {@linkcode thresholdProbabilities}. */
export interface ThresholdOptions {
  /**
   * `true`: positive when `p >= threshold` (smp `get_stats`, MONAI `AsDiscrete`, Keras
   * `BinaryIoU`); `false` (default): positive when `p > threshold` (torchmetrics).
   */
  inclusive?: boolean;
  /**
   * Round the values and the threshold to float32 before comparing, as a float32 tensor
   * compared with a Python float does in torch (default false: compare as given).
   */
  float32?: boolean;
}

/**
 * Binary masks from probabilities: 1 where the value passes the threshold, 0 elsewhere. NaN is
 * never positive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { thresholdProbabilities } from "./multilabel_inputs.ts";
 * assert.deepEqual([...thresholdProbabilities([0.2, 0.5, 0.9], 0.5)], [0, 0, 1]); // torchmetrics
 * assert.deepEqual([...thresholdProbabilities([0.2, 0.5, 0.9], 0.5, { inclusive: true })], [0, 1, 1]);
 * // float32: 0.3 and the threshold 0.3 round to the same float32, so not above it
 * assert.deepEqual([...thresholdProbabilities([Math.fround(0.3)], 0.3)], [1]);
 * assert.deepEqual([...thresholdProbabilities([Math.fround(0.3)], 0.3, { float32: true })], [0]);
 * ```
 *
 * @param probs Values to binarise.
 * @param threshold The threshold.
 * @param options `inclusive` (`>=` instead of `>`), `float32`.
 * @returns 0/1 per value.
 */
export function thresholdProbabilities(
  probs: ArrayLike<number>,
  threshold: number,
  options: ThresholdOptions = {},
): Uint8Array {
  if (typeof threshold !== "number" || Number.isNaN(threshold)) {
    throw new RangeError(`Expected threshold to be a number, but found ${String(threshold)}`);
  }
  const round = options.float32 ? Math.fround : (x: number) => x;
  const t = round(threshold);
  const out = new Uint8Array(probs.length);
  if (options.inclusive) {
    for (let i = 0; i < probs.length; i++) out[i] = round(probs[i]) >= t ? 1 : 0;
  } else {
    for (let i = 0; i < probs.length; i++) out[i] = round(probs[i]) > t ? 1 : 0;
  }
  return out;
}

/**
 * Per-class binary counts of one image whose target may hold an ignore value, element by
 * element (torchmetrics multilabel and binary `ignore_index`: an element (pixel, class) whose
 * target equals `ignoreIndex` is left out of that class only). Channel first, as in
 * `MultilabelStats.addImageMasks`; feed the result to `addImageCounts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countMultilabelElements } from "./multilabel_inputs.ts";
 * // 2 classes x 2 pixels; class 1's pixel 0 is ignored (target -1)
 * const counts = countMultilabelElements([1, 0, -1, 1], [1, 1, 1, 0], 2, { ignoreIndex: -1 });
 * assert.deepEqual(counts, { tp: [1, 0], fp: [1, 0], fn: [0, 1], tn: [0, 0] });
 * ```
 *
 * @param target Target values, 0, 1 or `ignoreIndex`.
 * @param pred Predicted values, 0 or 1.
 * @param numClasses Number of classes (channels).
 * @param options `ignoreIndex`.
 * @returns tp, fp, fn and tn per class.
 */
export function countMultilabelElements(
  target: ArrayLike<number>,
  pred: ArrayLike<number>,
  numClasses: number,
  options: { ignoreIndex?: number } = {},
): { [K in keyof BinaryCounts]: number[] } {
  if (!Number.isSafeInteger(numClasses) || numClasses < 1) {
    throw new RangeError(
      `Expected numClasses to be an integer >= 1, but found ${String(numClasses)}`,
    );
  }
  if (target.length !== pred.length || target.length % numClasses !== 0) {
    throw new RangeError(
      `Expected target and pred of equal length, a multiple of numClasses (${numClasses}), but ` +
        `found ${target.length} and ${pred.length}`,
    );
  }
  const P = target.length / numClasses;
  const ig = options.ignoreIndex;
  const out = {
    tp: new Array<number>(numClasses).fill(0),
    fp: new Array<number>(numClasses).fill(0),
    fn: new Array<number>(numClasses).fill(0),
    tn: new Array<number>(numClasses).fill(0),
  };
  for (let c = 0; c < numClasses; c++) {
    for (let i = 0; i < P; i++) {
      const j = c * P + i;
      const t = target[j], p = pred[j];
      if (ig !== undefined && t === ig) continue;
      if (t !== 0 && t !== 1) {
        throw new RangeError(`Expected target[${j}] to be 0, 1 or ignoreIndex, but found ${t}`);
      }
      if (p !== 0 && p !== 1) {
        throw new RangeError(`Expected pred[${j}] to be 0 or 1, but found ${p}`);
      }
      if (t === 1) {
        if (p === 1) out.tp[c]++;
        else out.fn[c]++;
      } else if (p === 1) out.fp[c]++;
      else out.tn[c]++;
    }
  }
  return out;
}
