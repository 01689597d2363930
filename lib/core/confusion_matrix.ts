/**
 * The dataset confusion matrix: exact, streaming, mergeable and serialisable.
 *
 * @module
 */

import {
  type CountingOptions,
  type CountingPolicy,
  countingPolicy,
  type LabelArray,
  type OutOfRangePolicy,
  samePolicy,
} from "./labels.ts";
import { showJSONValue } from "./json_values.ts";
import { countPairs } from "./pair_counts.ts";

export type { CountingOptions, LabelArray, OutOfRangePolicy } from "./labels.ts";

/** Per-class true positives, false positives and false negatives, each of length numClasses. */
export interface ClassCounts {
  /** Pixels of class c predicted as c. */
  tp: Float64Array;
  /** Pixels of another class (or of an out-of-range true label, never counted) predicted as c. */
  fp: Float64Array;
  /** Pixels of class c predicted as another class, or out of range under `"miss"`. */
  fn: Float64Array;
}

/** The JSON form of a {@linkcode ConfusionMatrix}. */
export interface ConfusionMatrixJSON {
  /** Number of classes C, an integer >= 2. */
  numClasses: number;
  /** True labels whose pixels are not counted. */
  ignoreIndex: number[];
  /** The out-of-range policy. */
  outOfRange: OutOfRangePolicy;
  /** True when cells are sums of non-unit sample weights rather than pixel counts. */
  weighted: boolean;
  /** Rows = true class, columns = predicted class. */
  counts: number[][];
  /** Per true class: pixels whose prediction was out of range, under `"miss"`. */
  missed: number[];
}

/**
 * An exact confusion matrix over `numClasses` classes: rows are true classes, columns are
 * predicted classes. Counts are float64 integers, exact up to 2^53 per cell; an update that
 * would take a cell past 2^53 throws instead of rounding, and leaves the matrix unchanged.
 *
 * With sample weights, cells are float64 sums of the weights: exact for integer weights
 * (while sums stay below 2^53), rounded to float64 otherwise; `weighted` says so.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "./confusion_matrix.ts";
 *
 * const cm = new ConfusionMatrix(3, { ignoreIndex: 255 });
 * cm.update([0, 0, 1, 2, 255], [0, 1, 1, 2, 0]);
 * cm.update(new Uint8Array([2, 2]), new Uint8Array([2, 0]));
 * assert.deepEqual(cm.toArray(), [[1, 1, 0], [0, 1, 0], [1, 0, 2]]);
 * assert.equal(cm.total, 6);
 * ```
 */
export class ConfusionMatrix {
  /** Number of classes C; labels are class ids in [0, C). */
  readonly numClasses: number;
  /** True labels whose pixels are not counted, sorted. */
  readonly ignoreIndex: readonly number[];
  /** The out-of-range policy (see `CountingOptions`). */
  readonly outOfRange: OutOfRangePolicy;
  #policy: CountingPolicy;
  #counts: Float64Array;
  #missed: Float64Array;
  #weighted = false;

  /**
   * An empty matrix.
   *
   * @param numClasses Number of classes, an integer >= 2.
   * @param options Ignore labels and the out-of-range policy.
   */
  constructor(numClasses: number, options: CountingOptions = {}) {
    this.#policy = countingPolicy(numClasses, options);
    this.numClasses = numClasses;
    this.ignoreIndex = this.#policy.ignoreIndex;
    this.outOfRange = this.#policy.outOfRange;
    this.#counts = new Float64Array(numClasses * numClasses);
    this.#missed = new Float64Array(numClasses);
  }

  /** The validated counting policy (shared with `SegmentationStats`). */
  get policy(): CountingPolicy {
    return this.#policy;
  }

