/**
 * The options a run's counts depend on ({@linkcode RunOptions}): classes, ignore labels,
 * out-of-range policy, score axis, batch sizes, Keras configurations and a free JSON `context`.
 * States merge only when these are equal, so they are checked and normalised (sorted ignore
 * labels, defaults filled in, context keys sorted) the same way whether a `RunState` is made or
 * read back from JSON.
 *
 * @module
 */

import { countingPolicy, type OutOfRangePolicy } from "./labels.ts";

/** A JSON value (the `context` of {@linkcode RunOptions}). */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

/** The options a run's counts depend on; states merge only when these are equal. */
export interface RunOptions {
  /** Number of classes. */
  numClasses: number;
  /** True labels not counted, sorted. */
  ignoreIndex: number[];
  /** The out-of-range policy. */
  outOfRange: OutOfRangePolicy;
  /** The class axis of score predictions (argmax taken), or null for label predictions. */
  axis: number | null;
  /** Batch sizes of the per-batch definitions (the first one also feeds Keras). */
  batchSizes: number[];
  /** The Keras configurations emulated (e.g. `"keras-3.7-tensorflow"`). */
  keras: string[];
  /** Whether each image's whole confusion matrix is kept (the Keras replay needs it). */
  imageMatrices: boolean;
  /** Anything else the caller needs equal across shards (e.g. the input folders). */
  context: { [key: string]: JsonValue };
}

/** Options when making a {@linkcode RunState}: every field but `numClasses` has a default. */
export interface RunOptionsInput {
  /** Number of classes (an integer in [2, 65536]). */
  numClasses: number;
  /** A true label or labels not counted (default none). */
  ignoreIndex?: number | readonly number[];
  /** Default `"error"`. */
  outOfRange?: OutOfRangePolicy;
  /** Default null. */
  axis?: number | null;
  /** Default none. */
  batchSizes?: readonly number[];
  /** Default none. */
  keras?: readonly string[];
  /** Default false. */
  imageMatrices?: boolean;
  /** Default `{}`. */
  context?: { [key: string]: JsonValue };
}

/**
 * Checks `input` and returns the options in normal form: every default filled in, ignore labels
 * sorted, context keys sorted (a copy).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normaliseOptions } from "./run_options.ts";
 * const o = normaliseOptions({ numClasses: 3, ignoreIndex: [255, 7], context: { b: 1, a: 2 } });
 * assert.deepEqual(o.ignoreIndex, [7, 255]);
 * assert.deepEqual(Object.keys(o.context), ["a", "b"]);
 * assert.equal(o.axis, null);
 * assert.deepEqual(o.batchSizes, []);
 * assert.throws(() => normaliseOptions({ numClasses: 3, batchSizes: [0] }), /batchSizes\[0\]/);
 * ```
 */
export function normaliseOptions(input: RunOptionsInput): RunOptions {
  if (typeof input !== "object" || input === null) {
    throw new TypeError(`Expected run options with numClasses, but found ${describe(input)}`);
  }
  const policy = countingPolicy(input.numClasses, input);
  const axis = input.axis ?? null;
  if (axis !== null && !Number.isInteger(axis)) {
    throw new RangeError(`Expected axis to be an integer or null, but found ${describe(axis)}`);
  }
  const batchSizes = input.batchSizes ?? [];
  if (!Array.isArray(batchSizes)) {
    throw new RangeError(`Expected batchSizes to be an array, but found ${describe(batchSizes)}`);
  }
  batchSizes.forEach((b, k) => {
    if (!Number.isSafeInteger(b) || b < 1) {
      throw new RangeError(`Expected batchSizes[${k}] to be an integer >= 1, but found ${b}`);
    }
  });
  const keras = input.keras ?? [];
  if (!Array.isArray(keras)) {
    throw new RangeError(`Expected keras to be an array, but found ${describe(keras)}`);
  }
  keras.forEach((k, i) => {
    if (typeof k !== "string") {
      throw new RangeError(`Expected keras[${i}] to be a string, but found ${describe(k)}`);
    }
  });
  const imageMatrices = input.imageMatrices ?? false;
  if (typeof imageMatrices !== "boolean") {
    throw new RangeError(
      `Expected imageMatrices to be true or false, but found ${describe(imageMatrices)}`,
    );
  }
  const context = input.context ?? {};
  if (typeof context !== "object" || context === null || Array.isArray(context)) {
    throw new RangeError(`Expected context to be an object, but found ${describe(context)}`);
  }
  checkJson(context, "context");
  return {
    numClasses: policy.numClasses,
    ignoreIndex: [...policy.ignoreIndex],
    outOfRange: policy.outOfRange,
    axis,
    batchSizes: [...batchSizes],
    keras: [...keras],
    imageMatrices,
    context: sortKeys(structuredClone(context)) as { [key: string]: JsonValue },
  };
}

/**
 * Throws a `RangeError` naming the path `where` unless `value` is plain JSON data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkJson } from "./run_options.ts";
 * checkJson({ a: [1, "x", null, true] }, "context");
 * assert.throws(() => checkJson({ a: [0, NaN] }, "context"), /context\.a\[1\] to be a finite number/);
 * assert.throws(() => checkJson({ d: new Date(0) }, "context"), /context\.d to be JSON data/);
 * ```
 */
export function checkJson(value: unknown, where: string): void {
  if (value === null || typeof value === "boolean" || typeof value === "string") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new RangeError(`Expected ${where} to be a finite number, but found ${value}`);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, k) => checkJson(v, `${where}[${k}]`));
    return;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) checkJson(v, `${where}.${k}`);
    return;
  }
  throw new RangeError(`Expected ${where} to be JSON data, but found ${describe(value)}`);
}

/**
 * A copy with object keys sorted, so equal contexts print equal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sortKeys } from "./run_options.ts";
 * const sorted = sortKeys({ b: 1, a: { d: [{ f: 2, e: 3 }], c: 4 } });
 * assert.equal(JSON.stringify(sorted), '{"a":{"c":4,"d":[{"e":3,"f":2}]},"b":1}');
 * ```
 */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * A short description of a bad value for error messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describe } from "./run_options.ts";
 * assert.equal(describe([1, 2]), "an array of length 2");
 * assert.equal(describe("x"), '"x"');
 * assert.equal(describe({}), "an object");
 * assert.equal(describe(undefined), "undefined");
 * ```
 */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}
