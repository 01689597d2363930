/**
 * Per-image, per-class exact counts beside the dataset confusion matrix.
 *
 * @module
 */

import { showJSONValue } from "./json_values.ts";
import { type ClassCounts, ConfusionMatrix, type ConfusionMatrixJSON } from "./confusion_matrix.ts";
import type { CountingOptions, LabelArray } from "./labels.ts";

/** The JSON form of {@linkcode SegmentationStats}. */
export interface SegmentationStatsJSON {
  /** The dataset confusion matrix (see `ConfusionMatrix.toJSON`). */
  confusionMatrix: ConfusionMatrixJSON;
  /** One entry per image, in the order the images were added. */
  images: { tp: number[]; fp: number[]; fn: number[] }[];
}

/**
 * Bytes {@linkcode SegmentationStats} keeps per image and per class while its per-image counts
 * fit in uint32 (three uint32 columns: tp, fp, fn); twice that once they do not (float64).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BYTES_PER_IMAGE_CLASS } from "./segmentation_stats.ts";
 * // 400,000 images of 19 classes (Cityscapes): 91,200,000 bytes, 1.5x that at most
 * assert.equal(BYTES_PER_IMAGE_CLASS * 400_000 * 19, 91_200_000);
 * ```
 */
export const BYTES_PER_IMAGE_CLASS = 12;

/** Per-image counts are kept in uint32 until a value does not fit (2^32). */
const UINT32_LIMIT = 2 ** 32;

/**
 * Exact statistics of a segmentation dataset, image by image: for each image and class the
 * true positives, false positives and false negatives, and the dataset confusion matrix.
 * This is the state every definition of mean IoU reads (see `meanIoU`); per-image and
 * per-batch definitions need it, dataset-level ones need only the confusion matrix.
 *
 * Memory grows with images x classes, never with pixels: {@linkcode BYTES_PER_IMAGE_CLASS}
 * = 12 bytes per image and class (tp, fp and fn as uint32 columns) while every per-image count
 * is an integer below 2^32, 24 once one is not (sample weights, or an image of 2^32 pixels or
 * more: the columns then become float64, values unchanged). The columns grow by half when full,
 * so up to 1.5 times that is allocated. 400,000 images of 19 classes: 91 MB.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SegmentationStats } from "./segmentation_stats.ts";
 *
 * const stats = new SegmentationStats(2);
 * stats.addImage([0, 0, 1, 1], [0, 1, 1, 1]);
 * stats.addImage([1, 1], [1, 0]);
 * assert.equal(stats.numImages, 2);
 * assert.deepEqual([...stats.imageCounts(1).fn], [0, 1]);
 * assert.deepEqual(stats.confusionMatrix.toArray(), [[1, 1], [1, 3]]);
 * ```
 */
export class SegmentationStats {
  /** Number of classes. */
  readonly numClasses: number;
  /** The dataset confusion matrix: the sum over all images. */
  readonly confusionMatrix: ConfusionMatrix;
  // Row-major [image][class] columns; uint32 until a count does not fit, then float64.
  #tp: Uint32Array | Float64Array;
  #fp: Uint32Array | Float64Array;
  #fn: Uint32Array | Float64Array;
  #numImages = 0;

  /**
   * Empty statistics.
   *
   * @param numClasses Number of classes, an integer >= 2.
   * @param options Ignore labels and the out-of-range policy.
   */
  constructor(numClasses: number, options: CountingOptions = {}) {
    this.confusionMatrix = new ConfusionMatrix(numClasses, options);
    this.numClasses = numClasses;
    this.#tp = new Uint32Array(numClasses * 16);
    this.#fp = new Uint32Array(numClasses * 16);
    this.#fn = new Uint32Array(numClasses * 16);
  }

  /** Number of images added so far. */
  get numImages(): number {
    return this.#numImages;
  }

  /**
   * Counts one image (flat arrays of equal length) and adds it to the dataset matrix.
   *
   * @param yTrue True class ids of the image's pixels.
   * @param yPred Predicted class ids.
   * @param sampleWeight Optional weight per pixel.
   * @returns These statistics.
   */
  addImage(yTrue: LabelArray, yPred: LabelArray, sampleWeight?: LabelArray): this {
    return this.addImageMatrix(
      new ConfusionMatrix(this.numClasses, this.confusionMatrix.policy)
        .update(yTrue, yPred, sampleWeight),
    );
  }

