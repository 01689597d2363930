/**
 * Reading and counting folders of masks on a pool of workers: each worker reads its pairs of
 * files with the dataset reader (`readMaskPairs`, so every check and error is the serial
 * reader's) and counts each image into a one-image `SegmentationStats`; the main thread gets
 * those back in file order and merges them. Merging one-image statistics in order is exactly
 * `addImage` in order (the dataset matrix is a sum of integers; the per-image counts are
 * appended), so every result is the same, bit for bit, whatever the number of jobs, and only a
 * few hundred bytes per image cross threads instead of its pixels.
 *
 * @module
 */

import type { CountingOptions } from "../core/labels.ts";
import { SegmentationStats, type SegmentationStatsJSON } from "../core/segmentation_stats.ts";
import type { MaskPair } from "../io/dataset.ts";
import { InputError } from "../io/input_error.ts";
import type { ReadMaskOptions } from "../io/mask_reader.ts";

/** Main thread -> worker (`mask_count_worker.ts`). */
export type ToCounter = {
  type: "count";
  k: number;
  pair: MaskPair;
  numClasses: number;
  counting: CountingOptions;
  read: Omit<ReadMaskOptions, "onProgress">;
};

/** Worker -> main thread. */
export type FromCounter =
  | {
    type: "image";
    k: number;
    index: number;
    count: number;
    shape: number[];
    stats?: SegmentationStatsJSON;
    /** The counter's error for this image (a label the policy rejects), message only. */
    countError?: { name: string; message: string };
  }
  | { type: "done"; k: number }
  | { type: "error"; k: number; message: string; input: boolean };

/** One image, read and counted by a worker. */
export interface CountedImage {
  /** The pair of files it was read from. */
  pair: MaskPair;
  /** Index of the image within its file. */
  index: number;
  /** Number of images in the file. */
  count: number;
  /** Shape of one image. */
  shape: number[];
  /** The image alone, counted with the pool's policy; absent when `countError` is set. */
  stats?: SegmentationStats;
  /**
   * What counting the image threw (e.g. `RangeError("Expected yTrue values to be class ids in
   * [0, 3), but found 7 at index 12")`): the consumer decides how to report it, as it would
   * for `SegmentationStats.addImage`. No image of the pool comes after it.
   */
  countError?: Error;
}

/** Options of {@linkcode countMaskPairsParallel}. */
export interface CountPoolOptions extends ReadMaskOptions {
  /** Worker threads (an integer >= 1). */
  jobs: number;
  /** Number of classes. */
  numClasses: number;
  /** The counting policy (ignore labels, out-of-range handling), as for `SegmentationStats`. */
  counting?: CountingOptions;
}

/**
 * Reads and counts pairs of mask files on `jobs` worker threads; yields each image's one-image
 * statistics in file order (merge them in that order to get what `addImage` on every image
 * gives). Reading errors are thrown as the serial reader throws them, at the same image; a
 * counting error is yielded on its image, as `countError`, and ends the sequence.
 *
 * @param pairs the files, e.g. from `pairMasks`
 * @param options `jobs`, `numClasses`, `counting`, and the reader's options
 * @returns an async generator of counted images; stopping early ends the workers
 * @throws {InputError} for a missing or malformed file (as `readMaskPairs`); `RangeError` for a
 *   bad `jobs`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNpy } from "../io/npy.ts";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * import { countMaskPairsParallel } from "./mask_count_pool.ts";
 * const dir = await Deno.makeTempDir();
 * const pairs = [];
 * for (let k = 0; k < 3; k++) {
 *   const t = new Uint8Array([0, 1, 1, 255]), p = new Uint8Array([0, 1, k % 2, 0]);
 *   await Deno.writeFile(`${dir}/t${k}.npy`, encodeNpy({ shape: [2, 2], data: t }));
 *   await Deno.writeFile(`${dir}/p${k}.npy`, encodeNpy({ shape: [2, 2], data: p }));
 *   pairs.push({ truePath: `${dir}/t${k}.npy`, predPath: `${dir}/p${k}.npy` });
 * }
 * const stats = new SegmentationStats(2, { ignoreIndex: 255 });
 * const options = { jobs: 2, numClasses: 2, counting: { ignoreIndex: 255 } };
 * for await (const image of countMaskPairsParallel(pairs, options)) stats.merge(image.stats!);
 * assert.equal(stats.numImages, 3);
 * assert.deepEqual(stats.confusionMatrix.toArray(), [[3, 0], [2, 4]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function* countMaskPairsParallel(
  pairs: readonly MaskPair[],
  options: CountPoolOptions,
): AsyncGenerator<CountedImage> {
  const { jobs, numClasses, counting = {}, onProgress, ...read } = options;
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new RangeError(`Expected jobs to be an integer >= 1, but found ${jobs}`);
  }
  const progress = onProgress ?? (() => {});
  const states = pairs.map(() => ({
    images: [] as CountedImage[],
    done: false,
    error: null as Error | null,
  }));
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  let next = 0;
  const assign = (worker: Worker) => {
    if (next >= pairs.length) return;
    const k = next++;
    worker.postMessage(
      { type: "count", k, pair: pairs[k], numClasses, counting, read } satisfies ToCounter,
    );
  };
  const workers: Worker[] = [];
  try {
    for (let j = 0; j < Math.min(jobs, pairs.length); j++) {
      const worker = new Worker(new URL("./mask_count_worker.ts", import.meta.url).href, {
        type: "module",
      });
      worker.onmessage = (event: MessageEvent<FromCounter>) => {
        const m = event.data;
        const state = states[m.k];
        if (m.type === "image") {
          const countError = m.countError === undefined ? undefined : rebuild(m.countError);
          state.images.push({
            pair: pairs[m.k],
            index: m.index,
            count: m.count,
            shape: m.shape,
            stats: m.stats === undefined ? undefined : SegmentationStats.fromJSON(m.stats),
            countError,
          });
        } else if (m.type === "done") {
          state.done = true;
          assign(worker);
        } else {
          state.error = m.input ? new InputError(m.message) : new Error(m.message);
        }
        notify();
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        for (const state of states) {
          if (!state.done) {
            state.error ??= new Error(`mask counting worker failed: ${event.message}`);
          }
        }
        notify();
      };
      workers.push(worker);
      assign(worker);
    }
    for (let k = 0; k < pairs.length; k++) {
      const state = states[k];
      for (;;) {
        const image = state.images.shift();
        if (image !== undefined) {
          yield image;
          if (image.countError !== undefined) return;
          continue;
        }
        if (state.error !== null) throw state.error;
        if (state.done) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      progress(k + 1, pairs.length, "files");
    }
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

/** The counter's error as the class it was thrown as (RangeError, TypeError, Error). */
function rebuild({ name, message }: { name: string; message: string }): Error {
  const Class = name === "RangeError" ? RangeError : name === "TypeError" ? TypeError : Error;
  return new Class(message);
}
