/**
 * Cityscapes profile: class IoU and iIoU of the official script
 * (`cityscapesscripts/evaluation/evalPixelLevelSemanticLabeling.py`).
 *
 * The script keeps one exact matrix over every label id (0-33, void labels included; rows =
 * ground truth). For a class, FN is its whole ground-truth row minus TP, so predicting a void
 * label on a valid pixel is a miss, while FP only counts ground-truth rows of evaluated labels
 * (a void ground-truth pixel never makes a false positive). Labels with `ignoreInEval` and
 * classes with an empty denominator are NaN, and the "Score Average" is the mean of the
 * non-NaN entries (float64, in label-id order). Build the state over the raw label ids, without
 * ignore labels, with `numClasses` 34.
 *
 * iIoU needs instances: each ground-truth instance k of a class c weighs its TP and FN pixels by
 * avgClassSize[c] / size_k; FP stays unweighted. That needs per-instance counts, so it is the
 * separate {@linkcode cityscapesInstanceIoU}.
 *
 * Checked bit for bit against real runs of the script on PNG files
 * (`golden/peers/peers-cityscapes-0bcc4a7.json`, `tools/oracle_cityscapes.py`); the category
 * scores are in `cityscapes_categories.ts`.
 *
 * @module
 */

import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import type { LabelArray } from "../core/labels.ts";

/**
 * Cityscapes label ids evaluated by default (those with `ignoreInEval = False`), 19 classes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { CITYSCAPES_EVAL_LABELS, cityscapesClassIoU } from "./cityscapes.ts";
 *
 * assert.equal(CITYSCAPES_EVAL_LABELS.length, 19);
 * // Label 0 (unlabeled) is not evaluated: its pixel predicted as road (7) is no false positive.
 * const cm = new ConfusionMatrix(34).update([7, 7, 0, 26], [7, 7, 7, 26]);
 * const iou = cityscapesClassIoU(cm);
 * assert.deepEqual([iou[7], iou[26]], [1, 1]);
 * assert.ok(Number.isNaN(iou[0]));
 * ```
 */
export const CITYSCAPES_EVAL_LABELS: readonly number[] = [
  7,
  8,
  11,
  12,
  13,
  17,
  19,
  20,
  21,
  22,
  23,
  24,
  25,
  26,
  27,
  28,
  31,
  32,
  33,
];

/**
 * The script's average instance size per class with instances (label id → pixels); caravan
 * (29) and trailer (30) are listed there but not evaluated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { CITYSCAPES_AVG_CLASS_SIZE, cityscapesInstanceIoU } from "./cityscapes.ts";
 *
 * // One car (26) of 4 pixels, half found, and one road pixel (7) predicted as car.
 * const cm = new ConfusionMatrix(34).update([26, 26, 26, 26, 7], [26, 26, 7, 7, 26]);
 * const iiou = cityscapesInstanceIoU(cm, [{ labelId: 26, size: 4, tp: 2 }]);
 * // A small car weighs avg / 4 per pixel, so the one false positive pixel hardly counts.
 * const w = CITYSCAPES_AVG_CLASS_SIZE[26] / 4;
 * assert.equal(iiou[26], (2 * w) / (2 * w + 1 + 2 * w));
 * assert.ok(iiou[26] > 0.4999 && iiou[26] < 0.5); // the plain IoU is 2 / 5
 * ```
 */
export const CITYSCAPES_AVG_CLASS_SIZE: Readonly<Record<number, number>> = {
  24: 3462.4756337644, // person
  25: 3930.4788056518, // rider
  26: 12794.0202738185, // car
  27: 27855.1264367816, // truck
  28: 35732.1511111111, // bus
  29: 36771.8241758242, // caravan
  30: 16926.9763313609, // trailer
  31: 67583.7075812274, // train
  32: 6298.7200839748, // motorcycle
  33: 4672.3249222261, // bicycle
};

