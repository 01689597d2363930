/**
 * Workers backend: exact pair counting on several cores with Deno Workers reading the labels
 * through SharedArrayBuffers (no copy per worker). Each worker counts one contiguous range into
 * its own table; the tables are summed exactly on the host (float64, integers < 2^53).
 *
 * @module
 */
import type { IntegerLabels, PairCoding } from "./pair_table.ts";
import type { WorkerJob, WorkerReply } from "./backend_workers_worker.ts";

/**
 * Returns `labels` if it already lives in a SharedArrayBuffer, otherwise a copy that does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toShared } from "./backend_workers.ts";
 * const s = toShared(new Uint8Array([1, 2, 3]));
 * assert.ok(s.buffer instanceof SharedArrayBuffer);
 * assert.deepEqual([...s], [1, 2, 3]);
 * ```
 */
export function toShared<T extends IntegerLabels>(labels: T): T {
  if (labels.buffer instanceof SharedArrayBuffer) return labels;
  const Ctor = labels.constructor as new (buffer: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(labels.byteLength));
  out.set(labels as never);
  return out;
}

/**
 * A pool of counting workers. Spawn it once and reuse it for many counts (spawning costs tens of
 * milliseconds); `close()` it when done, otherwise the workers keep the process alive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WorkerPool } from "./backend_workers.ts";
 * import { pairCoding } from "./pair_table.ts";
 * const pool = new WorkerPool(2);
 * try {
 *   const coding = pairCoding(2, [])!;
 *   const t = await pool.countPairs(new Uint8Array([0, 1, 1]), new Uint8Array([0, 1, 0]), coding);
 *   assert.deepEqual([...t.subarray(0, 6)], [1, 0, 0, 1, 1, 0]);
 * } finally {
 *   pool.close();
 * }
 * ```
 */
export class WorkerPool {
  /** Number of workers. */
  readonly size: number;
  #workers: Worker[] = [];
  #pending = new Map<number, (reply: WorkerReply) => void>();
  #nextId = 0;
  #closed = false;

  /** Spawns `size` workers (default: `navigator.hardwareConcurrency`). */
  constructor(size: number = navigator.hardwareConcurrency ?? 2) {
    if (!Number.isInteger(size) || size < 1 || size > 256) {
      throw new RangeError(`Expected workers to be an integer in [1, 256], but found ${size}`);
    }
    this.size = size;
    const url = new URL("./backend_workers_worker.ts", import.meta.url).href;
    for (let k = 0; k < size; k++) {
      const w = new Worker(url, { type: "module" });
      w.onmessage = (e: MessageEvent<WorkerReply>) => {
        const resolve = this.#pending.get(e.data.id);
        this.#pending.delete(e.data.id);
        resolve?.(e.data);
      };
      // a worker that dies (e.g. its module fails to load) fails every pending job, never hangs
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        for (const [id, resolve] of this.#pending) {
          resolve({ id, table: null, error: e.message });
        }
        this.#pending.clear();
      };
      this.#workers.push(w);
    }
  }

  /**
   * Counts the code pairs of `yTrue` and `yPred` (see `lib/pair_table.ts`) split over the workers
   * and returns the summed table. Arrays not in a SharedArrayBuffer are copied into one first.
   */
  async countPairs(
    yTrue: IntegerLabels,
    yPred: IntegerLabels,
    coding: PairCoding,
  ): Promise<Float64Array> {
    if (this.#closed) throw new Error("Expected an open WorkerPool, but found a closed one");
    if (yTrue.length !== yPred.length) {
      throw new RangeError(
        `Expected yPred to have the length of yTrue (${yTrue.length}), but found ${yPred.length}`,
      );
    }
    const t = toShared(yTrue), p = toShared(yPred);
    const n = t.length;
    // Ranges handed out on demand (a worker gets the next one when it returns its table), so a
    // worker slowed down by other load on a shared machine simply takes fewer ranges. Two ranges
    // per worker: each range costs a 256 KiB histogram, a 512 KiB table and a message, and with
    // eight per worker that overhead cost a quarter of the single-worker speed (measured on 2^26
    // uint8 pixels). Range bounds are multiples of 64 so that word loads stay aligned.
    const parts = Math.max(1, Math.min(2 * this.size, Math.ceil(n / 2 ** 20)));
    const per = Math.max(64, Math.ceil(n / parts / 64) * 64);
    const sum = new Float64Array(coding.height * coding.width);
    let next = 0;
    let failure: string | null = null;
    const runWorker = async (w: Worker) => {
      while (next < n || (n === 0 && next === 0)) {
        const start = next, end = Math.min(n, start + per);
        next = n === 0 ? 1 : end;
        const id = this.#nextId++;
        const job: WorkerJob = { id, yTrue: t, yPred: p, coding, start, end };
        const reply = await new Promise<WorkerReply>((resolve) => {
          this.#pending.set(id, resolve);
          w.postMessage(job);
        });
        if (reply.table === null) {
          failure = reply.error;
          return;
        }
        for (let i = 0; i < sum.length; i++) sum[i] += reply.table[i];
      }
    };
    await Promise.all(this.#workers.map(runWorker));
    if (failure !== null) throw new Error(`A counting worker failed: ${failure}`);
    return sum;
  }

  /** Terminates the workers. */
  close(): void {
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
  }
}
