/**
 * The registry of library profiles: what each library (and version) would report as "mean
 * IoU" for the same exact state, side by side.
 *
 * Every entry is a small pure function of the state. `checkedAgainst` says how the profile is
 * known to be right: `"real library runs"` (the goldens of torchmetrics 1.9.0, scikit-learn 1.9.1,
 * smp 0.5, MONAI 1.5, mmseg 1.x and cityscapesScripts, replayed to the last bit; for smp, mmseg,
 * MONAI and Cityscapes through the full metric functions, which
 * `tests/peers/registry_crosscheck_test.ts` ties to the ones these rows call) or
 * `"hand-worked examples"` (versions or libraries that cannot be run here; their profiles follow
 * the library's source). The Cityscapes row evaluates every class of the state, where the script
 * evaluates its own 19: the same average over a different list.
 *
 * @module
 */

import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import { SegmentationStats } from "../core/segmentation_stats.ts";
import { cityscapesMeanIoU } from "./cityscapes.ts";
import { detectron2MeanIoU } from "./detectron2.ts";
import { mmsegMeanIoU } from "./mmseg.ts";
import { monaiMeanIoU } from "./monai.ts";
import { SklearnError, sklearnJaccardScore } from "./sklearn.ts";
import { smpIoUScore } from "./smp.ts";
import { torchmetricsJaccardIndex } from "./torchmetrics.ts";
import { torchmetricsMeanIoU } from "./torchmetrics_meaniou.ts";

/** One library's definition of mean IoU, as a function of the exact state. */
export interface Profile {
  /** Stable key, e.g. `"torchmetrics-jaccard-macro"`. */
  name: string;
  /** The library, as installed (`pip` name). */
  library: string;
  /** Versions with this behaviour. */
  versions: string;
  /** The call it reproduces and what it computes, in one line. */
  description: string;
  /** How the profile was verified. */
  checkedAgainst: "real library runs" | "hand-worked examples";
  /** `"confusion-matrix"`: dataset counts suffice; `"per-image"`: needs `SegmentationStats`. */
  input: "confusion-matrix" | "per-image";
  /**
   * The value the library would report (as a fraction in [0, 1]). Profiles whose library
   * accumulates per `update()` call read `context.batchSize`.
   */
  compute(stats: SegmentationStats | ConfusionMatrix, context?: ProfileContext): number;
  /** The description for a context, where the context changes what the row emulates. */
  describe?(context: ProfileContext): string;
}

/** How the user ran the library, where it changes the result. */
export interface ProfileContext {
  /**
   * Images per `update()` call (the data loader's batch size). Default: one `update()` with
   * every image. torchmetrics `segmentation.MeanIoU` sums its per-batch scores in float32, so
   * the batch size changes the last bits (and, before 1.8, the definition).
   */
  batchSize?: number;
}

function matrixOf(stats: SegmentationStats | ConfusionMatrix): ConfusionMatrix {
  return stats instanceof SegmentationStats ? stats.confusionMatrix : stats;
}

function imagesOf(stats: SegmentationStats | ConfusionMatrix, name: string): SegmentationStats {
  if (!(stats instanceof SegmentationStats)) {
    throw new TypeError(`Expected SegmentationStats for profile ${name} (per-image counts)`);
  }
  return stats;
}

const REAL = "real library runs" as const;
const HAND = "hand-worked examples" as const;

/**
 * Every profile, torchmetrics first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { PROFILES } from "./registry.ts";
 *
 * assert.equal(new Set(PROFILES.map((p) => p.name)).size, PROFILES.length); // unique keys
 * // On a perfect prediction every library reports 1.
 * const stats = new SegmentationStats(3).addImage([0, 1, 2, 2], [0, 1, 2, 2]);
 * for (const p of PROFILES) assert.equal(p.compute(stats), 1, p.name);
 * // The dataset-level ones also read a bare confusion matrix.
 * for (const p of PROFILES.filter((p) => p.input === "confusion-matrix")) {
 *   assert.equal(p.compute(stats.confusionMatrix), 1, p.name);
 * }
 * ```
 */