  /**
   * Counts one batch of pixels. All three arrays are flat and of equal length.
   *
   * @param yTrue True class ids.
   * @param yPred Predicted class ids.
   * @param sampleWeight Optional weight per pixel (finite, >= 0).
   * @returns This matrix.
   */
  update(yTrue: LabelArray, yPred: LabelArray, sampleWeight?: LabelArray): this {
    const { counts, missed, weighted } = countPairs(this.#policy, yTrue, yPred, sampleWeight);
    return this.#add(counts, missed, weighted);
  }

  /**
   * Adds a row-major C x C table of counts computed elsewhere (an accelerated kernel, a saved
   * matrix), and optionally per-class "missed" counts. Values must be integers >= 0.
   *
   * @param counts Row-major counts, length C * C.
   * @param missed Optional per-true-class missed counts, length C.
   * @returns This matrix.
   */
  addCounts(counts: ArrayLike<number>, missed?: ArrayLike<number>): this {
    const C = this.numClasses;
    const table = checkedCounts("counts", counts, C * C);
    const extra = missed === undefined ? new Float64Array(C) : checkedCounts("missed", missed, C);
    return this.#add(table, extra, false);
  }

  /** Adds counts after checking that no cell passes 2^53; all or nothing. */
  #add(counts: Float64Array, missed: Float64Array, weighted: boolean): this {
    checkSum("counts", this.#counts, counts);
    checkSum("missed", this.#missed, missed);
    for (let k = 0; k < counts.length; k++) this.#counts[k] += counts[k];
    for (let k = 0; k < missed.length; k++) this.#missed[k] += missed[k];
    this.#weighted ||= weighted;
    return this;
  }

  /** The count of pixels of true class `trueClass` predicted as `predClass`. */
  get(trueClass: number, predClass: number): number {
    const C = this.numClasses;
    if (!Number.isInteger(trueClass) || trueClass < 0 || trueClass >= C) {
      throw new RangeError(`Expected trueClass in [0, ${C}), but found ${trueClass}`);
    }
    if (!Number.isInteger(predClass) || predClass < 0 || predClass >= C) {
      throw new RangeError(`Expected predClass in [0, ${C}), but found ${predClass}`);
    }
    return this.#counts[trueClass * C + predClass];
  }

  /** A copy of the row-major C x C counts. */
  counts(): Float64Array {
    return this.#counts.slice();
  }

  /** A copy of the per-true-class missed counts (out-of-range predictions under `"miss"`). */
  missed(): Float64Array {
    return this.#missed.slice();
  }

  /** The counts as nested arrays, rows = true class. */
  toArray(): number[][] {
    const C = this.numClasses;
    const counts = this.#counts;
    const rows: number[][] = new Array(C);
    for (let t = 0; t < C; t++) {
      // indexed copies: Array.from over a typed array walks an iterator (seconds at 4096 classes)
      const row: number[] = new Array(C);
      for (let p = 0; p < C; p++) row[p] = counts[t * C + p];
      rows[t] = row;
    }
    return rows;
  }

  /** Every counted pixel, the missed ones included. */
  get total(): number {
    let sum = 0;
    const counts = this.#counts, missed = this.#missed;
    for (let k = 0; k < counts.length; k++) sum += counts[k];
    for (let k = 0; k < missed.length; k++) sum += missed[k];
    return sum;
  }

  /** True once non-unit sample weights were added: cells are then weight sums, not counts. */
  get weighted(): boolean {
    return this.#weighted;
  }

  /** Per-class TP, FP and FN; FN includes the missed pixels. */
  classCounts(): ClassCounts {
    const C = this.numClasses;
    const tp = new Float64Array(C);
    const fp = new Float64Array(C);
    const fn = new Float64Array(C);
    for (let t = 0; t < C; t++) {
      for (let p = 0; p < C; p++) {
        const n = this.#counts[t * C + p];
        if (t === p) tp[t] += n;
        else {
          fn[t] += n;
          fp[p] += n;
        }
      }
      fn[t] += this.#missed[t];
    }
    return { tp, fp, fn };
  }

  /**
   * Adds another matrix's counts. Both must count the same way (classes, ignore labels,
   * out-of-range policy); otherwise the sum would mean nothing and this throws.
   *
   * @param other A matrix with the same policy.
   * @returns This matrix.
   */
  merge(other: ConfusionMatrix): this {
    if (!(other instanceof ConfusionMatrix)) {
      throw new TypeError("Expected other to be a ConfusionMatrix");
    }
    if (!samePolicy(this.#policy, other.#policy)) {
      throw new RangeError(
        `Expected a matrix with the same policy (${describePolicy(this.#policy)}), but found ${
          describePolicy(other.#policy)
        }`,
      );
    }
    return this.#add(other.#counts, other.#missed, other.#weighted);
  }

  /** An independent copy. */
  clone(): ConfusionMatrix {
    return new ConfusionMatrix(this.numClasses, this.#policy).merge(this);
  }

  /** The JSON form; `ConfusionMatrix.fromJSON` reads it back exactly. */
  toJSON(): ConfusionMatrixJSON {
    return {
      numClasses: this.numClasses,
      ignoreIndex: [...this.ignoreIndex],
      outOfRange: this.outOfRange,
      weighted: this.#weighted,
      counts: this.toArray(),
      missed: Array.from(this.#missed),
    };
  }

  /**
   * Reads a matrix back from its JSON form, checking every field: `numClasses`, `ignoreIndex`
   * and `outOfRange` as the constructor does; `weighted` a boolean (absent = false); `counts`
   * exactly C rows of C cells and `missed` exactly C entries (absent = zeros). Each cell must be
   * a non-negative safe integer (a JSON number, never a string, `null`, `true` or an array), or,
   * when `weighted` is true, a finite number >= 0 below 2^53 (a sum of sample weights). The
   * error names the field and the value found.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ConfusionMatrix } from "./confusion_matrix.ts";
   *
   * const cm = new ConfusionMatrix(2).update([0, 1, 1], [0, 1, 0]);
   * const copy = ConfusionMatrix.fromJSON(JSON.parse(JSON.stringify(cm)));
   * assert.deepEqual(copy.toArray(), [[1, 0], [1, 1]]);
   * const json = { ...cm.toJSON(), counts: [[1, 0], ["5", 1]] };
   * assert.throws(
   *   () => ConfusionMatrix.fromJSON(json as never),
   *   /Expected counts\[1\]\[0\] to be a non-negative safe integer, but found "5"/,
   * );
   * ```
   *
   * @param json The output of `toJSON` (possibly through `JSON.parse`).
   * @returns A new matrix.
   * @throws {TypeError} when `json` is not an object.
   * @throws {RangeError} for any field of the wrong type, shape or value.
   */
  static fromJSON(json: ConfusionMatrixJSON): ConfusionMatrix {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new TypeError(
        `Expected a ConfusionMatrix JSON object, but found ${showJSONValue(json)}`,
      );
    }
    // the constructor checks values; JSON can also hold the wrong types ("3", ["255"], null)
    if (typeof json.numClasses !== "number") {
      throw new RangeError(
        `Expected numClasses to be an integer in [2, 65536], but found ${
          showJSONValue(json.numClasses)
        }`,
      );
    }
    const ignore: unknown = json.ignoreIndex;
    if (ignore !== undefined && !Array.isArray(ignore)) {
      throw new RangeError(
        `Expected ignoreIndex to be an array of integer labels, but found ${showJSONValue(ignore)}`,
      );
    }
    ignore?.forEach((label: unknown, k: number) => {
      if (typeof label !== "number") {
        throw new RangeError(
          `Expected ignoreIndex[${k}] to be an integer label, but found ${showJSONValue(label)}`,
        );
      }
    });
    const cm = new ConfusionMatrix(json.numClasses, {
      ignoreIndex: json.ignoreIndex,
      outOfRange: json.outOfRange,
    });
    const C = cm.numClasses;
    if (json.weighted !== undefined && typeof json.weighted !== "boolean") {
      throw new RangeError(
        `Expected weighted to be true or false, but found ${showJSONValue(json.weighted)}`,
      );
    }
    const weighted = json.weighted === true;
    const cell = weighted ? jsonWeight : jsonCount;
    if (!Array.isArray(json.counts) || json.counts.length !== C) {
      throw new RangeError(`Expected counts to be ${C} rows, but found ${describe(json.counts)}`);
    }
    const table = new Float64Array(C * C);
    for (let t = 0; t < C; t++) {
      const row: unknown = json.counts[t];
      if (!Array.isArray(row) || row.length !== C) {
        throw new RangeError(
          `Expected counts row ${t} to have ${C} cells, but found ${describe(row)}`,
        );
      }
      for (let p = 0; p < C; p++) table[t * C + p] = cell(`counts[${t}][${p}]`, row[p]);
    }
    const missed = new Float64Array(C);
    if (json.missed !== undefined) {
      const entries: unknown = json.missed;
      if (!Array.isArray(entries) || entries.length !== C) {
        throw new RangeError(
          `Expected missed to have ${C} entries, but found ${describe(entries)}`,
        );
      }
      for (let t = 0; t < C; t++) missed[t] = cell(`missed[${t}]`, entries[t]);
    }
    return cm.#add(table, missed, weighted);
  }
}

/** A cell of a counted matrix read from JSON: a non-negative safe integer, nothing else. */
function jsonCount(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `Expected ${name} to be a non-negative safe integer, but found ${showJSONValue(value)}`,
    );
  }
  return value;
}

/** A cell of a weighted matrix read from JSON: a finite sum of weights in [0, 2^53). */
function jsonWeight(name: string, value: unknown): number {
  if (typeof value !== "number" || !(value >= 0 && value <= Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(
      `Expected ${name} to be a finite number in [0, 2^53) (a sum of sample weights), but ` +
        `found ${showJSONValue(value)}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  return Array.isArray(value) ? `an array of length ${value.length}` : String(value);
}

function describePolicy(policy: CountingPolicy): string {
  return `numClasses ${policy.numClasses}, ignoreIndex [${policy.ignoreIndex.join(", ")}], ` +
    `outOfRange "${policy.outOfRange}"`;
}

/** Copies counts into a Float64Array, checking length and that each is an integer in [0, 2^53]. */
function checkedCounts(name: string, values: ArrayLike<number>, length: number): Float64Array {
  if (values === null || typeof values !== "object" || values.length !== length) {
    throw new RangeError(
      `Expected ${name} to have ${length} entries, but found ${
        values === null || typeof values !== "object" ? String(values) : values.length
      }`,
    );
  }
  const out = new Float64Array(length);
  for (let k = 0; k < length; k++) {
    const v = values[k];
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new RangeError(
        `Expected ${name} to hold integers in [0, 2^53), but found ${v} at index ${k}`,
      );
    }
    out[k] = v;
  }
  return out;
}

/** Throws if adding `add` to `total` would take any cell past 2^53 (where float64 stops counting). */
function checkSum(name: string, total: Float64Array, add: Float64Array): void {
  for (let k = 0; k < total.length; k++) {
    if (total[k] + add[k] > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(
        `Expected every ${name} cell to stay below 2^53 (exact float64 integers), but cell ${k} ` +
          `would reach ${total[k]} + ${add[k]}`,
      );
    }
  }
}
