/**
 * The multilabel exact state: per image and per class binary (one-vs-rest) counts TP, FP, FN
 * and TN, beside the multiclass `SegmentationStats`. It is what non-exclusive masks (one-hot or
 * multi-hot, channel first) and thresholded probabilities count into, and what the multilabel
 * definitions (torchmetrics `MultilabelJaccardIndex`, one-hot `segmentation.MeanIoU`,
 * scikit-learn multilabel `jaccard_score`, MONAI `MeanIoU`) read.
 *
 * @module
 */

import type { SegmentationStats } from "./segmentation_stats.ts";

/** Per image and class binary counts (one-vs-rest): exact non-negative integers. */
export interface BinaryCounts {
  /** Pixels in the class's target mask and in its predicted mask. */
  tp: number;
  /** Pixels in the predicted mask only. */
  fp: number;
  /** Pixels in the target mask only. */
  fn: number;
  /** Pixels counted in neither mask. */
  tn: number;
}

/** Per-class count arrays of one image or of a sum of images. */
export interface MultilabelCounts {
  /** True positives per class. */
  tp: number[];
  /** False positives per class. */
  fp: number[];
  /** False negatives per class. */
  fn: number[];
  /** True negatives per class. */
  tn: number[];
}

const KEYS = ["tp", "fp", "fn", "tn"] as const;

/** The JSON form of {@linkcode MultilabelStats}. */
export interface MultilabelStatsJSON {
  /** Number of classes. */
  numClasses: number;
  /** One entry per image, in the order added. */
  images: MultilabelCounts[];
}

/**
 * Exact multilabel statistics, image by image: for each image and class the binary counts
 * TP, FP, FN and TN of that class's mask against its target mask (classes need not be
 * exclusive: a pixel may be in several masks, or in none). Counts are exact integers; a sum
 * that would pass 2^53 is refused (nothing is added then).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultilabelStats } from "./multilabel_stats.ts";
 *
 * // 2 classes, 3 pixels, channel first: class 0's mask, then class 1's (pixel 1 in both)
 * const stats = new MultilabelStats(2).addImageMasks([1, 1, 0, 0, 1, 1], [1, 0, 0, 0, 1, 0]);
 * assert.deepEqual(stats.image(0), { tp: [1, 1], fp: [0, 0], fn: [1, 1], tn: [1, 1] });
 * stats.addImageCounts({ tp: [2, 0], fp: [0, 1], fn: [0, 0], tn: [1, 2] });
 * assert.equal(stats.numImages, 2);
 * assert.deepEqual(stats.totals().tp, [3, 1]);
 * ```
 */
export class MultilabelStats {
  /** Number of classes (labels). */
  readonly numClasses: number;
  #images: Float64Array[] = []; // per image: tp, fp, fn, tn columns, 4 * C
  #totals: Float64Array;

  /**
   * Empty statistics.
   *
   * @param numClasses Number of classes (labels), an integer >= 1.
   */
  constructor(numClasses: number) {
    if (!Number.isSafeInteger(numClasses) || numClasses < 1) {
      throw new RangeError(
        `Expected numClasses to be an integer >= 1, but found ${String(numClasses)}`,
      );
    }
    this.numClasses = numClasses;
    this.#totals = new Float64Array(4 * numClasses);
  }

  /** Number of images added so far. */
  get numImages(): number {
    return this.#images.length;
  }

  /**
   * Adds one image's counts, each an array of `numClasses` non-negative safe integers.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MultilabelStats } from "./multilabel_stats.ts";
   * const stats = new MultilabelStats(1).addImageCounts({ tp: [1], fp: [2], fn: [3], tn: [4] });
   * assert.deepEqual(stats.image(0), { tp: [1], fp: [2], fn: [3], tn: [4] });
   * assert.throws(
   *   () => stats.addImageCounts({ tp: [1.5], fp: [0], fn: [0], tn: [0] }),
   *   /Expected tp\[0\] to be a non-negative safe integer, but found 1.5/,
   * );
   * ```
   *
   * @param counts tp, fp, fn and tn per class.
   * @returns These statistics.
   */
  addImageCounts(
    counts: {
      tp: ArrayLike<number>;
      fp: ArrayLike<number>;
      fn: ArrayLike<number>;
      tn: ArrayLike<number>;
    },
  ): this {
    if (typeof counts !== "object" || counts === null) {
      throw new TypeError("Expected counts to be an object with tp, fp, fn and tn arrays");
    }
    const C = this.numClasses;
    const row = new Float64Array(4 * C);
    KEYS.forEach((key, k) => {
      const values = counts[key];
      if (values === null || typeof values !== "object" || values.length !== C) {
        throw new RangeError(
          `Expected ${key} to have ${C} entries, but found ${
            values === null || typeof values !== "object" ? String(values) : values.length
          }`,
        );
      }
      for (let c = 0; c < C; c++) {
        const v = values[c];
        if (!Number.isSafeInteger(v) || v < 0) {
          throw new RangeError(
            `Expected ${key}[${c}] to be a non-negative safe integer, but found ${String(v)}`,
          );
        }
        row[k * C + c] = v;
      }
    });
    this.#add(row);
    return this;
  }