/** One row of `labels.py` (ids 0-33; license plate, id -1, is never in a label map). */
export interface CityscapesLabel {
  /** Label id, as in `*_labelIds.png`. */
  id: number;
  /** Label name. */
  name: string;
  /** Category name. */
  category: string;
  /** Whether the label has instances in `*_instanceIds.png`. */
  hasInstances: boolean;
  /** Whether the evaluation ignores the label. */
  ignoreInEval: boolean;
}

/**
 * The Cityscapes labels 0-33 of `labels.py`, in id order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CITYSCAPES_LABELS } from "./cityscapes.ts";
 *
 * assert.equal(CITYSCAPES_LABELS.length, 34);
 * assert.deepEqual(CITYSCAPES_LABELS[29], {
 *   id: 29, name: "caravan", category: "vehicle", hasInstances: true, ignoreInEval: true,
 * });
 * ```
 */
export const CITYSCAPES_LABELS: readonly CityscapesLabel[] = [
  { id: 0, name: "unlabeled", category: "void", hasInstances: false, ignoreInEval: true },
  { id: 1, name: "ego vehicle", category: "void", hasInstances: false, ignoreInEval: true },
  {
    id: 2,
    name: "rectification border",
    category: "void",
    hasInstances: false,
    ignoreInEval: true,
  },
  { id: 3, name: "out of roi", category: "void", hasInstances: false, ignoreInEval: true },
  { id: 4, name: "static", category: "void", hasInstances: false, ignoreInEval: true },
  { id: 5, name: "dynamic", category: "void", hasInstances: false, ignoreInEval: true },
  { id: 6, name: "ground", category: "void", hasInstances: false, ignoreInEval: true },
  { id: 7, name: "road", category: "flat", hasInstances: false, ignoreInEval: false },
  { id: 8, name: "sidewalk", category: "flat", hasInstances: false, ignoreInEval: false },
  { id: 9, name: "parking", category: "flat", hasInstances: false, ignoreInEval: true },
  { id: 10, name: "rail track", category: "flat", hasInstances: false, ignoreInEval: true },
  { id: 11, name: "building", category: "construction", hasInstances: false, ignoreInEval: false },
  { id: 12, name: "wall", category: "construction", hasInstances: false, ignoreInEval: false },
  { id: 13, name: "fence", category: "construction", hasInstances: false, ignoreInEval: false },
  { id: 14, name: "guard rail", category: "construction", hasInstances: false, ignoreInEval: true },
  { id: 15, name: "bridge", category: "construction", hasInstances: false, ignoreInEval: true },
  { id: 16, name: "tunnel", category: "construction", hasInstances: false, ignoreInEval: true },
  { id: 17, name: "pole", category: "object", hasInstances: false, ignoreInEval: false },
  { id: 18, name: "polegroup", category: "object", hasInstances: false, ignoreInEval: true },
  { id: 19, name: "traffic light", category: "object", hasInstances: false, ignoreInEval: false },
  { id: 20, name: "traffic sign", category: "object", hasInstances: false, ignoreInEval: false },
  { id: 21, name: "vegetation", category: "nature", hasInstances: false, ignoreInEval: false },
  { id: 22, name: "terrain", category: "nature", hasInstances: false, ignoreInEval: false },
  { id: 23, name: "sky", category: "sky", hasInstances: false, ignoreInEval: false },
  { id: 24, name: "person", category: "human", hasInstances: true, ignoreInEval: false },
  { id: 25, name: "rider", category: "human", hasInstances: true, ignoreInEval: false },
  { id: 26, name: "car", category: "vehicle", hasInstances: true, ignoreInEval: false },
  { id: 27, name: "truck", category: "vehicle", hasInstances: true, ignoreInEval: false },
  { id: 28, name: "bus", category: "vehicle", hasInstances: true, ignoreInEval: false },
  { id: 29, name: "caravan", category: "vehicle", hasInstances: true, ignoreInEval: true },
  { id: 30, name: "trailer", category: "vehicle", hasInstances: true, ignoreInEval: true },
  { id: 31, name: "train", category: "vehicle", hasInstances: true, ignoreInEval: false },
  { id: 32, name: "motorcycle", category: "vehicle", hasInstances: true, ignoreInEval: false },
  { id: 33, name: "bicycle", category: "vehicle", hasInstances: true, ignoreInEval: false },
];

