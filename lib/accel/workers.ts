/**
 * Workers backend: exact pair counting on several cores. Deno Workers and the calling thread
 * count chunks of the labels side by side, each into its own table; the tables are summed exactly
 * on the host (float64, integers < 2^53).
 *
 * Labels in SharedArrayBuffers are read by every thread in place. Ordinary arrays cannot be
 * shared with a Worker, and copying them whole into fresh shared memory costs about as much as
 * counting them (the pages of a new buffer are faulted in one by one), so the calling thread
 * copies chunk after chunk into a small ring of reused shared slots for the Workers and counts
 * the rest itself, straight from the arrays (see `lib/accel/workers_worker.ts`).
 *
 * @module
 */
import { type IntegerLabels, type PairCoding, PairTableCounter } from "./pair_table.ts";
import {
  countSharedChunks,
  DONE,
  EPOCH,
  freeWord,
  fullWord,
  lengthWord,
  newControl,
  PUBLISHED,
  type WorkerJob,
  type WorkerReply,
} from "./workers_worker.ts";

/**
 * Returns `labels` if it already lives in a SharedArrayBuffer, otherwise a copy that does. The
 * workers backend reads shared labels in place; build them shared from the start (e.g. read files
 * into a `SharedArrayBuffer`) rather than copying here, which costs about one count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toShared } from "./workers.ts";
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

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /**
   * Pixels per chunk, a multiple of 64 (default 2^18). Threads claim one chunk at a time, so a
   * thread slowed down by other load simply takes fewer; inputs of one chunk or less are counted
   * by the calling thread alone.
   */
  chunkPixels?: number;
  /** Ring slots per Worker for ordinary (unshared) arrays (default 4). */
  slotsPerWorker?: number;
  /**
   * The module each Worker runs (default: `workers_worker.ts` beside this file): for bundlers
   * that move files, and for tests that make a Worker fail. It must answer jobs as that module
   * does.
   */
  workerUrl?: string | URL;
}

/**
 * A pool of counting Workers. The calling thread counts alongside them, so a pool of `size`
 * Workers counts with `size + 1` threads (the default, `navigator.hardwareConcurrency - 1`
 * Workers, uses every core) and the call blocks the calling thread while it counts its share.
 * Spawn it once and reuse it for many counts (spawning costs tens of milliseconds); `close()` it
 * when done, otherwise the Workers keep the process alive. Counts on one pool run one at a time.
 *
 * Every count settles: it rejects, with the cause, when the pool is closed before or during it,
 * when a Worker throws an uncaught error or fails to load, or when a Worker exits
 * (`Deno.exit`); after a Worker's death the pool refuses further counts (make a new one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WorkerPool } from "./workers.ts";
 * import { pairCoding } from "./pair_table.ts";
 * const pool = new WorkerPool(1, { chunkPixels: 64 });
 * try {
 *   const coding = pairCoding(2, [])!;
 *   const yTrue = new Uint8Array(1000).fill(1), yPred = new Uint8Array(1000);
 *   const t = await pool.countPairs(yTrue, yPred, coding);
 *   assert.equal(t[1 * coding.width + 0], 1000); // 1000 pixels of class 1 predicted as 0
 * } finally {
 *   pool.close();
 * }
 * ```
 */
export class WorkerPool {
  /** Number of Workers (the calling thread counts too). */
  readonly size: number;
  /** Pixels per chunk. */
  readonly chunkPixels: number;
  /** Ring slots for ordinary arrays. */
  readonly slots: number;
  #workers: Worker[] = [];
  #pending = new Map<number, (reply: WorkerReply) => void>();
  #nextId = 0;
  #closed = false;
  /** Why a Worker died, if one did: the pool then refuses further counts. */
  #dead: string | null = null;
  /** The ring's two slot buffers (true, predicted), 4 bytes per pixel, allocated on first use. */
  #ring: [SharedArrayBuffer, SharedArrayBuffer] | null = null;
  /** The calling thread's byte-pair histogram, reused by every count. */
  #scratch: Uint32Array | null = null;
  /** The count in progress; the next one waits for it (they would share the ring). */
  #busy: Promise<unknown> = Promise.resolve();

