/**
 * {@linkcode readMaskPairs} on a pool of workers: the pairs of files are opened, read, decoded
 * (PNG inflating and un-filtering, `.npy` parsing, argmax of class scores) on `jobs` threads,
 * and the images come back in file order, each exactly as the serial reader yields it. Counting
 * stays with the consumer, so every exact state built from the images (per-image counts,
 * batches, Keras's running matrix) is the same, bit for bit, whatever the number of jobs.
 *
 * @module
 */

import type { LabelArray } from "../core/labels.ts";
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
  | { type: "read"; k: number; pair: MaskPair; options: Omit<ReadMaskOptions, "onProgress"> }
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
  }
  | { type: "done"; k: number }
  | { type: "error"; k: number; message: string; input: boolean };

/** Options of {@linkcode readMaskPairsParallel}: the serial reader's, and the number of jobs. */
export interface ParallelReadOptions extends ReadMaskOptions {
  /** Worker threads reading files (an integer >= 1; 1 reads on the calling thread). */
  jobs: number;
}

interface PairState {
  images: MaskImage[];
  /** The worker that posted them, to be told when each is taken. */
  worker: Worker | null;
  done: boolean;
  error: Error | null;
}

/**
 * Reads pairs of mask files on `jobs` worker threads and yields their images in file order,
 * each as {@linkcode readMaskPairs} yields it (same labels, shapes, indices, and the same
 * errors, thrown at the same image). Each worker reads one pair at a time and gets ahead of the
 * consumer by at most {@linkcode WORKER_CREDIT} images, so memory does not grow with the number
 * of files. With `jobs` 1 (or a single pair) it is the serial reader itself.
 *
 * @param pairs the files, e.g. from `pairMasks`
 * @param options the serial reader's options and `jobs`
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
 * assert.deepEqual(firsts, [0, 1, 2, 3]); // file order, whichever worker finished first
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function* readMaskPairsParallel(
  pairs: readonly MaskPair[],
  options: ParallelReadOptions,
): AsyncGenerator<MaskImage> {
  const { jobs, onProgress, ...readOptions } = options;
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new RangeError(`Expected jobs to be an integer >= 1, but found ${jobs}`);
  }
  if (jobs === 1 || pairs.length <= 1) {
    yield* readMaskPairs(pairs, options);
    return;
  }
  const progress = onProgress ?? (() => {});
  const states: PairState[] = pairs.map(() => ({
    images: [],
    worker: null,
    done: false,
    error: null,
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
    states[k].worker = worker;
    worker.postMessage(
      { type: "read", k, pair: pairs[k], options: readOptions } satisfies ToReader,
    );
  };
  const workers: Worker[] = [];
  try {
    for (let j = 0; j < Math.min(jobs, pairs.length); j++) {
      const worker = new Worker(new URL("./mask_reader_worker.ts", import.meta.url).href, {
        type: "module",
      });
      worker.onmessage = (event: MessageEvent<FromReader>) => {
        const m = event.data;
        const state = states[m.k];
        if (m.type === "image") {
          state.images.push({
            pair: pairs[m.k],
            index: m.index,
            count: m.count,
            yTrue: m.yTrue,
            yPred: m.yPred,
            shape: m.shape,
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
          if (state.worker === worker && !state.done) {
            state.error ??= new Error(`mask reader worker failed: ${event.message}`);
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
          // the worker may read one more image now
          state.worker!.postMessage({ type: "ack" } satisfies ToReader);
          yield image;
          continue;
        }
        if (state.error !== null) throw state.error;
        if (state.done) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      states[k] = { images: [], worker: null, done: true, error: null }; // let go of the pair
      progress(k + 1, pairs.length, "files");
    }
  } finally {
    for (const worker of workers) worker.terminate();
  }
}
