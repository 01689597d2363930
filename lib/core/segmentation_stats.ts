/**
 * Per-image, per-class exact counts beside the dataset confusion matrix.
 *
 * @module
 */

import { type ClassCounts, ConfusionMatrix, type ConfusionMatrixJSON } from "./confusion_matrix.ts";
import type { CountingOptions, LabelArray } from "./labels.ts";

/** The JSON form of {@linkcode SegmentationStats}. */
export interface SegmentationStatsJSON {
  confusionMatrix: ConfusionMatrixJSON;
  /** One entry per image, in the order the images were added. */
  images: { tp: number[]; fp: number[]; fn: number[] }[];
}

/**
 * Exact statistics of a segmentation dataset, image by image: for each image and class the
 * true positives, false positives and false negatives, and the dataset confusion matrix.
 * This is the state every definition of mean IoU reads (see `meanIoU`); per-image and
 * per-batch definitions need it, dataset-level ones need only the confusion matrix.
 *
 * Memory grows with images x classes, never with pixels.
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
  #tp: Float64Array;
  #fp: Float64Array;
  #fn: Float64Array;
  #numImages = 0;

  /**
   * @param numClasses Number of classes, an integer >= 2.
   * @param options Ignore labels and the out-of-range policy.
   */
  constructor(numClasses: number, options: CountingOptions = {}) {
    this.confusionMatrix = new ConfusionMatrix(numClasses, options);
    this.numClasses = numClasses;
    this.#tp = new Float64Array(numClasses * 16);
    this.#fp = new Float64Array(numClasses * 16);
    this.#fn = new Float64Array(numClasses * 16);
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
    const image = new ConfusionMatrix(this.numClasses, this.confusionMatrix.policy)
      .update(yTrue, yPred, sampleWeight);
    this.confusionMatrix.merge(image); // throws before anything changes if a cell would pass 2^53
    this.#push(image.classCounts());
    return this;
  }

  #push(counts: ClassCounts): void {
    const C = this.numClasses;
    const offset = this.#numImages * C;
    if (offset + C > this.#tp.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
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
    const range = [index * C, index * C + C] as const;
    return {
      tp: this.#tp.slice(...range),
      fp: this.#fp.slice(...range),
      fn: this.#fn.slice(...range),
    };
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
   * Reads statistics back from their JSON form, checking that the images add up to the matrix.
   *
   * @param json The output of `toJSON`.
   * @returns New statistics.
   */
  static fromJSON(json: SegmentationStatsJSON): SegmentationStats {
    if (typeof json !== "object" || json === null || !Array.isArray(json.images)) {
      throw new TypeError("Expected a SegmentationStats JSON object with an images array");
    }
    const cm = ConfusionMatrix.fromJSON(json.confusionMatrix);
    const stats = new SegmentationStats(cm.numClasses, cm.policy);
    const C = cm.numClasses;
    const sums = { tp: new Float64Array(C), fp: new Float64Array(C), fn: new Float64Array(C) };
    json.images.forEach((image, i) => {
      const counts = {} as ClassCounts;
      for (const key of ["tp", "fp", "fn"] as const) {
        const values = image?.[key];
        if (!Array.isArray(values) || values.length !== C) {
          throw new RangeError(`Expected images[${i}].${key} to have ${C} entries`);
        }
        values.forEach((v, c) => {
          if (!(v >= 0 && v < Infinity) || (!cm.weighted && !Number.isSafeInteger(v))) {
            throw new RangeError(
              `Expected images[${i}].${key} to hold counts >= 0, but found ${v} at class ${c}`,
            );
          }
          sums[key][c] += v;
        });
        counts[key] = Float64Array.from(values);
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
