/**
 * torchmetrics `segmentation.MeanIoU` profiles (per update 1.5-1.7, pair mean 1.8+) and the
 * functional `mean_iou`, reproduced from the per-image exact state: torchmetrics keeps exact
 * counts per (image, class) and sums the float32 scores per `update()` in PyTorch's CPU order.
 * Checked against real torchmetrics 1.9.0 runs in `golden/`, to the last bit; the 1.5-1.7
 * branch follows the source at those versions and is tested on hand-worked examples.
 *
 * @module
 */

import type { ClassCounts } from "../core/confusion_matrix.ts";
import type { SegmentationStats } from "../core/segmentation_stats.ts";
import {
  torchColumnSums32,
  type TorchCpuCapability,
  torchRowSums32,
  torchSum32,
} from "../float32/reduction_order.ts";
import { checkNoMissed, f32, torchLanes, updateBatchSizes } from "./_torchmetrics_shared.ts";

/** Options of the `segmentation.MeanIoU` profiles. */
export interface TorchmetricsMeanIoUOptions {
  /**
   * Images per `update()` call, in order: an array of sizes summing to the number of images,
   * or one batch size (the last batch takes the rest). Default: one update with every image.
   */
  batches?: readonly number[] | number;
  /**
   * Images per `update()` call, the last call taking the rest: the same as `batches: n`, the
   * usual loop of `metric.update(preds, target)` once per data-loader batch. The float32 score
   * is summed per update, so the batch size shows in the last bits.
   */
  batchSize?: number;
  /** `include_background` (default true); false drops class 0. */
  includeBackground?: boolean;
  /**
   * `"1.8"` (default; 1.8 and later, PR #2892): mean over every valid (image, class) cell,
   * union = 0 cells skipped. `"1.5"` (1.5 to 1.7, PR #2698): per update, the mean over images of
   * each image's mean over all classes (union = 0 counts as 0), then the mean over updates.
   */
  version?: "1.8" | "1.5";
  /** `torch.backends.cpu.get_cpu_capability()` (default `"avx2"`; 8 float32 lanes on x86). */
  cpuCapability?: TorchCpuCapability;
  /** float32 lanes of torch's sums, overriding `cpuCapability` (8 on x86). */
  vectorWidth?: number;
}

interface ImageCells {
  inter: number[];
  union: number[];
}

function imageCells(counts: ClassCounts, includeBackground: boolean): ImageCells {
  const { tp, fp, fn } = counts;
  const start = includeBackground ? 0 : 1;
  const inter: number[] = [];
  const union: number[] = [];
  for (let c = start; c < tp.length; c++) {
    inter.push(tp[c]);
    union.push(tp[c] + fp[c] + fn[c]);
  }
  return { inter, union };
}