/**
 * The category names in the order of `category2labels` (the order of the averages).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CITYSCAPES_CATEGORIES } from "./cityscapes.ts";
 *
 * assert.equal(CITYSCAPES_CATEGORIES.length, 8);
 * assert.equal(CITYSCAPES_CATEGORIES[0], "void");
 * ```
 */
export const CITYSCAPES_CATEGORIES: readonly string[] = [
  "void",
  "flat",
  "construction",
  "object",
  "nature",
  "sky",
  "human",
  "vehicle",
];

/** Options of the Cityscapes profiles. */
export interface CityscapesOptions {
  /** Label ids that are evaluated (default {@linkcode CITYSCAPES_EVAL_LABELS}). */
  evalLabels?: readonly number[];
}

function evalSet(cm: ConfusionMatrix, options: CityscapesOptions): number[] {
  const labels = [...(options.evalLabels ?? CITYSCAPES_EVAL_LABELS)];
  for (const l of labels) {
    if (!Number.isInteger(l) || l < 0 || l >= cm.numClasses) {
      throw new RangeError(
        `Expected evaluated label ids in [0, ${cm.numClasses}), but found ${l}; count over ` +
          `every label id (numClasses 34 for Cityscapes)`,
      );
    }
  }
  return labels;
}

function fpOf(counts: Float64Array, C: number, label: number, evaluated: number[]): number {
  let fp = 0;
  for (const r of evaluated) if (r !== label) fp += counts[r * C + label];
  return fp;
}

function scoreAverage(values: number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? NaN : sum / n;
}

/**
 * Per-label class IoU of the Cityscapes script, indexed by label id (NaN for labels that are
 * not evaluated or have an empty denominator).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { cityscapesClassIoU } from "./cityscapes.ts";
 *
 * // Labels 0 (void) and 1, 2 evaluated. GT void predicted 1: no FP. GT 1 predicted 0: FN.
 * const cm = new ConfusionMatrix(3).update([0, 1, 1, 2], [1, 0, 1, 2]);
 * assert.deepEqual(cityscapesClassIoU(cm, { evalLabels: [1, 2] }), [NaN, 0.5, 1]);
 * ```
 *
 * @param cm Exact state over raw label ids.
 * @param options evalLabels.
 * @returns One float64 value per label id.
 */
export function cityscapesClassIoU(cm: ConfusionMatrix, options: CityscapesOptions = {}): number[] {
  const C = cm.numClasses;
  const evaluated = evalSet(cm, options);
  const counts = cm.counts();
  const missed = cm.missed();
  return Array.from({ length: C }, (_, label) => {
    if (!evaluated.includes(label)) return NaN;
    const tp = counts[label * C + label];
    let row = missed[label];
    for (let p = 0; p < C; p++) row += counts[label * C + p];
    const fn = row - tp;
    const fp = fpOf(counts, C, label, evaluated);
    const den = tp + fp + fn;
    return den === 0 ? NaN : tp / den;
  });
}

/**
 * The Cityscapes "Score Average" of class IoU: the mean over evaluated labels that are not NaN.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { cityscapesMeanIoU } from "./cityscapes.ts";
 *
 * const cm = new ConfusionMatrix(3).update([0, 1, 1, 2], [1, 0, 1, 2]);
 * assert.equal(cityscapesMeanIoU(cm, { evalLabels: [1, 2] }), 0.75);
 * ```
 *
 * @param cm Exact state over raw label ids.
 * @param options evalLabels.
 * @returns The float64 mean.
 */
export function cityscapesMeanIoU(cm: ConfusionMatrix, options: CityscapesOptions = {}): number {
  return scoreAverage(cityscapesClassIoU(cm, options));
}

