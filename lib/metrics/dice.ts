/**
 * Dice coefficient (F1 score) per class and averaged, from exact counts.
 *
 * Dice_c = 2 TP_c / (2 TP_c + FP_c + FN_c) = 2 IoU_c / (1 + IoU_c). It takes the same
 * averaging options as `meanIoU`.
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

/**
 * Dice = 2 TP / (2 TP + FP + FN), as a {@linkcode Ratio} for `meanScore` and `perClassScore`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { perClassScore } from "./averaging.ts";
 * import { DICE } from "./dice.ts";
 *
 * const cm = new ConfusionMatrix(2).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * // class 0: TP 2, FP 1, FN 0; class 1: TP 1, FP 0, FN 1
 * assert.deepEqual(perClassScore(cm, DICE), [4 / 5, 2 / 3]);
 * ```
 */
export const DICE: Ratio = {
  name: "Dice",
  numerator: (tp) => 2 * tp,
  denominator: (tp, fp, fn) => 2 * tp + fp + fn,
};

/**
 * Mean Dice (F1) under a named definition (see `AveragingOptions`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { meanDice } from "./dice.ts";
 *
 * const cm = new ConfusionMatrix(2).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * // class 0: 2*2 / (4 + 1) = 0.8; class 1: 2 / (2 + 1) = 2/3
 * assert.equal(meanDice(cm), (0.8 + 2 / 3) / 2);
 * ```
 *
 * @param stats Exact state.
 * @param options The definition.
 * @returns The mean Dice, or NaN when no class is left.
 */
export function meanDice(stats: Stats, options: AveragingOptions = {}): number {
  return meanScore(stats, DICE, options);
}

/**
 * Dice of each class (NaN where the policy leaves it out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { perClassDice } from "./dice.ts";
 *
 * const cm = new ConfusionMatrix(3).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * assert.deepEqual(perClassDice(cm), [0.8, 2 / 3, NaN]);
 * ```
 *
 * @param stats Exact state.
 * @param options The definition (`average` "dataset" or "class-first").
 * @returns One Dice per class.
 */
export function perClassDice(stats: Stats, options: AveragingOptions = {}): number[] {
  return perClassScore(stats, DICE, options);
}
