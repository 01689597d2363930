/**
 * Every common definition of mean IoU (and its neighbours) side by side, from one state.
 *
 * @module
 */

import { meanClassAccuracy, pixelAccuracy } from "./accuracy.ts";
import type { AveragingOptions } from "./averaging.ts";
import { meanDice } from "./dice.ts";
import { meanIoU, perClassIoU } from "./mean_iou.ts";
import { SegmentationStats } from "../core/segmentation_stats.ts";
import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import { type ProfileValue, runProfiles } from "../peers/registry.ts";

/** One definition's value, with what it computes and why it differs from the dataset mIoU. */
export interface DefinitionResult {
  /** Stable key, e.g. `"dataset"`, `"image-first"`, `"per-batch-8"`. */
  name: string;
  /** The value (NaN when the definition has nothing to average). */
  value: number;
  /** The options of `meanIoU` (or the function) that compute it. */
  options: AveragingOptions;
  /** The formula in words. */
  formula: string;
  /** Why it differs from the dataset mIoU on this data, in one line. */
  why: string;
  /** Libraries known to report it by default or with the named options. */
  usedBy: string;
}

/** The result of {@linkcode compare}. */
export interface Comparison {
  /** Number of classes. */
  numClasses: number;
  /** Images in the state (0 when only a confusion matrix was given). */
  numImages: number;
  /** Pixels counted (ignored and dropped pixels excluded). */
  pixels: number;
  /** Exact dataset confusion matrix, rows = true class. */
  confusionMatrix: number[][];
  /** Dataset IoU per class (NaN for classes with TP + FP + FN = 0). */
  perClassIoU: number[];
  /** Classes with TP + FP + FN = 0 over the dataset. */
  absentClasses: number[];
  /** Classes predicted somewhere but never true (TP + FN = 0 < FP). */
  predictedOnlyClasses: number[];
  /** Every definition, the dataset mIoU first. */
  definitions: DefinitionResult[];
  /**
   * What each library profile (torchmetrics, scikit-learn, smp, mmsegmentation, detectron2,
   * MONAI, Cityscapes; see `runProfiles`) reports on this state.
   */
  libraries: ProfileValue[];
}

/** Options of {@linkcode compare}. */
export interface CompareOptions {
  /**
   * Batch sizes for the per-batch definitions (default `[8]`). When given, the first is also
   * the batch size of the library profiles that accumulate per `update()` call (torchmetrics
   * `MeanIoU`); when not, they emulate one `update()` with every image.
   */
  batchSizes?: readonly number[];
}

/**
 * Computes every definition on the same exact state. With a plain `ConfusionMatrix` only the
 * dataset-level definitions are given; `SegmentationStats` adds the per-image and per-batch ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compare } from "./compare.ts";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 *
 * const stats = new SegmentationStats(3)
 *   .addImage([0, 0, 1, 1], [0, 0, 1, 0])
 *   .addImage([1, 1, 1, 1], [1, 1, 1, 1]);
 * const result = compare(stats, { batchSizes: [1] });
 * const byName = Object.fromEntries(result.definitions.map((d) => [d.name, d.value]));
 * assert.equal(byName["dataset"], (2 / 3 + 5 / 6) / 2);
 * assert.equal(byName["per-batch-1"], byName["image-first"]);
 * assert.deepEqual(result.absentClasses, [2]);
 * ```
 *
 * @param stats Exact state.
 * @param options Batch sizes for the per-batch definitions.
 * @returns All definitions side by side.
 */