/** One ground-truth instance: its class, its size in pixels, and how many were predicted as it. */
export interface CityscapesInstance {
  /** Label id of the instance's class. */
  labelId: number;
  /** Pixels of the instance. */
  size: number;
  /** Pixels of the instance predicted as `labelId`. */
  tp: number;
  /**
   * Pixels of the instance predicted as any label of its category (ignored labels included),
   * for the category iIoU; absent when the category has no instance score.
   */
  categoryTp?: number;
}

/** Options of {@linkcode cityscapesInstanceIoU}. */
export interface CityscapesInstanceOptions extends CityscapesOptions {
  /** Average instance size per label id (default {@linkcode CITYSCAPES_AVG_CLASS_SIZE}). */
  avgClassSize?: Readonly<Record<number, number>>;
}

/**
 * Per-label iIoU of the Cityscapes script (NaN for labels without instances, not evaluated,
 * or with an empty denominator): iIoU_c = ΣwTP / (ΣwTP + FP + ΣwFN), with w = avgClassSize[c] /
 * size for each instance, accumulated in float64 in the order given; FP from the matrix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { cityscapesInstanceIoU } from "./cityscapes.ts";
 *
 * // Class 1 has instances: a small one (size 2, all found) and a large one (size 8, 4 found).
 * const cm = new ConfusionMatrix(2).update(
 *   [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0],
 *   [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1],
 * );
 * const iiou = cityscapesInstanceIoU(cm, [
 *   { labelId: 1, size: 2, tp: 2 },
 *   { labelId: 1, size: 8, tp: 4 },
 * ], { evalLabels: [0, 1], avgClassSize: { 1: 4 } });
 * // weights 2 and 0.5: wTP = 4 + 2 = 6, wFN = 0 + 2 = 2, FP = 1 → 6 / 9.
 * assert.equal(iiou[1], 6 / 9);
 * assert.ok(Number.isNaN(iiou[0])); // no instances
 * ```
 *
 * @param cm Exact state over raw label ids (for FP).
 * @param instances Every ground-truth instance of the dataset.
 * @param options evalLabels, avgClassSize.
 * @returns One float64 value per label id.
 */
export function cityscapesInstanceIoU(
  cm: ConfusionMatrix,
  instances: readonly CityscapesInstance[],
  options: CityscapesInstanceOptions = {},
): number[] {
  const C = cm.numClasses;
  const evaluated = evalSet(cm, options);
  const avg = options.avgClassSize ?? CITYSCAPES_AVG_CLASS_SIZE;
  const tpW = new Array<number>(C).fill(0);
  const fnW = new Array<number>(C).fill(0);
  for (const inst of instances) {
    const { labelId, size, tp } = inst;
    if (!Number.isInteger(size) || size <= 0 || !Number.isInteger(tp) || tp < 0 || tp > size) {
      throw new RangeError(
        `Expected an instance with integer size > 0 and 0 <= tp <= size, but found size ${size}, tp ${tp}`,
      );
    }
    if (!(labelId in avg) || !evaluated.includes(labelId)) continue;
    const w = avg[labelId] / size;
    tpW[labelId] += tp * w;
    fnW[labelId] += (size - tp) * w;
  }
  const counts = cm.counts();
  return Array.from({ length: C }, (_, label) => {
    if (!evaluated.includes(label) || !(label in avg)) return NaN;
    const fp = fpOf(counts, C, label, evaluated);
    const den = tpW[label] + fp + fnW[label];
    return den === 0 ? NaN : tpW[label] / den;
  });
}

/**
 * The Cityscapes iIoU "Score Average": mean of the non-NaN per-class iIoU.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { cityscapesMeanInstanceIoU } from "./cityscapes.ts";
 *
 * const cm = new ConfusionMatrix(2).update([1, 1, 0], [1, 0, 0]);
 * const m = cityscapesMeanInstanceIoU(cm, [{ labelId: 1, size: 2, tp: 1 }], {
 *   evalLabels: [0, 1],
 *   avgClassSize: { 1: 2 },
 * });
 * assert.equal(m, 0.5);
 * ```
 *
 * @param cm Exact state over raw label ids.
 * @param instances Every ground-truth instance.
 * @param options evalLabels, avgClassSize.
 * @returns The float64 mean.
 */
