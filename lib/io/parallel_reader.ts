/**
 * {@linkcode readMaskPairs} on a pool of `jobs` workers: the pairs of files are opened, read and
 * decoded (PNG inflating and un-filtering, `.npy` parsing, argmax of class scores) on worker
 * threads, and the images come back in file order, each exactly as the serial reader yields
 * it. With `count`, the workers also count each image into its own exact matrix
 * (`MaskImage.counts`), so the calling thread only merges them in file order; every exact state
 * built from the images (per-image counts, batches, Keras's running matrix) is the same, bit
 * for bit, whatever the number of jobs.
 *
 * The workers share out the pairs through a table in shared memory ({@linkcode claimPair}):
 * each takes the next free pair whenever it finishes one, with no message to wait for. Handing
 * out pairs by message stalled them: while the calling thread is busy, a worker's messages can
 * wait in its queue for the whole run.
 *
 * @module
 */

import { ConfusionMatrix } from "../core/confusion_matrix.ts";
import type { CountingOptions, LabelArray } from "../core/labels.ts";
import type { MaskPair } from "./dataset.ts";
import { InputError } from "./input_error.ts";
import { type MaskImage, type ReadMaskOptions, readMaskPairs } from "./mask_reader.ts";

/**
 * Images a worker may post before the consumer has taken them: with `jobs` workers, at most
 * `jobs * WORKER_CREDIT` decoded images wait in memory, however many files there are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WORKER_CREDIT } from "./parallel_reader.ts";
 * assert.ok(WORKER_CREDIT >= 1);
 * ```
 */
export const WORKER_CREDIT = 2;

/** Main thread -> worker (`mask_reader_worker.ts`). */
export type ToReader =
  | {
    type: "start";
    pairs: readonly MaskPair[];
    /** `claimPair`'s table, shared by every thread. */
    claims: SharedArrayBuffer;
    /** This worker's mark in the table. */
    me: number;
    options: Omit<ReadMaskOptions, "onProgress">;
    count?: ParallelReadOptions["count"];
  }
  | { type: "ack" };

/** Worker -> main thread. */
export type FromReader =
  | {
    type: "image";
    k: number;
    index: number;
    count: number;
    shape: number[];
    yTrue: LabelArray;
    yPred: LabelArray;
    /** The image's counts (row-major C x C) and missed pixels, when asked and countable. */
    counts?: Float64Array;
    missed?: Float64Array;
  }
  | { type: "done"; k: number }
  | { type: "error"; k: number; message: string; input: boolean };

/** Options of {@linkcode readMaskPairsParallel}: the serial reader's, and the number of jobs. */
export interface ParallelReadOptions extends ReadMaskOptions {
  /**
   * Worker threads reading files (an integer >= 1; 1 reads on the calling thread).
   */
  jobs: number;
  /**
   * Count each image a worker reads into its own matrix (`MaskImage.counts`) with this number
   * of classes and counting policy. An image the policy refuses comes without counts (the
   * consumer's own count then throws the error). The labels come back as well.
   */
  count?: { numClasses: number; counting?: CountingOptions };
}

/**
 * The table through which the threads share out the pairs: `Int32Array(1 + n)` over a
 * `SharedArrayBuffer`, slot 0 a hint (no pair below it is free), slot 1 + k the thread that
 * reads pair k (0: nobody yet). No message is needed to hand out work, so a thread busy
 * decoding never holds the others up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { claimPair } from "./parallel_reader.ts";
 * const claims = new Int32Array(new SharedArrayBuffer(4 * (1 + 3)));
 * assert.equal(claimPair(claims, 1, 1), true); // pair 1, for thread 1
 * assert.equal(claimPair(claims, 2, 1), false); // taken
 * assert.equal(claimPair(claims, 2), 0); // the first free pair, for thread 2
 * assert.equal(claimPair(claims, 2), 2);
 * assert.equal(claimPair(claims, 2), -1); // none left
 * ```
 *
 * @param claims the table
 * @param me the claiming thread's mark (>= 1)
 * @param k a pair to claim; without it, the first free pair
 * @returns with `k`: whether `me` got it; without: the pair claimed, or -1 when none is free
 */
export function claimPair(claims: Int32Array, me: number, k: number): boolean;
export function claimPair(claims: Int32Array, me: number): number;
export function claimPair(claims: Int32Array, me: number, k?: number): boolean | number {
  if (k !== undefined) return Atomics.compareExchange(claims, 1 + k, 0, me) === 0;
  for (let j = Atomics.load(claims, 0); j < claims.length - 1; j++) {
    if (Atomics.compareExchange(claims, 1 + j, 0, me) === 0) {
      Atomics.store(claims, 0, j + 1);
      return j;
    }
  }
  return -1;
}

interface PairState {
  images: MaskImage[];
  done: boolean;
  error: unknown;
}

function newReader(): Worker {
  return new Worker(new URL("./mask_reader_worker.ts", import.meta.url).href, { type: "module" });
}

/** Workers started before they are needed (see {@linkcode prestartReaders}). */
const prestarted: Worker[] = [];