  /** Spawns `size` Workers (default: `navigator.hardwareConcurrency - 1`, at least 1). */
  constructor(
    size: number = Math.max(1, (navigator.hardwareConcurrency ?? 2) - 1),
    options: WorkerPoolOptions = {},
  ) {
    if (!Number.isInteger(size) || size < 1 || size > 256) {
      throw new RangeError(`Expected workers to be an integer in [1, 256], but found ${size}`);
    }
    const chunk = options.chunkPixels ?? 2 ** 18;
    if (!Number.isInteger(chunk) || chunk < 64 || chunk % 64 !== 0 || chunk > 2 ** 26) {
      throw new RangeError(
        `Expected chunkPixels to be a multiple of 64 in [64, 2^26], but found ${chunk}`,
      );
    }
    const perWorker = options.slotsPerWorker ?? 4;
    if (!Number.isInteger(perWorker) || perWorker < 1 || perWorker > 64) {
      throw new RangeError(
        `Expected slotsPerWorker to be an integer in [1, 64], but found ${perWorker}`,
      );
    }
    this.size = size;
    this.chunkPixels = chunk;
    this.slots = perWorker * size;
    const url = String(options.workerUrl ?? new URL("./workers_worker.ts", import.meta.url));
    for (let k = 0; k < size; k++) {
      const w = new Worker(url, { type: "module" });
      w.onmessage = (e: MessageEvent<WorkerReply>) => {
        if (e.data.exited) {
          // Deno.exit in the Worker: its job, if it had one, will never be answered
          this.#die(`Worker ${k} exited: ${e.data.error}`);
          return;
        }
        const resolve = this.#pending.get(e.data.id);
        this.#pending.delete(e.data.id);
        resolve?.(e.data);
      };
      // a Worker that dies (e.g. its module fails to load) fails every pending job, never hangs
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#die(`Worker ${k} threw: ${e.message}`);
      };
      this.#workers.push(w);
    }
  }

  /** Records why the pool can no longer count and answers every pending job with it. */
  #die(cause: string): void {
    this.#dead ??= cause;
    this.#failPending(cause);
  }

  /** Answers every pending job with an error, so that the count waiting on them settles. */
  #failPending(cause: string): void {
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [id, resolve] of pending) resolve({ id, table: null, error: cause });
  }

  /**
   * Counts the code pairs of `yTrue` and `yPred` (see `lib/accel/pair_table.ts`) on the Workers and the
   * calling thread and returns the summed table.
   */
  countPairs(
    yTrue: IntegerLabels,
    yPred: IntegerLabels,
    coding: PairCoding,
  ): Promise<Float64Array> {
    const run = this.#busy.then(() => this.#count(yTrue, yPred, coding));
    this.#busy = run.catch(() => {});
    return run;
  }

  async #count(
    yTrue: IntegerLabels,
    yPred: IntegerLabels,
    coding: PairCoding,
  ): Promise<Float64Array> {
    if (this.#closed) throw new Error("Expected an open WorkerPool, but found a closed one");
    if (this.#dead !== null) {
      throw new Error(
        `Expected a WorkerPool whose Workers are alive, but one died (${this.#dead}); make a new pool`,
      );
    }
    if (yTrue.length !== yPred.length) {
      throw new RangeError(
        `Expected yPred to have the length of yTrue (${yTrue.length}), but found ${yPred.length}`,
      );
    }
    this.#scratch ??= new Uint32Array(65536);
    const counter = new PairTableCounter(coding, this.#scratch);
    if (yTrue.length <= this.chunkPixels) {
      counter.add(yTrue, yPred);
      return counter.finish();
    }
    const shared = yTrue.buffer instanceof SharedArrayBuffer &&
      yPred.buffer instanceof SharedArrayBuffer;
    const control = newControl(shared ? 0 : this.slots);
    const [t, p] = shared ? [yTrue, yPred] : this.#slotArrays(yTrue, yPred);
    const jobs: WorkerJob[] = this.#workers.map(() => ({
      id: this.#nextId++,
      mode: shared ? "shared" : "ring",
      control,
      yTrue: t,
      yPred: p,
      coding,
      chunk: this.chunkPixels,
      size: shared ? yTrue.length : this.slots,
    }));
    const replies = jobs.map((j, k) =>
      new Promise<WorkerReply>((resolve) => {
        this.#pending.set(j.id, resolve);
        this.#workers[k].postMessage(j);
      })
    );
    if (shared) {
      countSharedChunks(control, yTrue, yPred, this.chunkPixels, counter);
    } else {
      this.#produce(control, yTrue, yPred, t, p, counter);
    }
    const sum = counter.finish();
    let failure: string | null = null;
    for (const reply of await Promise.all(replies)) {
      if (reply.table === null) failure ??= reply.error;
      else for (let i = 0; i < sum.length; i++) sum[i] += reply.table[i];
    }
    if (this.#closed) {
      throw new Error(
        "Expected the WorkerPool to stay open until the count finished, but it was closed " +
          "during the count",
      );
    }
    if (failure !== null) throw new Error(`A counting worker failed: ${failure}`);
    // A lost or doubly counted chunk would show here; never return such a table.
    const total = sum.reduce((a, b) => a + b, 0);
    if (total !== yTrue.length) {
      throw new Error(
        `Expected the threads' tables to add up to the ${yTrue.length} pixels, but found ${total}`,
      );
    }
    return sum;
  }

  /** Typed views of the ring's slot buffers matching the label arrays' types. */
  #slotArrays(yTrue: IntegerLabels, yPred: IntegerLabels): [IntegerLabels, IntegerLabels] {
    const bytes = 4 * this.slots * this.chunkPixels;
    this.#ring ??= [new SharedArrayBuffer(bytes), new SharedArrayBuffer(bytes)];
    const view = (like: IntegerLabels, buffer: SharedArrayBuffer) => {
      const Ctor = like.constructor as new (b: SharedArrayBuffer, o: number, n: number) => never;
      return new Ctor(buffer, 0, this.slots * this.chunkPixels) as IntegerLabels;
    };
    return [view(yTrue, this.#ring[0]), view(yPred, this.#ring[1])];
  }

  /**
   * `"ring"` mode, calling thread: for each chunk in order, copies it into the next ticket's slot
   * when a Worker has freed that slot, and otherwise counts it itself. It never waits, so a slow
   * or dead Worker only means that this thread counts more.
   */
  #produce(
    control: Int32Array,
    yTrue: IntegerLabels,
    yPred: IntegerLabels,
    slotTrue: IntegerLabels,
    slotPred: IntegerLabels,
    counter: PairTableCounter,
  ): void {
    const n = yTrue.length, chunk = this.chunkPixels, slots = this.slots;
    let ticket = 0;
    try {
      for (let start = 0; start < n; start += chunk) {
        const end = Math.min(n, start + chunk);
        const slot = ticket % slots;
        if (Atomics.load(control, freeWord(slot)) !== ticket) {
          counter.add(yTrue, yPred, start, end);
          continue;
        }
        slotTrue.set(yTrue.subarray(start, end) as never, slot * chunk);
        slotPred.set(yPred.subarray(start, end) as never, slot * chunk);
        Atomics.store(control, lengthWord(slot), end - start);
        Atomics.store(control, fullWord(slot), ticket);
        ticket++;
        Atomics.add(control, EPOCH, 1);
        Atomics.notify(control, EPOCH);
      }
    } finally {
      // Also on an exception: Workers waiting for a ticket that will never come must return.
      Atomics.store(control, PUBLISHED, ticket);
      Atomics.store(control, DONE, 1);
      Atomics.add(control, EPOCH, 1);
      Atomics.notify(control, EPOCH);
    }
  }

  /**
   * Terminates the Workers. A count in progress rejects (its Workers' answers will never come),
   * and so does every count started or queued after this.
   */
  close(): void {
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    this.#failPending("the WorkerPool was closed during the count");
  }
}