  /**
   * Adds one image already counted into its own matrix (with these statistics' policy), so that
   * a caller that also needs the image's matrix counts its pixels once.
   *
   * @param image The image's confusion matrix.
   * @returns These statistics.
   * @throws {RangeError} when the matrix was counted with another policy, or a cell would pass
   *   2^53 (nothing is added then)
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ConfusionMatrix } from "./confusion_matrix.ts";
   * import { SegmentationStats } from "./segmentation_stats.ts";
   * const stats = new SegmentationStats(2);
   * const image = new ConfusionMatrix(2, stats.confusionMatrix.policy).update([0, 1], [0, 0]);
   * stats.addImageMatrix(image);
   * const same = new SegmentationStats(2).addImage([0, 1], [0, 0]);
   * assert.deepEqual(stats.toJSON(), same.toJSON());
   * assert.throws(() => stats.addImageMatrix(new ConfusionMatrix(3)), RangeError);
   * ```
   */
  addImageMatrix(image: ConfusionMatrix): this {
    this.confusionMatrix.merge(image); // throws before anything changes if a cell would pass 2^53
    this.#push(image.classCounts());
    return this;
  }

  #push(counts: ClassCounts): void {
    const C = this.numClasses;
    const offset = this.#numImages * C;
    if (this.#tp instanceof Uint32Array && !fitsUint32(counts)) {
      const widen = (column: Uint32Array | Float64Array) => {
        const out = new Float64Array(column.length);
        out.set(column);
        return out;
      };
      this.#tp = widen(this.#tp);
      this.#fp = widen(this.#fp);
      this.#fn = widen(this.#fn);
    }
    if (offset + C > this.#tp.length) {
      // grow by half: at most a third of the columns is unused
      const images = Math.max(this.#numImages + 1, Math.ceil(this.#numImages * 1.5));
      const grow = <T extends Uint32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(images * C);
        b.set(a);
        return b;
      };
      this.#tp = grow(this.#tp);
      this.#fp = grow(this.#fp);
      this.#fn = grow(this.#fn);
    }
    this.#tp.set(counts.tp, offset);
    this.#fp.set(counts.fp, offset);
    this.#fn.set(counts.fn, offset);
    this.#numImages++;
  }

  /** TP, FP and FN per class of image `index` (0-based, in the order added); copies. */
  imageCounts(index: number): ClassCounts {
    if (!Number.isInteger(index) || index < 0 || index >= this.#numImages) {
      throw new RangeError(
        `Expected an image index in [0, ${this.#numImages}), but found ${index}`,
      );
    }
    const C = this.numClasses;
    const start = index * C;
    const copy = (column: Uint32Array | Float64Array) => {
      const out = new Float64Array(C);
      out.set(column.subarray(start, start + C));
      return out;
    };
    return { tp: copy(this.#tp), fp: copy(this.#fp), fn: copy(this.#fn) };
  }

  /**
   * Calls `visit` with each image's TP, FP and FN, in the order added, allocating nothing per
   * image: the same three arrays are refilled for every image, so copy what you keep. A
   * definition that averages over images can read them this way in memory that does not grow
   * with the number of images (`imageCounts(i)` for every i allocates three arrays per image).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SegmentationStats } from "./segmentation_stats.ts";
   *
   * const stats = new SegmentationStats(2).addImage([0, 1], [0, 0]).addImage([1, 1], [1, 1]);
   * const tpOfClass1: number[] = [];
   * stats.forEachImage((counts) => tpOfClass1.push(counts.tp[1]));
   * assert.deepEqual(tpOfClass1, [0, 2]);
   * ```
   *
   * @param visit Called with the counts (reused arrays) and the image's index.
   */
  forEachImage(visit: (counts: ClassCounts, index: number) => void): void {
    const C = this.numClasses;
    const counts = { tp: new Float64Array(C), fp: new Float64Array(C), fn: new Float64Array(C) };
    for (let i = 0; i < this.#numImages; i++) {
      const start = i * C;
      counts.tp.set(this.#tp.subarray(start, start + C));
      counts.fp.set(this.#fp.subarray(start, start + C));
      counts.fn.set(this.#fn.subarray(start, start + C));
      visit(counts, i);
    }
  }

  /**
   * Appends another dataset's images after this one's. The dataset matrix is a plain sum, so
   * dataset-level results do not depend on merge order; per-batch results do, as in training.
   *
   * @param other Statistics counted with the same policy.
   * @returns These statistics.
   */
  merge(other: SegmentationStats): this {
    if (!(other instanceof SegmentationStats)) {
      throw new TypeError("Expected other to be a SegmentationStats");
    }
    this.confusionMatrix.merge(other.confusionMatrix);
    const n = other.#numImages;
    for (let i = 0; i < n; i++) this.#push(other.imageCounts(i));
    return this;
  }

  /** The JSON form; `SegmentationStats.fromJSON` reads it back exactly. */
  toJSON(): SegmentationStatsJSON {
    const images = [];
    for (let i = 0; i < this.#numImages; i++) {
      const { tp, fp, fn } = this.imageCounts(i);
      images.push({ tp: Array.from(tp), fp: Array.from(fp), fn: Array.from(fn) });
    }
    return { confusionMatrix: this.confusionMatrix.toJSON(), images };
  }

  /**
   * Reads statistics back from their JSON form, checking every field and that the images add up
   * to the matrix. The matrix is read by `ConfusionMatrix.fromJSON`; each image must be an object
   * with `tp`, `fp` and `fn` arrays of C entries, each a non-negative safe integer (a finite
   * number >= 0 below 2^53 when the matrix is weighted). The error names the field and the value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SegmentationStats } from "./segmentation_stats.ts";
   *
   * const stats = new SegmentationStats(2).addImage([0, 1], [0, 0]);
   * const copy = SegmentationStats.fromJSON(JSON.parse(JSON.stringify(stats)));
   * assert.deepEqual([...copy.imageCounts(0).fn], [0, 1]);
   * const json = stats.toJSON();
   * json.images[0].fn = [0, null as never];
   * assert.throws(
   *   () => SegmentationStats.fromJSON(json),
   *   /Expected images\[0\]\.fn\[1\] to be a non-negative safe integer, but found null/,
   * );
   * ```
   *
   * @param json The output of `toJSON` (possibly through `JSON.parse`).
   * @returns New statistics.
   * @throws {TypeError} when `json` is not an object with an `images` array.
   * @throws {RangeError} for any field of the wrong type, shape or value, or images that do not
   *   add up to the matrix.
   */
  static fromJSON(json: SegmentationStatsJSON): SegmentationStats {
    if (typeof json !== "object" || json === null || !Array.isArray(json.images)) {
      throw new TypeError("Expected a SegmentationStats JSON object with an images array");
    }
    const cm = ConfusionMatrix.fromJSON(json.confusionMatrix);
    const stats = new SegmentationStats(cm.numClasses, cm.policy);
    const C = cm.numClasses;
    const sums = { tp: new Float64Array(C), fp: new Float64Array(C), fn: new Float64Array(C) };
    const images: unknown[] = json.images;
    images.forEach((image, i) => {
      if (typeof image !== "object" || image === null || Array.isArray(image)) {
        throw new RangeError(
          `Expected images[${i}] to be an object with tp, fp and fn, but found ${
            showJSONValue(image)
          }`,
        );
      }
      const counts = {} as ClassCounts;
      for (const key of ["tp", "fp", "fn"] as const) {
        const values: unknown = (image as Record<string, unknown>)[key];
        if (!Array.isArray(values) || values.length !== C) {
          throw new RangeError(
            `Expected images[${i}].${key} to have ${C} entries, but found ${
              Array.isArray(values) ? `${values.length}` : showJSONValue(values)
            }`,
          );
        }
        const row = new Float64Array(C);
        for (let c = 0; c < C; c++) {
          row[c] = imageValue(`images[${i}].${key}[${c}]`, values[c], cm.weighted);
          sums[key][c] += row[c];
        }
        counts[key] = row;
      }
      stats.#push(counts);
    });
    const expected = cm.classCounts();
    for (const key of ["tp", "fp", "fn"] as const) {
      for (let c = 0; c < C; c++) {
        const close = cm.weighted
          ? Math.abs(sums[key][c] - expected[key][c]) <= 1e-9 * Math.max(1, expected[key][c])
          : sums[key][c] === expected[key][c];
        if (!close) {
          throw new RangeError(
            `Expected the images' ${key} of class ${c} to sum to the matrix's ${
              expected[key][c]
            }, but found ${sums[key][c]}`,
          );
        }
      }
    }
    stats.confusionMatrix.merge(cm);
    return stats;
  }
}

/** Whether every count is an integer in [0, 2^32), so that uint32 columns hold it exactly. */
function fitsUint32(counts: ClassCounts): boolean {
  const { tp, fp, fn } = counts;
  for (let c = 0; c < tp.length; c++) {
    const a = tp[c], b = fp[c], d = fn[c];
    if (!(a < UINT32_LIMIT && b < UINT32_LIMIT && d < UINT32_LIMIT)) return false;
    if (!(Number.isInteger(a) && Number.isInteger(b) && Number.isInteger(d))) return false;
  }
  return true;
}

/**
 * One per-image count read from JSON: a non-negative safe integer (the same rule as
 * `ConfusionMatrix.fromJSON`), or a finite weight sum in [0, 2^53) for weighted statistics.
 */
function imageValue(name: string, value: unknown, weighted: boolean): number {
  const ok = typeof value === "number" &&
    (weighted ? value >= 0 && value <= Number.MAX_SAFE_INTEGER : Number.isSafeInteger(value) &&
      value >= 0);
  if (!ok) {
    throw new RangeError(
      `Expected ${name} to be ${
        weighted
          ? "a finite number in [0, 2^53) (a sum of sample weights)"
          : "a non-negative safe integer"
      }, but found ${showJSONValue(value)}`,
    );
  }
  return value as number;
}