  #add(row: Float64Array): void {
    const totals = this.#totals;
    for (let j = 0; j < row.length; j++) {
      if (totals[j] + row[j] > Number.MAX_SAFE_INTEGER) {
        throw new RangeError(
          `Expected every total to stay below 2^53, but ${KEYS[Math.floor(j / this.numClasses)]} ` +
            `of class ${j % this.numClasses} would reach ${totals[j] + row[j]}`,
        );
      }
    }
    for (let j = 0; j < row.length; j++) totals[j] += row[j];
    this.#images.push(row);
  }

  /**
   * Counts one image from channel-first binary masks: `target` and `pred` hold `numClasses *
   * pixels` values, class c's mask at `c * pixels ..`, each 0 or 1 (several classes may be 1 at
   * one pixel: non-exclusive). Pixels where the optional `valid` mask (length `pixels`) is 0 are
   * not counted in any class.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MultilabelStats } from "./multilabel_stats.ts";
   * const stats = new MultilabelStats(1).addImageMasks([1, 1, 0], [1, 0, 1], { valid: [1, 0, 1] });
   * assert.deepEqual(stats.image(0), { tp: [1], fp: [1], fn: [0], tn: [0] });
   * ```
   *
   * @param target Target masks, channel first.
   * @param pred Predicted masks, channel first.
   * @param options `valid`: 1 where a pixel is counted.
   * @returns These statistics.
   */
  addImageMasks(
    target: ArrayLike<number>,
    pred: ArrayLike<number>,
    options: { valid?: ArrayLike<number> } = {},
  ): this {
    const C = this.numClasses;
    if (target.length !== pred.length) {
      throw new RangeError(
        `Expected target and pred of equal length, but found ${target.length} and ${pred.length}`,
      );
    }
    if (target.length % C !== 0) {
      throw new RangeError(
        `Expected a mask length that is a multiple of numClasses (${C}), but found ${target.length}`,
      );
    }
    const P = target.length / C;
    const valid = options.valid;
    if (valid !== undefined) {
      if (valid.length !== P) {
        throw new RangeError(
          `Expected valid to have ${P} entries (one per pixel), but found ${valid.length}`,
        );
      }
      for (let i = 0; i < P; i++) {
        if (valid[i] !== 0 && valid[i] !== 1) {
          throw new RangeError(
            `Expected valid[${i}] to be 0 or 1, but found ${String(valid[i])}`,
          );
        }
      }
    }
    const row = new Float64Array(4 * C);
    for (let c = 0; c < C; c++) {
      let tp = 0, fp = 0, fn = 0, tn = 0;
      for (let i = 0; i < P; i++) {
        const j = c * P + i;
        const t = target[j], p = pred[j];
        if (t !== 0 && t !== 1) {
          throw new RangeError(`Expected target[${j}] to be 0 or 1, but found ${String(t)}`);
        }
        if (p !== 0 && p !== 1) {
          throw new RangeError(`Expected pred[${j}] to be 0 or 1, but found ${String(p)}`);
        }
        if (valid !== undefined && valid[i] === 0) continue;
        if (t === 1) {
          if (p === 1) tp++;
          else fn++;
        } else if (p === 1) fp++;
        else tn++;
      }
      row[c] = tp;
      row[C + c] = fp;
      row[2 * C + c] = fn;
      row[3 * C + c] = tn;
    }
    this.#add(row);
    return this;
  }

  /**
   * Counts of image `i` (0-based, in the order added), as copies.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MultilabelStats } from "./multilabel_stats.ts";
   * const stats = new MultilabelStats(1).addImageMasks([1, 0], [1, 1]);
   * assert.deepEqual(stats.image(0), { tp: [1], fp: [1], fn: [0], tn: [0] });
   * assert.throws(() => stats.image(1), /Expected an image index in \[0, 1\), but found 1/);
   * ```
   *
   * @param i The image's index.
   * @returns tp, fp, fn and tn per class.
   */
  image(i: number): MultilabelCounts {
    if (!Number.isInteger(i) || i < 0 || i >= this.#images.length) {
      throw new RangeError(
        `Expected an image index in [0, ${this.#images.length}), but found ${String(i)}`,
      );
    }
    return this.#split(this.#images[i]);
  }

  #split(row: Float64Array): MultilabelCounts {
    const C = this.numClasses;
    const part = (k: number) => Array.from(row.subarray(k * C, (k + 1) * C));
    return { tp: part(0), fp: part(1), fn: part(2), tn: part(3) };
  }

  /**
   * Sums over images, exact.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MultilabelStats } from "./multilabel_stats.ts";
   * const stats = new MultilabelStats(1).addImageMasks([1, 0], [1, 1]).addImageMasks([1], [0]);
   * assert.deepEqual(stats.totals(), { tp: [1], fp: [1], fn: [1], tn: [0] });
   * ```
   *
   * @returns tp, fp, fn and tn per class, summed over images.
   */
  totals(): MultilabelCounts {
    return this.#split(this.#totals);
  }

  /**
   * Appends another state's images after this one's (same number of classes).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MultilabelStats } from "./multilabel_stats.ts";
   * const a = new MultilabelStats(1).addImageMasks([1], [1]);
   * a.merge(new MultilabelStats(1).addImageMasks([0], [1]));
   * assert.deepEqual(a.totals(), { tp: [1], fp: [1], fn: [0], tn: [0] });
   * ```
   *
   * @param other Statistics with the same number of classes.
   * @returns These statistics.
   */
  merge(other: MultilabelStats): this {
    if (!(other instanceof MultilabelStats) || other.numClasses !== this.numClasses) {
      throw new RangeError(
        `Expected a MultilabelStats of ${this.numClasses} classes, but found ${
          other instanceof MultilabelStats ? `${other.numClasses} classes` : String(other)
        }`,
      );
    }
    for (const row of [...other.#images]) this.#add(row.slice());
    return this;
  }

  /**
   * The JSON form; {@linkcode MultilabelStats.fromJSON} reads it back exactly.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MultilabelStats } from "./multilabel_stats.ts";
   * const stats = new MultilabelStats(1).addImageMasks([1, 0], [1, 1]);
   * assert.deepEqual(stats.toJSON(), { numClasses: 1, images: [{ tp: [1], fp: [1], fn: [0], tn: [0] }] });
   * ```
   *
   * @returns numClasses and every image's counts.
   */
  toJSON(): MultilabelStatsJSON {
    return { numClasses: this.numClasses, images: this.#images.map((row) => this.#split(row)) };
  }

  /**
   * Reads statistics back from their JSON form, checking every count as `addImageCounts` does.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MultilabelStats } from "./multilabel_stats.ts";
   * const stats = new MultilabelStats(2).addImageMasks([1, 0, 0, 1], [1, 1, 0, 0]);
   * const copy = MultilabelStats.fromJSON(JSON.parse(JSON.stringify(stats)));
   * assert.deepEqual(copy.totals(), stats.totals());
   * assert.throws(() => MultilabelStats.fromJSON({ numClasses: 1, images: [{ tp: [-1], fp: [0], fn: [0], tn: [0] }] }), /images\[0\]: Expected tp\[0\]/);
   * ```
   *
   * @param json The output of `toJSON` (possibly through `JSON.parse`).
   * @returns New statistics.
   */
  static fromJSON(json: MultilabelStatsJSON): MultilabelStats {
    if (typeof json !== "object" || json === null || !Array.isArray(json.images)) {
      throw new TypeError("Expected a MultilabelStats JSON object with an images array");
    }
    const out = new MultilabelStats(json.numClasses);
    json.images.forEach((image, i) => {
      try {
        out.addImageCounts(image);
      } catch (e) {
        throw new RangeError(`images[${i}]: ${(e as Error).message}`);
      }
    });
    return out;
  }

  /**
   * One-vs-rest counts of a multiclass per-image state: for each image and class c, tp =
   * cm[c][c], fp = column sum - tp, fn = row sum - tp, tn = the image's counted pixels - tp -
   * fp - fn (counted pixels: the sum of its row sums, so ignored pixels are in no class).
   * Weighted statistics are refused (their counts are not integers).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MultilabelStats } from "./multilabel_stats.ts";
   * import { SegmentationStats } from "./segmentation_stats.ts";
   * const stats = new SegmentationStats(3).addImage([0, 0, 1, 2], [0, 1, 1, 1]);
   * const ml = MultilabelStats.fromSegmentationStats(stats);
   * assert.deepEqual(ml.image(0), { tp: [1, 1, 0], fp: [0, 2, 0], fn: [1, 0, 1], tn: [2, 1, 3] });
   * ```
   *
   * @param stats A multiclass per-image state.
   * @returns New multilabel statistics with the same images.
   */
  static fromSegmentationStats(stats: SegmentationStats): MultilabelStats {
    if (stats.confusionMatrix.weighted) {
      throw new RangeError(
        "Expected unweighted SegmentationStats (integer counts), but found a weighted state",
      );
    }
    const C = stats.numClasses;
    const out = new MultilabelStats(C);
    stats.forEachImage(({ tp, fp, fn }) => {
      let pixels = 0;
      for (let c = 0; c < C; c++) pixels += tp[c] + fn[c];
      const tn = Array.from(tp, (t, c) => pixels - t - fp[c] - fn[c]);
      out.addImageCounts({ tp, fp, fn, tn });
    });
    return out;
  }
}
