/**
 * Label arrays: the flat arrays of class ids (or weights) that every counter accepts.
 *
 * @module
 */

/**
 * A flat array of class ids, one per pixel, in any of the forms users hold them in.
 * Values must be integers; floating arrays are accepted because masks are often stored
 * as floats, but a non-integer or NaN value is an error, never rounded.
 */
export type LabelArray =
  | readonly number[]
  | Uint8Array
  | Uint16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** Counting policies shared by every counter of exact state. */
export interface CountingOptions {
  /**
   * A true label, or a list of true labels, whose pixels are not counted at all (for example
   * 255 for Pascal VOC borders). Ignored labels may lie outside `[0, numClasses)`.
   */
  ignoreIndex?: number | readonly number[];
  /**
   * What to do with a label outside `[0, numClasses)` that is not ignored:
   * - `"error"` (default): throw, naming the array, the first bad index and its value;
   * - `"drop"`: the pixel is not counted (Keras 3.15+);
   * - `"miss"`: an out-of-range *prediction* counts as a false negative of the true class
   *   (mmsegmentation, smp). Out-of-range true labels are still an error under `"miss"`.
   */
  outOfRange?: OutOfRangePolicy;
}

/** See {@linkcode CountingOptions.outOfRange}. */
export type OutOfRangePolicy = "error" | "drop" | "miss";

const OUT_OF_RANGE_POLICIES: readonly OutOfRangePolicy[] = ["error", "drop", "miss"];

/** Counting options after validation, in the form the kernels read. */
export interface CountingPolicy {
  /** Number of classes C, an integer in [2, 65536]. */
  readonly numClasses: number;
  /** Ignored true labels, without duplicates, in ascending order. */
  readonly ignoreIndex: readonly number[];
  /** What happens to a label outside `[0, numClasses)`; `"error"` unless chosen. */
  readonly outOfRange: OutOfRangePolicy;
}

/**
 * Checks `numClasses` and the counting options, and returns them normalised.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countingPolicy } from "./labels.ts";
 *
 * const policy = countingPolicy(3, { ignoreIndex: 255 });
 * assert.deepEqual(policy.ignoreIndex, [255]);
 * assert.equal(policy.outOfRange, "error");
 * assert.throws(() => countingPolicy(1.5), /numClasses to be an integer in \[2, 65536\], but found 1.5/);
 * ```
 *
 * @param numClasses Number of classes, an integer >= 2.
 * @param options Ignore labels and the out-of-range policy.
 * @returns The validated policy.
 */
export function countingPolicy(numClasses: number, options: CountingOptions = {}): CountingPolicy {
  if (!Number.isInteger(numClasses) || numClasses < 2 || numClasses > 65536) {
    throw new RangeError(
      `Expected numClasses to be an integer in [2, 65536], but found ${numClasses}`,
    );
  }
  const raw = options.ignoreIndex;
  const list: readonly number[] = raw === undefined ? [] : typeof raw === "number" ? [raw] : raw;
  for (const label of list) {
    if (!Number.isInteger(label)) {
      throw new RangeError(`Expected ignoreIndex to hold integers, but found ${label}`);
    }
  }
  const outOfRange = options.outOfRange ?? "error";
  if (!OUT_OF_RANGE_POLICIES.includes(outOfRange)) {
    throw new RangeError(
      `Expected outOfRange to be one of "error", "drop", "miss", but found ${
        JSON.stringify(outOfRange)
      }`,
    );
  }
  return {
    numClasses,
    ignoreIndex: [...new Set(list)].sort((a, b) => a - b),
    outOfRange,
  };
}

/**
 * True when two policies count the same pixels the same way: the same number of classes, the
 * same ignored labels (in whatever order and repetition they were given) and the same
 * out-of-range policy. Merging two counts is only meaningful when this holds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countingPolicy, samePolicy } from "./labels.ts";
 *
 * const a = countingPolicy(3, { ignoreIndex: [255, 0, 255] });
 * assert.equal(samePolicy(a, countingPolicy(3, { ignoreIndex: [0, 255] })), true);
 * assert.equal(samePolicy(a, countingPolicy(3, { ignoreIndex: 255 })), false);
 * assert.equal(samePolicy(a, countingPolicy(4, { ignoreIndex: [0, 255] })), false);
 * ```
 *
 * @param a One validated policy.
 * @param b The other.
 * @returns Whether both count alike.
 */
export function samePolicy(a: CountingPolicy, b: CountingPolicy): boolean {
  return a.numClasses === b.numClasses && a.outOfRange === b.outOfRange &&
    a.ignoreIndex.length === b.ignoreIndex.length &&
    a.ignoreIndex.every((label, i) => label === b.ignoreIndex[i]);
}

/**
 * Throws a `TypeError` naming `name` unless `value` is one of the accepted label array types
 * (see {@linkcode LabelArray}); after it, TypeScript knows `value` is a `LabelArray`. The values
 * themselves are checked by the counters, which read them anyway.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLabelArray } from "./labels.ts";
 *
 * checkLabelArray("yTrue", new Uint8Array([0, 1]));
 * checkLabelArray("yTrue", [0, 1]);
 * assert.throws(
 *   () => checkLabelArray("yPred", new Int8Array([0, 1])),
 *   /Expected yPred to be a number\[\], .* but found Int8Array/,
 * );
 * assert.throws(() => checkLabelArray("yPred", null), /but found null/);
 * ```
 *
 * @param name The input's name, for the error.
 * @param value The value to check.
 */
export function checkLabelArray(name: string, value: unknown): asserts value is LabelArray {
  if (
    Array.isArray(value) || value instanceof Uint8Array || value instanceof Uint16Array ||
    value instanceof Int32Array || value instanceof Float32Array || value instanceof Float64Array
  ) {
    return;
  }
  const found = value === null
    ? "null"
    : typeof value === "object"
    ? (value as object).constructor?.name ?? "object"
    : typeof value;
  throw new TypeError(
    `Expected ${name} to be a number[], Uint8Array, Uint16Array, Int32Array, Float32Array or ` +
      `Float64Array, but found ${found}`,
  );
}