export const PROFILES: readonly Profile[] = [
  {
    name: "torchmetrics-jaccard-macro",
    library: "torchmetrics",
    versions: ">=1.0",
    description:
      "JaccardIndex(task='multiclass', average='macro'): dataset IoU, absent classes excluded, float32",
    checkedAgainst: REAL,
    input: "confusion-matrix",
    compute: (s) => torchmetricsJaccardIndex(matrixOf(s)),
  },
  {
    name: "torchmetrics-jaccard-macro-0.11",
    library: "torchmetrics",
    versions: "0.11 (and <=0.10 with absent_score=0)",
    description: "JaccardIndex macro with absent classes averaged in as 0",
    checkedAgainst: HAND,
    input: "confusion-matrix",
    compute: (s) => torchmetricsJaccardIndex(matrixOf(s), { version: "0.11" }),
  },
  {
    name: "torchmetrics-jaccard-micro",
    library: "torchmetrics",
    versions: ">=0.11",
    description: "JaccardIndex(average='micro'): pooled over classes, pa / (2 - pa)",
    checkedAgainst: REAL,
    input: "confusion-matrix",
    compute: (s) => torchmetricsJaccardIndex(matrixOf(s), { average: "micro" }),
  },
  {
    name: "torchmetrics-jaccard-weighted",
    library: "torchmetrics",
    versions: ">=0.11",
    description: "JaccardIndex(average='weighted'): per-class IoU weighted by ground-truth support",
    checkedAgainst: REAL,
    input: "confusion-matrix",
    compute: (s) => torchmetricsJaccardIndex(matrixOf(s), { average: "weighted" }),
  },
  {
    name: "torchmetrics-meaniou",
    library: "torchmetrics",
    versions: ">=1.8",
    description:
      "segmentation.MeanIoU(), one update() with every image: mean over valid (image, class) cells (pair mean)",
    describe: (context) =>
      context.batchSize === undefined
        ? "segmentation.MeanIoU(), one update() with every image: mean over valid (image, class) cells (pair mean)"
        : `segmentation.MeanIoU(), one update() per batch of ${context.batchSize} images: mean ` +
          "over valid (image, class) cells (pair mean)",
    checkedAgainst: REAL,
    input: "per-image",
    compute: (s, context) =>
      torchmetricsMeanIoU(imagesOf(s, "torchmetrics-meaniou"), { batchSize: context?.batchSize }),
  },
  {
    name: "torchmetrics-meaniou-1.5",
    library: "torchmetrics",
    versions: "1.5-1.7",
    description:
      "segmentation.MeanIoU(), one image per update: mean of per-image means over all classes (0 for absent)",
    checkedAgainst: HAND,
    input: "per-image",
    compute: (s) =>
      torchmetricsMeanIoU(imagesOf(s, "torchmetrics-meaniou-1.5"), { version: "1.5", batches: 1 }),
  },
  {
    name: "sklearn-jaccard-macro",
    library: "scikit-learn",
    versions: ">=0.21",
    description: "jaccard_score(average='macro'): labels present in y_true or y_pred only",
    checkedAgainst: REAL,
    input: "confusion-matrix",
    compute: (s) => sklearnJaccardScore(matrixOf(s), { average: "macro" }),
  },
  {
    name: "sklearn-jaccard-macro-all-labels",
    library: "scikit-learn",
    versions: ">=0.21",
    description: "jaccard_score(average='macro', labels=range(C)): absent classes count 0",
    checkedAgainst: REAL,
    input: "confusion-matrix",
    compute: (s) => {
      const cm = matrixOf(s);
      return sklearnJaccardScore(cm, {
        average: "macro",
        labels: Array.from({ length: cm.numClasses }, (_, c) => c),
      });
    },
  },
  {
    name: "sklearn-jaccard-micro",
    library: "scikit-learn",
    versions: ">=0.21",
    description: "jaccard_score(average='micro'): pa / (2 - pa) on single-label data",
    checkedAgainst: REAL,
    input: "confusion-matrix",
    compute: (s) => sklearnJaccardScore(matrixOf(s), { average: "micro" }),
  },
  {
    name: "sklearn-jaccard-weighted",
    library: "scikit-learn",
    versions: ">=0.21",
    description: "jaccard_score(average='weighted'): weighted by support",
    checkedAgainst: REAL,
    input: "confusion-matrix",
    compute: (s) => sklearnJaccardScore(matrixOf(s), { average: "weighted" }),
  },
  {
    name: "smp-macro",
    library: "segmentation-models-pytorch",
    versions: "current metrics API",
    description:
      "iou_score(reduction='macro'): dataset IoU, absent classes count zero_division = 1",
    checkedAgainst: REAL,
    input: "per-image",
    compute: (s) => smpIoUScore(imagesOf(s, "smp-macro"), { reduction: "macro" }),
  },
  {
    name: "smp-micro",
    library: "segmentation-models-pytorch",
    versions: "current metrics API",
    description: "iou_score(reduction='micro'): pooled over images and classes",
    checkedAgainst: REAL,
    input: "per-image",
    compute: (s) => smpIoUScore(imagesOf(s, "smp-micro"), { reduction: "micro" }),
  },
  {
    name: "smp-micro-imagewise",
    library: "segmentation-models-pytorch",
    versions: "current metrics API",
    description: "iou_score(reduction='micro-imagewise'): per-image pooled ratio, mean over images",
    checkedAgainst: REAL,
    input: "per-image",
    compute: (s) =>
      smpIoUScore(imagesOf(s, "smp-micro-imagewise"), { reduction: "micro-imagewise" }),
  },
  {
    name: "smp-macro-imagewise",
    library: "segmentation-models-pytorch",
    versions: "current metrics API",
    description: "iou_score(reduction='macro-imagewise'): class-first, absent cells count 1",
    checkedAgainst: REAL,
    input: "per-image",
    compute: (s) =>
      smpIoUScore(imagesOf(s, "smp-macro-imagewise"), { reduction: "macro-imagewise" }),
  },
  {
    name: "mmseg-iou-metric",
    library: "mmsegmentation",
    versions: "1.x",
    description: "IoUMetric mIoU: float32 totals, nanmean (reported x 100, 2 decimals)",
    checkedAgainst: REAL,
    input: "per-image",
    compute: (s) => mmsegMeanIoU(imagesOf(s, "mmseg-iou-metric")),
  },
  {
    name: "detectron2-main",
    library: "detectron2",
    versions: "main since 2022 (f3c1bc19)",
    description: "SemSegEvaluator mIoU over classes with ground truth only (reported x 100)",
    checkedAgainst: HAND,
    input: "confusion-matrix",
    compute: (s) => detectron2MeanIoU(matrixOf(s)),
  },
  {
    name: "detectron2-0.6",
    library: "detectron2",
    versions: "0.6 (last release)",
    description: "SemSegEvaluator mIoU, predicted-only classes count 0 (reported x 100)",
    checkedAgainst: HAND,
    input: "confusion-matrix",
    compute: (s) => detectron2MeanIoU(matrixOf(s), { version: "0.6" }),
  },
  {
    name: "monai-meaniou",
    library: "monai",
    versions: ">=0.9.1",
    description: "MeanIoU(reduction='mean'): image-first; cells with empty ground truth ignored",
    checkedAgainst: REAL,
    input: "per-image",
    compute: (s) => monaiMeanIoU(imagesOf(s, "monai-meaniou")),
  },
  {
    name: "monai-meaniou-keep-empty",
    library: "monai",
    versions: ">=0.9.1",
    description: "MeanIoU(reduction='mean', ignore_empty=False): empty cells score 1",
    checkedAgainst: REAL,
    input: "per-image",
    compute: (s) => monaiMeanIoU(imagesOf(s, "monai-meaniou-keep-empty"), { ignoreEmpty: false }),
  },
  {
    name: "cityscapes",
    library: "cityscapesscripts",
    versions: "current",
    description: "evalPixelLevelSemanticLabeling class IoU Score Average (every class evaluated)",
    checkedAgainst: REAL,
    input: "confusion-matrix",
    compute: (s) => {
      const cm = matrixOf(s);
      return cityscapesMeanIoU(cm, {
        evalLabels: Array.from({ length: cm.numClasses }, (_, c) => c),
      });
    },
  },
];

