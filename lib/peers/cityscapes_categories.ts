/**
 * Cityscapes categories: the label table of `cityscapesscripts/helpers/labels.py` and the
 * category-level IoU and iIoU of `evalPixelLevelSemanticLabeling.py`
 * (`getIouScoreForCategory`, `getInstanceIouScoreForCategory`).
 *
 * A category's IoU merges its evaluated labels: TP = the category × category block of the
 * matrix, FN = the rows of those labels minus TP (so predicting a void or ignored label of the
 * same category is a miss), FP = their columns restricted to rows of evaluated labels of other
 * categories. The category iIoU exists for the categories whose labels all have instances
 * (human, vehicle) and takes ALL their labels, ignored ones included (caravan 29 and trailer 30
 * for vehicle), both for an instance's category hits and for FP. Float64 throughout; an empty
 * denominator is NaN, and the averages leave NaN out, in the category order of `labels.py`.
 *
 * @module
 */

import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import {
  CITYSCAPES_AVG_CLASS_SIZE,
  CITYSCAPES_CATEGORIES,
  CITYSCAPES_EVAL_LABELS,
  CITYSCAPES_LABELS,
  type CityscapesInstance,
  type CityscapesInstanceOptions,
  type CityscapesOptions,
} from "./cityscapes.ts";

function evaluatedSet(cm: ConfusionMatrix, options: CityscapesOptions): Set<number> {
  if (cm.numClasses < CITYSCAPES_LABELS.length) {
    throw new RangeError(
      `Expected a matrix over every Cityscapes label id (numClasses >= 34), but found ${cm.numClasses}`,
    );
  }
  const labels = options.evalLabels ?? CITYSCAPES_EVAL_LABELS;
  for (const l of labels) {
    if (!Number.isInteger(l) || l < 0 || l >= CITYSCAPES_LABELS.length) {
      throw new RangeError(`Expected evaluated label ids in [0, 34), but found ${l}`);
    }
  }
  return new Set(labels);
}

function blockSum(cm: ConfusionMatrix, rows: number[], cols: number[]): number {
  const C = cm.numClasses;
  const counts = cm.counts();
  let s = 0;
  for (const r of rows) for (const c of cols) s += counts[r * C + c];
  return s;
}

function fpRows(category: string, evaluated: Set<number>): number[] {
  return CITYSCAPES_LABELS.filter((l) => evaluated.has(l.id) && l.category !== category)
    .map((l) => l.id);
}