export function cityscapesMeanInstanceIoU(
  cm: ConfusionMatrix,
  instances: readonly CityscapesInstance[],
  options: CityscapesInstanceOptions = {},
): number {
  return scoreAverage(cityscapesInstanceIoU(cm, instances, options));
}

/**
 * Per-instance counts of one image from a Cityscapes instance-id map (`*_instanceIds.png`: a
 * pixel of an instance holds labelId * 1000 + k, other pixels hold their label id) and the
 * predicted label ids, as the script collects them: each id >= 1000 whose class is listed in
 * `avgClassSize` and evaluated is one instance, in increasing id order (the script's
 * `np.unique` order). Concatenate the lists of every image, in image order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cityscapesInstances } from "./cityscapes.ts";
 *
 * // Two cars (26001, 26002), road (7) and a person (24000).
 * const ids = [26001, 26001, 26002, 7, 24000, 24000];
 * const pred = [26, 7, 26, 7, 24, 0];
 * assert.deepEqual(cityscapesInstances(ids, pred), [
 *   { labelId: 24, size: 2, tp: 1, categoryTp: 1 },
 *   { labelId: 26, size: 2, tp: 1, categoryTp: 1 },
 *   { labelId: 26, size: 1, tp: 1, categoryTp: 1 },
 * ]);
 * ```
 *
 * @param instanceIds The instance-id map of one image (flat).
 * @param yPred Predicted label ids (flat, same length).
 * @param options evalLabels, avgClassSize (which classes have instances).
 * @returns One entry per ground-truth instance.
 */
export function cityscapesInstances(
  instanceIds: LabelArray,
  yPred: LabelArray,
  options: CityscapesInstanceOptions = {},
): CityscapesInstance[] {
  if (instanceIds.length !== yPred.length) {
    throw new RangeError(
      `Expected instanceIds and yPred to have the same length, but found ${instanceIds.length} and ${yPred.length}`,
    );
  }
  const evaluated = options.evalLabels ?? CITYSCAPES_EVAL_LABELS;
  const avg = options.avgClassSize ?? CITYSCAPES_AVG_CLASS_SIZE;
  const sizes = new Map<number, number>();
  const hits = new Map<number, number>();
  const categoryHits = new Map<number, number>();
  for (let i = 0; i < instanceIds.length; i++) {
    const id = instanceIds[i];
    if (!Number.isInteger(id) || id <= 1000) continue; // the script takes ids > 1000
    const labelId = Math.floor(id / 1000);
    if (!(labelId in avg) || !evaluated.includes(labelId)) continue;
    sizes.set(id, (sizes.get(id) ?? 0) + 1);
    if (yPred[i] === labelId) hits.set(id, (hits.get(id) ?? 0) + 1);
    const predLabel = CITYSCAPES_LABELS[yPred[i]];
    if (predLabel !== undefined && predLabel.category === CITYSCAPES_LABELS[labelId]?.category) {
      categoryHits.set(id, (categoryHits.get(id) ?? 0) + 1);
    }
  }
  return [...sizes.keys()].sort((a, b) => a - b).map((id) => {
    const labelId = Math.floor(id / 1000);
    const inst: CityscapesInstance = { labelId, size: sizes.get(id)!, tp: hits.get(id) ?? 0 };
    const category = CITYSCAPES_LABELS[labelId]?.category;
    if (category !== undefined && instanceCategory(category)) {
      inst.categoryTp = categoryHits.get(id) ?? 0;
    }
    return inst;
  });
}

function instanceCategory(category: string): boolean {
  return CITYSCAPES_LABELS.every((l) => l.category !== category || l.hasInstances);
}