/** One row of {@linkcode runProfiles}. */
export interface ProfileValue {
  /** The profile's key ({@linkcode Profile.name}). */
  name: string;
  /** The library ({@linkcode Profile.library}). */
  library: string;
  /** Versions with this behaviour ({@linkcode Profile.versions}). */
  versions: string;
  /** The call it reproduces ({@linkcode Profile.description}). */
  description: string;
  /** How the profile was verified ({@linkcode Profile.checkedAgainst}). */
  checkedAgainst: Profile["checkedAgainst"];
  /** The value, or NaN when the profile could not run (see `error`). */
  value: number;
  /** Why the profile could not run on this state (e.g. needs per-image counts). */
  error?: string;
  /**
   * Where `error` is the library's own error, reproduced (scikit-learn's `SklearnError`): the
   * exception class the library raises, e.g. `"ValueError"`; `error` is then its message.
   */
  errorClass?: string;
}

/**
 * Runs every profile on one state. Per-image profiles are skipped (with an `error`) when only a
 * confusion matrix is given; a profile that rejects the state (e.g. out-of-range predictions
 * that the library would fold) reports why instead of a number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { runProfiles } from "./registry.ts";
 *
 * const stats = new SegmentationStats(3)
 *   .addImage([0, 0, 1, 1], [0, 0, 1, 2])
 *   .addImage([1, 1, 1, 1], [1, 1, 1, 1]);
 * const rows = runProfiles(stats);
 * const d2 = rows.find((r) => r.name === "detectron2-main")!;
 * assert.equal(d2.value, (1 + 5 / 6) / 2); // class 2 (only predicted) left out
 * const old = rows.find((r) => r.name === "detectron2-0.6")!;
 * assert.equal(old.value, (1 + 5 / 6) / 3);
 *
 * // Where the library itself raises, the row says which error (scikit-learn on no pixels).
 * const sk = runProfiles(new SegmentationStats(3)).find((r) => r.name === "sklearn-jaccard-macro")!;
 * assert.equal(sk.errorClass, "ValueError");
 * assert.match(sk.error!, /^Found empty input array/);
 *
 * // torchmetrics MeanIoU as a training loop feeds it: one update() per batch of 1 image.
 * const tm = runProfiles(stats, { batchSize: 1 }).find((r) => r.name === "torchmetrics-meaniou")!;
 * assert.match(tm.description, /one update\(\) per batch of 1 images/);
 * ```
 *
 * @param stats The exact state.
 * @param context How the libraries were run (batch size), where it changes the result.
 * @returns One row per profile, in registry order.
 */