export function compare(
  stats: SegmentationStats | ConfusionMatrix,
  options: CompareOptions = {},
): Comparison {
  const cm = stats instanceof SegmentationStats ? stats.confusionMatrix : stats;
  const { tp, fp, fn } = cm.classCounts();
  const C = cm.numClasses;
  const classes = Array.from({ length: C }, (_, c) => c);
  const absent = classes.filter((c) => tp[c] + fp[c] + fn[c] === 0);
  const predictedOnly = classes.filter((c) => tp[c] + fn[c] === 0 && fp[c] > 0);
  const pa = pixelAccuracy(cm);
  const list = (xs: number[]) => xs.length === 0 ? "none" : xs.join(", ");
  const out: DefinitionResult[] = [];
  const add = (
    name: string,
    opts: AveragingOptions,
    formula: string,
    why: string,
    usedBy: string,
  ) => out.push({ name, value: meanIoU(stats, opts), options: opts, formula, why, usedBy });

  add(
    "dataset",
    {},
    "per-class IoU from the dataset confusion matrix, mean over classes with TP+FP+FN > 0",
    "the reference: every pixel of the dataset weighs the same within its class",
    "mmsegmentation, detectron2 v0.6, Cityscapes, torchmetrics JaccardIndex, Keras MeanIoU (up to epsilon)",
  );
  add(
    "dataset-absent-zero",
    { absent: "zero" },
    "as dataset, absent classes (0/0) count as 0",
    `counts the absent class(es) ${list(absent)} as 0`,
    "torchmetrics < 1.0 (absent_score=0), sklearn jaccard_score(labels=all)",
  );
  add(
    "dataset-absent-one",
    { absent: "one" },
    "as dataset, absent classes (0/0) count as 1",
    `counts the absent class(es) ${list(absent)} as 1`,
    "smp iou_score (zero_division=1), sklearn (labels=all, zero_division=1)",
  );
  add(
    "dataset-skip-empty-gt",
    { emptyGroundTruth: "skip" },
    "as dataset, classes with no true pixel left out even when predicted",
    `leaves out predicted-only class(es) ${list(predictedOnly)} that dataset scores 0`,
    "detectron2 main",
  );
  add(
    "micro",
    { average: "micro" },
    "ΣTP / Σ(TP+FP+FN) over all classes; equals pa/(2-pa) for single-label data",
    `pools all classes, so frequent classes dominate (pixel accuracy ${fmt(pa)} gives ${
      fmt(pa / (2 - pa))
    })`,
    "torchmetrics/sklearn/smp average='micro'",
  );
  add(
    "weighted",
    { average: "weighted" },
    "Σ_c support_c IoU_c / Σ_c support_c, support = TP+FN",
    "weights each class by its true pixels, so frequent classes dominate",
    "detectron2 fwIoU, torchmetrics/sklearn average='weighted'",
  );
  if (stats instanceof SegmentationStats) {
    add(
      "pair-mean",
      { average: "pair-mean" },
      "mean of IoU over every (image, class) pair with TP+FP+FN > 0",
      "scores each class inside each image, so small objects weigh as much as large ones",
      "torchmetrics segmentation.MeanIoU >= 1.8",
    );
    add(
      "image-first",
      { average: "image-first" },
      "mean over images of each image's mIoU",
      "every image weighs the same, whatever its size or content",
      "MONAI MeanIoU (ignore_empty=False), mean of torchmetrics functional mean_iou",
    );
    add(
      "image-first-skip-empty-gt",
      { average: "image-first", emptyGroundTruth: "skip" },
      "as image-first, classes without true pixels in an image are left out of that image",
      "false positives of classes missing from an image no longer count",
      "MONAI MeanIoU (ignore_empty=True)",
    );
    add(
      "image-micro",
      { average: "image-micro" },
      "mean over images of each image's micro IoU",
      "per image, frequent classes dominate; then every image weighs the same",
      "smp micro-imagewise",
    );
    add(
      "class-first",
      { average: "class-first" },
      "for each class the mean IoU over images where it is valid, then the mean over classes",
      "a class's IoU is averaged over images, not pooled",
      "smp macro-imagewise, MONAI mean_batch",
    );
    for (const b of options.batchSizes ?? [8]) {
      if (b > stats.numImages) continue;
      add(
        `per-batch-${b}`,
        { average: "per-batch", batchSize: b },
        `dataset mIoU of each batch of ${b} consecutive images, mean over batches`,
        "depends on batch size and image order: each batch has its own absent classes",
        "hand-written Keras/PyTorch per-batch IoU, torchmetrics MeanIoU 1.5-1.7",
      );
    }
  }
  out.push({
    name: "dice",
    value: meanDice(stats),
    options: {},
    formula: "mean over classes of 2TP / (2TP+FP+FN) from the dataset matrix",
    why: "Dice = 2 IoU / (1 + IoU) per class, always >= IoU",
    usedBy: "mmsegmentation mDice, smp f1_score",
  });
  out.push({
    name: "pixel-accuracy",
    value: pa,
    options: {},
    formula: "ΣTP / Σ(TP+FN): share of counted pixels predicted right",
    why: "not an IoU: counts pixels, so the dominant class decides",
    usedBy: "mmsegmentation aAcc, detectron2 pACC",
  });
  out.push({
    name: "mean-class-accuracy",
    value: meanClassAccuracy(cm),
    options: {},
    formula: "mean over classes with true pixels of TP / (TP+FN) (recall)",
    why: "ignores false positives",
    usedBy: "mmsegmentation mAcc, detectron2 mACC",
  });
  return {
    numClasses: C,
    numImages: stats instanceof SegmentationStats ? stats.numImages : 0,
    pixels: cm.total,
    confusionMatrix: cm.toArray(),
    perClassIoU: perClassIoU(cm),
    absentClasses: absent,
    predictedOnlyClasses: predictedOnly,
    definitions: out,
    libraries: runProfiles(stats, { batchSize: options.batchSizes?.[0] }),
  };
}

function fmt(x: number): string {
  return Number.isNaN(x) ? "NaN" : x.toFixed(4);
}