function meanIoUState(
  stats: SegmentationStats,
  options: TorchmetricsMeanIoUOptions,
  perClass: boolean,
): number[] {
  checkNoMissed(stats.confusionMatrix, "torchmetrics MeanIoU (one_hot fails on them)");
  const bg = options.includeBackground ?? true;
  const version = options.version ?? "1.8";
  if (version !== "1.8" && version !== "1.5") {
    throw new RangeError(`Expected version "1.8" or "1.5", but found ${version}`);
  }
  const vw = torchLanes(options);
  const K = stats.numClasses - (bg ? 0 : 1);
  if (options.batchSize !== undefined && options.batches !== undefined) {
    throw new RangeError("Expected batches or batchSize, but found both");
  }
  const sizes = updateBatchSizes(stats.numImages, options.batches ?? options.batchSize);
  const score = new Array<number>(perClass ? K : 1).fill(0);
  const count = new Array<number>(perClass ? K : 1).fill(0);
  let updates = 0;
  // one update's (image, class) table at a time, in typed arrays (4 + 1 bytes a cell), filled
  // from the counts read image by image in reused arrays
  const update = (n: number, cells: Float32Array, valid: Uint8Array) => {
    // a cell whose union is 0 is already 0, so masking the invalid cells changes nothing:
    // torchmetrics 1.8's masked table is `cells` itself
    if (version === "1.8") {
      if (perClass) {
        const sums = torchColumnSums32(cells, n, K, vw);
        for (let c = 0; c < K; c++) {
          score[c] = f32(score[c] + sums[c]);
          for (let j = 0; j < n; j++) count[c] += valid[j * K + c];
        }
      } else {
        score[0] = f32(score[0] + torchSum32(cells, vw));
        for (let k = 0; k < valid.length; k++) count[0] += valid[k];
      }
    } else {
      if (perClass) {
        const sums = torchColumnSums32(cells, n, K, vw);
        for (let c = 0; c < K; c++) score[c] = f32(score[c] + f32(sums[c] / n));
      } else {
        const imageMeans = torchRowSums32(cells, n, K, vw).map((s) => f32(s / K));
        score[0] = f32(score[0] + f32(torchSum32(imageMeans, vw) / n));
      }
      updates++;
    }
  };
  const start = bg ? 0 : 1;
  let batch = 0;
  let j = 0;
  let cells = new Float32Array(0);
  let valid = new Uint8Array(0);
  stats.forEachImage(({ tp, fp, fn }) => {
    if (j === 0) {
      cells = new Float32Array(sizes[batch] * K);
      valid = new Uint8Array(sizes[batch] * K);
    }
    for (let c = 0; c < K; c++) {
      const t = tp[c + start];
      const union = t + fp[c + start] + fn[c + start];
      const u = f32(union);
      cells[j * K + c] = u !== 0 ? f32(f32(t) / u) : 0;
      valid[j * K + c] = union > 0 ? 1 : 0;
    }
    if (++j === sizes[batch]) {
      update(j, cells, valid);
      batch++;
      j = 0;
    }
  });
  if (version === "1.5") return score.map((s) => f32(s / updates));
  if (perClass) return score.map((s, c) => f32(s / count[c])).map((v) => Number.isNaN(v) ? -1 : v);
  // score / num_batches broadcast to K equal values, then nanmean.
  const v = f32(score[0] / count[0]);
  if (Number.isNaN(v)) return [NaN];
  return [f32(torchSum32(new Array<number>(K).fill(v), vw) / K)];
}

/**
 * torchmetrics `segmentation.MeanIoU(per_class=False)` from per-image counts: since 1.8 the
 * mean over all valid (image, class) cells ("pair mean"; union = 0 cells skipped), with a
 * float32 running sum per `update()`; in 1.5-1.7 the mean over updates of each update's mean
 * of per-image means over all classes (union = 0 → 0). Pixels cannot be ignored in this metric:
 * build the state without ignore labels to reproduce it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { torchmetricsMeanIoU } from "./torchmetrics_meaniou.ts";
 *
 * const stats = new SegmentationStats(3)
 *   .addImage([0, 0, 1, 1], [0, 0, 1, 0])   // IoU 2/3, 1/2; class 2 absent
 *   .addImage([1, 1, 1, 1], [1, 1, 1, 1]);  // IoU 1 for class 1 only
 * // 1.8+: three valid cells.
 * assert.ok(Math.abs(torchmetricsMeanIoU(stats) - (2 / 3 + 1 / 2 + 1) / 3) < 1e-7);
 * // 1.5-1.7, one update of two images: ((2/3 + 1/2 + 0) / 3 + (0 + 1 + 0) / 3) / 2.
 * assert.ok(Math.abs(torchmetricsMeanIoU(stats, { version: "1.5" }) - 13 / 36) < 1e-7);
 * ```
 *
 * @param stats Per-image exact counts.
 * @param options batches, include_background, version.
 * @returns The float32 result (NaN when no cell is valid).
 */
export function torchmetricsMeanIoU(
  stats: SegmentationStats,
  options: TorchmetricsMeanIoUOptions = {},
): number {
  return meanIoUState(stats, options, false)[0];
}