export function runProfiles(
  stats: SegmentationStats | ConfusionMatrix,
  context: ProfileContext = {},
): ProfileValue[] {
  return PROFILES.map((p) => {
    const row: ProfileValue = {
      name: p.name,
      library: p.library,
      versions: p.versions,
      description: p.describe?.(context) ?? p.description,
      checkedAgainst: p.checkedAgainst,
      value: NaN,
    };
    if (p.input === "per-image" && !(stats instanceof SegmentationStats)) {
      row.error = "needs per-image counts (SegmentationStats)";
      return row;
    }
    try {
      row.value = p.compute(stats, context);
    } catch (e) {
      row.error = (e as Error).message;
      if (e instanceof SklearnError) row.errorClass = e.errorClass;
    }
    return row;
  });
}

/**
 * Looks a profile up by name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getProfile } from "./registry.ts";
 *
 * assert.equal(getProfile("mmseg-iou-metric").library, "mmsegmentation");
 * ```
 *
 * @param name A `Profile.name`.
 * @returns The profile.
 */
export function getProfile(name: string): Profile {
  const p = PROFILES.find((x) => x.name === name);
  if (p === undefined) {
    throw new RangeError(
      `Expected a profile name (${PROFILES.map((x) => x.name).join(", ")}), but found ${name}`,
    );
  }
  return p;
}
