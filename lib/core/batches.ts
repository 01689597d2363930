/**
 * How a run's images are grouped into batches, shared by the per-batch definitions and by the
 * run state that replays Keras's `update_state` calls.
 *
 * @module
 */

/**
 * The sizes of the batches that `n` images form: consecutive batches of `batchSize` (the last
 * one shorter), or the given list of sizes, which must add up to `n`.
 *
 * @param batchSize images per batch, or the size of each batch in order
 * @param n number of images
 * @returns the size of each batch
 * @throws {RangeError} for a size that is not an integer >= 1, or a list that does not add up
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchSizeList } from "./batches.ts";
 * assert.deepEqual(batchSizeList(4, 10), [4, 4, 2]);
 * assert.deepEqual(batchSizeList([3, 7], 10), [3, 7]);
 * assert.throws(() => batchSizeList([3, 6], 10), RangeError);
 * assert.throws(() => batchSizeList(0, 10), RangeError);
 * ```
 */
export function batchSizeList(batchSize: number | readonly number[], n: number): number[] {
  const check = (b: number) => {
    if (!Number.isInteger(b) || b < 1) {
      throw new RangeError(`Expected batch sizes to be integers >= 1, but found ${b}`);
    }
  };
  if (typeof batchSize === "number") {
    check(batchSize);
    const sizes = [];
    for (let left = n; left > 0; left -= batchSize) sizes.push(Math.min(batchSize, left));
    return sizes;
  }
  batchSize.forEach(check);
  const total = batchSize.reduce((a, b) => a + b, 0);
  if (total !== n) {
    throw new RangeError(
      `Expected the batch sizes to add up to the number of images (${n}), but found ${total}`,
    );
  }
  return [...batchSize];
}