/**
 * Starts `count` reader workers now, for the next {@linkcode readMaskPairsParallel} to take:
 * a worker needs tens of milliseconds to start and load its modules, which a program can
 * overlap with its own start-up (the CLI calls it first thing for `--jobs N`, before it loads
 * its commands). Workers nobody takes keep running until the program exits (the CLI exits
 * with `Deno.exit`), so call it only where one will read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNpy } from "./npy.ts";
 * import { prestartReaders, readMaskPairsParallel } from "./parallel_reader.ts";
 * prestartReaders(1); // taken by the read below
 * const dir = await Deno.makeTempDir();
 * const pairs = [];
 * for (let k = 0; k < 3; k++) {
 *   await Deno.writeFile(`${dir}/${k}.npy`, encodeNpy({ shape: [2], data: new Uint8Array([k, 0]) }));
 *   pairs.push({ truePath: `${dir}/${k}.npy`, predPath: `${dir}/${k}.npy` });
 * }
 * const firsts = [];
 * for await (const image of readMaskPairsParallel(pairs, { jobs: 2 })) firsts.push(image.yTrue[0]);
 * assert.deepEqual(firsts, [0, 1, 2]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param count how many workers (an integer >= 0)
 */
export function prestartReaders(count: number): void {
  for (let j = 0; j < count; j++) prestarted.push(newReader());
}

/**
 * Reads pairs of mask files on `jobs` threads and yields their images in file order, each as
 * {@linkcode readMaskPairs} yields it (same labels, shapes, indices, and the same errors,
 * thrown at the same image). Each worker reads one pair at a time and gets ahead of the
 * consumer by at most {@linkcode WORKER_CREDIT} images, so memory does not grow with the number
 * of files. With `jobs` 1 (or a single pair) it is the serial reader itself.
 *
 * @param pairs the files, e.g. from `pairMasks`
 * @param options the serial reader's options, `jobs`, and `count` for counting in the workers
 * @returns an async generator of images; stopping early ends the workers
 * @throws {InputError} as {@linkcode readMaskPairs}; `RangeError` for a bad `jobs`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNpy } from "./npy.ts";
 * import { readMaskPairsParallel } from "./parallel_reader.ts";
 * const dir = await Deno.makeTempDir();
 * const pairs = [];
 * for (let k = 0; k < 4; k++) {
 *   const labels = new Uint8Array([k, k, 1, 0]);
 *   await Deno.writeFile(`${dir}/t${k}.npy`, encodeNpy({ shape: [2, 2], data: labels }));
 *   await Deno.writeFile(`${dir}/p${k}.npy`, encodeNpy({ shape: [2, 2], data: labels }));
 *   pairs.push({ truePath: `${dir}/t${k}.npy`, predPath: `${dir}/p${k}.npy` });
 * }
 * const firsts = [];
 * for await (const image of readMaskPairsParallel(pairs, { jobs: 2 })) firsts.push(image.yTrue[0]);
 * assert.deepEqual(firsts, [0, 1, 2, 3]); // file order, whichever thread read each pair
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function* readMaskPairsParallel(
  pairs: readonly MaskPair[],
  options: ParallelReadOptions,
): AsyncGenerator<MaskImage> {
  const { jobs, onProgress, count, ...readOptions } = options;
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new RangeError(`Expected jobs to be an integer >= 1, but found ${jobs}`);
  }
  if (jobs === 1 || pairs.length <= 1) {
    yield* readMaskPairs(pairs, { ...readOptions, onProgress });
    return;
  }
  const progress = onProgress ?? (() => {});
  const n = pairs.length;
  const claims = new Int32Array(new SharedArrayBuffer(4 * (1 + n)));
  const states: PairState[] = pairs.map(() => ({
    images: [],
    done: false,
    error: null,
  }));
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const workers: Worker[] = [];
  try {
    for (let j = 0; j < Math.min(jobs, n); j++) {
      const worker = prestarted.shift() ?? newReader();
      worker.onmessage = (event: MessageEvent<FromReader>) => {
        const m = event.data;
        const state = states[m.k];
        if (m.type === "image") {
          let counts: ConfusionMatrix | undefined;
          if (count !== undefined && m.counts !== undefined) {
            counts = new ConfusionMatrix(count.numClasses, count.counting)
              .addCounts(m.counts, m.missed);
          }
          state.images.push({
            pair: pairs[m.k],
            index: m.index,
            count: m.count,
            yTrue: m.yTrue,
            yPred: m.yPred,
            shape: m.shape,
            ...(counts === undefined ? {} : { counts }),
          });
        } else if (m.type === "done") state.done = true;
        else state.error = m.input ? new InputError(m.message) : new Error(m.message);
        notify();
      };
      const me = 1 + j; // 0 marks a free pair
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        for (let k = 0; k < n; k++) {
          const state = states[k];
          if (Atomics.load(claims, 1 + k) === me && !state.done) {
            state.error ??= new Error(`mask reader worker failed: ${event.message}`);
          }
        }
        notify();
      };
      worker.postMessage(
        {
          type: "start",
          pairs,
          claims: claims.buffer as SharedArrayBuffer,
          me,
          options: readOptions,
          count,
        } satisfies ToReader,
      );
      workers.push(worker);
    }
    for (let k = 0; k < n; k++) {
      const state = states[k];
      for (;;) {
        const image = state.images.shift();
        if (image !== undefined) {
          // the worker may read one more image now
          const owner = Atomics.load(claims, 1 + k);
          workers[owner - 1].postMessage({ type: "ack" } satisfies ToReader);
          yield image;
          continue;
        }
        if (state.error !== null) throw state.error;
        if (state.done) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      states[k] = { images: [], done: true, error: null }; // let go of the pair
      progress(k + 1, n, "files");
    }
  } finally {
    for (const worker of workers) worker.terminate();
  }
}
