/**
 * Argmax over one axis of an n-d array, with Keras's tie rule.
 *
 * @module
 */

/** What to do when a NaN is met along the reduced axis. */
export type ArgmaxNaNPolicy = "error" | "first-nan";

/** Options of {@linkcode argmax}. */
export interface ArgmaxOptions {
  /**
   * `"error"` (default): a NaN anywhere is an error that names its position, because a NaN
   * score means a broken model output and backends disagree on it. `"first-nan"`: NumPy's rule
   * (`np.argmax` treats NaN as the maximum and returns the first NaN's index).
   */
  nan?: ArgmaxNaNPolicy;
  /** Name of the input in error messages (default `"input"`). */
  source?: string;
}

/** An argmax result: the class index of every position, C order. */
export interface ArgmaxResult {
  /** The input shape with `axis` removed. */
  shape: number[];
  /**
   * Indices: `Uint8Array` when the axis has at most 256 entries, `Uint16Array` up to 65536,
   * else `Int32Array`.
   */
  data: Uint8Array | Uint16Array | Int32Array;
}

/**
 * Index of the largest value along `axis` of a C-order array. Ties go to the first (lowest)
 * index, as `keras.ops.argmax`, `tf.argmax` and `np.argmax` do; `-Infinity` and `Infinity`
 * are ordinary values. NaN follows `options.nan`.
 *
 * @param array the values (C order) and their shape
 * @param axis the axis to reduce; negative counts from the end (`-1` = last)
 * @param options NaN policy and the input's name for messages
 * @returns the indices and the reduced shape
 * @throws {RangeError} for a bad axis or shape, an empty axis, or a NaN under `"error"`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { argmax } from "./argmax.ts";
 * // two pixels, three class scores each; the second pixel has a tie between classes 0 and 2
 * const probs = { shape: [2, 3], data: new Float32Array([0.1, 0.7, 0.2, 0.4, 0.2, 0.4]) };
 * const labels = argmax(probs, -1);
 * assert.deepEqual(labels.shape, [2]);
 * assert.deepEqual([...labels.data], [1, 0]);
 * ```
 */
export function argmax(
  array: { shape: readonly number[]; data: ArrayLike<number> },
  axis: number,
  options: ArgmaxOptions = {},
): ArgmaxResult {
  const { shape, data } = array;
  const rank = shape.length;
  const source = options.source ?? "input";
  const nanPolicy = options.nan ?? "error";
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(
      `Expected axis to be an integer in [${-rank}, ${rank - 1}] for ${source} of shape ` +
        `(${shape.join(", ")}), but found ${axis}`,
    );
  }
  const ax = axis < 0 ? axis + rank : axis;
  let size = 1;
  for (const d of shape) size *= d;
  if (size !== data.length) {
    throw new RangeError(
      `Expected ${size} values for shape (${shape.join(", ")}) of ${source}, but found ` +
        `${data.length}`,
    );
  }
  const k = shape[ax];
  if (k === 0) {
    throw new RangeError(`Expected a non-empty axis ${axis} of ${source}, but it has length 0`);
  }
  let inner = 1;
  for (let d = ax + 1; d < rank; d++) inner *= shape[d];
  const outer = size / (k * inner);
  const outShape = shape.filter((_, d) => d !== ax);
  const n = outer * inner;
  const out = k <= 256 ? new Uint8Array(n) : k <= 65536 ? new Uint16Array(n) : new Int32Array(n);
  const bad = (o: number, i: number, c: number): never => {
    const flat = (o * k + c) * inner + i;
    const idx: number[] = [];
    let r = flat;
    for (let d = rank - 1; d >= 0; d--) {
      idx.unshift(r % shape[d]);
      r = Math.floor(r / shape[d]);
    }
    throw new RangeError(
      `Expected scores without NaN in ${source}, but found NaN at index (${idx.join(", ")})`,
    );
  };
  for (let o = 0; o < outer; o++) {
    const base = o * k * inner;
    for (let i = 0; i < inner; i++) {
      let best = 0;
      let bestValue = data[base + i];
      if (bestValue !== bestValue) {
        if (nanPolicy === "error") bad(o, i, 0);
        out[o * inner + i] = 0;
        continue;
      }
      for (let c = 1; c < k; c++) {
        const v = data[base + c * inner + i];
        if (v > bestValue) {
          bestValue = v;
          best = c;
        } else if (v !== v) {
          if (nanPolicy === "error") bad(o, i, c);
          best = c;
          break;
        }
      }
      out[o * inner + i] = best;
    }
  }
  return { shape: outShape, data: out };
}