function average(scores: Record<string, number>): number {
  let sum = 0;
  let n = 0;
  for (const v of Object.values(scores)) {
    if (!Number.isNaN(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? NaN : sum / n;
}

/**
 * Per-category IoU of the Cityscapes script, by category name in `labels.py` order (NaN for a
 * category without evaluated labels, such as void, or with an empty denominator).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { cityscapesCategoryIoU } from "./cityscapes_categories.ts";
 *
 * // road (7) as sidewalk (8): both flat, so a hit; parking (9, ignored) on road: a flat miss;
 * // void ground truth (0) predicted as car (26): no false positive.
 * const cm = new ConfusionMatrix(34).update([7, 7, 7, 0, 26], [7, 8, 9, 26, 26]);
 * const iou = cityscapesCategoryIoU(cm);
 * assert.equal(iou.flat, 2 / 3);
 * assert.equal(iou.vehicle, 1);
 * assert.ok(Number.isNaN(iou.void) && Number.isNaN(iou.sky));
 * ```
 *
 * @param cm Exact state over raw label ids (numClasses 34).
 * @param options evalLabels (labels not ignored).
 * @returns One float64 value per category.
 */
export function cityscapesCategoryIoU(
  cm: ConfusionMatrix,
  options: CityscapesOptions = {},
): Record<string, number> {
  const evaluated = evaluatedSet(cm, options);
  const C = cm.numClasses;
  const counts = cm.counts();
  const missed = cm.missed();
  const out: Record<string, number> = {};
  for (const category of CITYSCAPES_CATEGORIES) {
    const ids = CITYSCAPES_LABELS.filter((l) => l.category === category && evaluated.has(l.id))
      .map((l) => l.id);
    if (ids.length === 0) {
      out[category] = NaN;
      continue;
    }
    const tp = blockSum(cm, ids, ids);
    let rows = 0;
    for (const r of ids) {
      rows += missed[r];
      for (let p = 0; p < C; p++) rows += counts[r * C + p];
    }
    const fp = blockSum(cm, fpRows(category, evaluated), ids);
    const den = tp + fp + (rows - tp);
    out[category] = den === 0 ? NaN : tp / den;
  }
  return out;
}

/**
 * The Cityscapes category "Score Average": the mean of the non-NaN category IoU.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { cityscapesMeanCategoryIoU } from "./cityscapes_categories.ts";
 *
 * const cm = new ConfusionMatrix(34).update([7, 7, 7, 0, 26], [7, 8, 9, 26, 26]);
 * assert.equal(cityscapesMeanCategoryIoU(cm), (2 / 3 + 1) / 2);
 * ```
 *
 * @param cm Exact state over raw label ids.
 * @param options evalLabels.
 * @returns The float64 mean.
 */
export function cityscapesMeanCategoryIoU(
  cm: ConfusionMatrix,
  options: CityscapesOptions = {},
): number {
  return average(cityscapesCategoryIoU(cm, options));
}

/**
 * Per-category iIoU of the Cityscapes script (`getInstanceIouScoreForCategory`), by category
 * name: defined for human and vehicle (every label of them has instances), NaN elsewhere. Each
 * instance needs `categoryTp`, its pixels predicted as any label of its category
 * ({@linkcode cityscapesInstances} fills it); weights are those of the class iIoU.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { cityscapesInstances } from "./cityscapes.ts";
 * import { cityscapesCategoryInstanceIoU } from "./cityscapes_categories.ts";
 *
 * // A car of 4 pixels: 2 predicted car, 1 truck (same category), 1 road; a road pixel as bus.
 * const ids = [26001, 26001, 26001, 26001, 7];
 * const pred = [26, 26, 27, 7, 28];
 * const cm = new ConfusionMatrix(34).update([26, 26, 26, 26, 7], pred);
 * const inst = cityscapesInstances(ids, pred);
 * const w = 12794.0202738185 / 4;
 * const iiou = cityscapesCategoryInstanceIoU(cm, inst);
 * assert.equal(iiou.vehicle, (3 * w) / (3 * w + 1 + 1 * w));
 * assert.ok(Number.isNaN(iiou.human));
 * ```
 *
 * @param cm Exact state over raw label ids (for FP).
 * @param instances Every ground-truth instance, with `categoryTp`.
 * @param options evalLabels, avgClassSize.
 * @returns One float64 value per category.
 */
export function cityscapesCategoryInstanceIoU(
  cm: ConfusionMatrix,
  instances: readonly CityscapesInstance[],
  options: CityscapesInstanceOptions = {},
): Record<string, number> {
  const evaluated = evaluatedSet(cm, options);
  const avg = options.avgClassSize ?? CITYSCAPES_AVG_CLASS_SIZE;
  const tpW: Record<string, number> = {};
  const fnW: Record<string, number> = {};
  const withInstances = CITYSCAPES_CATEGORIES.filter((c) =>
    CITYSCAPES_LABELS.every((l) => l.category !== c || l.hasInstances)
  );
  for (const c of withInstances) tpW[c] = fnW[c] = 0;
  for (const inst of instances) {
    const { labelId, size, categoryTp } = inst;
    const label = CITYSCAPES_LABELS[labelId];
    if (label === undefined || !evaluated.has(labelId) || !(labelId in avg)) continue;
    if (!withInstances.includes(label.category)) continue;
    if (
      categoryTp === undefined || !Number.isInteger(categoryTp) || categoryTp < inst.tp ||
      categoryTp > size
    ) {
      throw new RangeError(
        `Expected an instance with integer tp <= categoryTp <= size, but found tp ${inst.tp}, ` +
          `categoryTp ${categoryTp}, size ${size}`,
      );
    }
    const w = avg[labelId] / size;
    tpW[label.category] += categoryTp * w;
    fnW[label.category] += (size - categoryTp) * w;
  }
  const out: Record<string, number> = {};
  for (const category of CITYSCAPES_CATEGORIES) {
    if (!withInstances.includes(category)) {
      out[category] = NaN;
      continue;
    }
    const ids = CITYSCAPES_LABELS.filter((l) => l.category === category).map((l) => l.id);
    const fp = blockSum(cm, fpRows(category, evaluated), ids);
    const den = tpW[category] + fp + fnW[category];
    out[category] = den === 0 ? NaN : tpW[category] / den;
  }
  return out;
}

/**
 * The Cityscapes category iIoU "Score Average": the mean of the non-NaN category iIoU.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { cityscapesInstances } from "./cityscapes.ts";
 * import { cityscapesMeanCategoryInstanceIoU } from "./cityscapes_categories.ts";
 *
 * const cm = new ConfusionMatrix(34).update([24, 24], [25, 24]); // person as rider: human hit
 * assert.equal(cityscapesMeanCategoryInstanceIoU(cm, cityscapesInstances([24001, 24001], [25, 24])), 1);
 * ```
 *
 * @param cm Exact state over raw label ids.
 * @param instances Every ground-truth instance, with `categoryTp`.
 * @param options evalLabels, avgClassSize.
 * @returns The float64 mean.
 */
export function cityscapesMeanCategoryInstanceIoU(
  cm: ConfusionMatrix,
  instances: readonly CityscapesInstance[],
  options: CityscapesInstanceOptions = {},
): number {
  return average(cityscapesCategoryInstanceIoU(cm, instances, options));
}