/**
 * torchmetrics `segmentation.MeanIoU(per_class=True)`: per class, the mean IoU over the images
 * where the class is valid (1.8+; −1 for a class never valid), or over updates of the batch
 * means with union = 0 counted as 0 (1.5-1.7).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { torchmetricsMeanIoUPerClass } from "./torchmetrics_meaniou.ts";
 *
 * const stats = new SegmentationStats(3)
 *   .addImage([0, 0, 1, 1], [0, 0, 1, 0])
 *   .addImage([1, 1, 1, 1], [1, 1, 1, 1]);
 * assert.deepEqual(torchmetricsMeanIoUPerClass(stats), [Math.fround(2 / 3), 0.75, -1]);
 * ```
 *
 * @param stats Per-image exact counts.
 * @param options batches, include_background, version.
 * @returns One float32 value per class (class 0 dropped without background).
 */
export function torchmetricsMeanIoUPerClass(
  stats: SegmentationStats,
  options: TorchmetricsMeanIoUOptions = {},
): number[] {
  return meanIoUState(stats, options, true);
}

/**
 * torchmetrics functional `segmentation.mean_iou(..., per_class=False)` (1.9): one value per
 * image, the mean of the image's classes with union > 0 (NaN when it has none). Averaging
 * these yourself gives the image-first mean, not what the `MeanIoU` module returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { torchmetricsMeanIoUPerImage } from "./torchmetrics_meaniou.ts";
 *
 * const stats = new SegmentationStats(3)
 *   .addImage([0, 0, 1, 1], [0, 0, 1, 0])
 *   .addImage([1, 1, 1, 1], [1, 1, 1, 1]);
 * const [first, second] = torchmetricsMeanIoUPerImage(stats);
 * assert.ok(Math.abs(first - 7 / 12) < 1e-7); // (2/3 + 1/2) / 2, class 2 skipped
 * assert.equal(second, 1);
 * ```
 *
 * @param stats Per-image exact counts.
 * @param options include_background.
 * @returns One float32 value per image.
 */
export function torchmetricsMeanIoUPerImage(
  stats: SegmentationStats,
  options: Pick<TorchmetricsMeanIoUOptions, "includeBackground" | "vectorWidth" | "cpuCapability"> =
    {},
): number[] {
  checkNoMissed(stats.confusionMatrix, "torchmetrics mean_iou (one_hot fails on them)");
  const bg = options.includeBackground ?? true;
  const out: number[] = [];
  stats.forEachImage((counts) => {
    const { inter, union } = imageCells(counts, bg);
    const cells = inter.map((v, c) => union[c] > 0 ? f32(f32(v) / f32(union[c])) : 0);
    const valid = union.filter((u) => u > 0).length;
    out.push(f32(torchSum32(cells, torchLanes(options)) / valid));
  });
  return out;
}

/**
 * torchmetrics functional `segmentation.mean_iou(..., per_class=True)`: the (image, class)
 * matrix of float32 IoU, −1 where union = 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { torchmetricsIoUPerImageClass } from "./torchmetrics_meaniou.ts";
 *
 * const stats = new SegmentationStats(2).addImage([0, 1], [0, 0]);
 * assert.deepEqual(torchmetricsIoUPerImageClass(stats), [[0.5, 0]]);
 * ```
 *
 * @param stats Per-image exact counts.
 * @param options include_background.
 * @returns One row per image.
 */
export function torchmetricsIoUPerImageClass(
  stats: SegmentationStats,
  options: Pick<TorchmetricsMeanIoUOptions, "includeBackground"> = {},
): number[][] {
  checkNoMissed(stats.confusionMatrix, "torchmetrics mean_iou (one_hot fails on them)");
  const bg = options.includeBackground ?? true;
  const out: number[][] = [];
  stats.forEachImage((counts) => {
    const { inter, union } = imageCells(counts, bg);
    out.push(inter.map((v, c) => union[c] > 0 ? f32(f32(v) / f32(union[c])) : -1));
  });
  return out;
}
