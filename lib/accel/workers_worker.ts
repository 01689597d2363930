/**
 * The chunk protocol of the workers backend (`lib/accel/workers.ts`) and the entry of its
 * Workers. One job per Worker per count: the Worker takes chunks until none is left, counts them
 * into its own {@linkcode PairTableCounter}, and posts its table back once (transferred).
 *
 * Chunks are handed out through an `Int32Array` over a SharedArrayBuffer, never by messages:
 *
 * - `"shared"`: the labels already live in shared memory. Every thread, the calling one
 *   included, claims the next chunk with `Atomics.add` on {@link NEXT}.
 * - `"ring"`: ordinary arrays, which a Worker cannot read. The calling thread copies chunks
 *   into a ring of `slots` shared slots (a single producer) and counts a chunk itself whenever
 *   the next slot is still in use; Workers claim tickets in order with `Atomics.add` on
 *   {@link NEXT} and sleep with `Atomics.wait` until the producer has filled their ticket's slot.
 *
 * @module
 */
import { type IntegerLabels, type PairCoding, PairTableCounter } from "./pair_table.ts";

/** Control word: next chunk (`"shared"`) or next ticket (`"ring"`) to claim. */
export const NEXT = 0;
/** Control word: bumped by the producer on every publish, and waited on by the Workers. */
export const EPOCH = 1;
/** Control word: 1 once the producer has published its last ticket. */
export const DONE = 2;
/** Control word: number of tickets published, final once {@link DONE} is 1. */
export const PUBLISHED = 3;
/** Control words before the per-slot ones. */
const HEADER = 4;

/** Index of the word holding the ticket whose chunk is in `slot` (-1 before the first). */
export function fullWord(slot: number): number {
  return HEADER + 3 * slot;
}
/** Index of the word holding the next ticket allowed to fill `slot`. */
export function freeWord(slot: number): number {
  return HEADER + 3 * slot + 1;
}
/** Index of the word holding the number of pixels in `slot`. */
export function lengthWord(slot: number): number {
  return HEADER + 3 * slot + 2;
}

/** A fresh control block for `slots` ring slots (0 for `"shared"`). */
export function newControl(slots: number): Int32Array {
  const control = new Int32Array(new SharedArrayBuffer(4 * (HEADER + 3 * slots)));
  for (let s = 0; s < slots; s++) {
    control[fullWord(s)] = -1;
    control[freeWord(s)] = s;
  }
  return control;
}

/** A job posted to a Worker. */
export interface WorkerJob {
  /** Job id, echoed in the reply. */
  id: number;
  /** How chunks are handed out (see the module doc). */
  mode: "shared" | "ring";
  /** The control block. */
  control: Int32Array;
  /** `"shared"`: the labels; `"ring"`: the slot arrays (`slots * chunk` elements each). */
  yTrue: IntegerLabels;
  /** Same shape as `yTrue`. */
  yPred: IntegerLabels;
  /** Label coding. */
  coding: PairCoding;
  /** Pixels per chunk (and per slot). */
  chunk: number;
  /** `"shared"`: number of pixels; `"ring"`: number of slots. */
  size: number;
}

/** A Worker's reply. */
export interface WorkerReply {
  /** Job id. */
  id: number;
  /** The counted pair table, or null on error. */
  table: Float64Array | null;
  /** Error text, or null. */
  error: string | null;
  /** True on the notice a Worker posts as it exits (`Deno.exit`): no job will be answered. */
  exited?: boolean;
}

/**
 * `"shared"` mode: claims chunks of `yTrue` / `yPred` until none is left and counts them into
 * `counter`. Run by every Worker and by the calling thread.
 */
export function countSharedChunks(
  control: Int32Array,
  yTrue: IntegerLabels,
  yPred: IntegerLabels,
  chunk: number,
  counter: PairTableCounter,
): void {
  const n = yTrue.length;
  for (;;) {
    const start = Atomics.add(control, NEXT, 1) * chunk;
    if (start >= n) return;
    counter.add(yTrue, yPred, start, Math.min(n, start + chunk));
  }
}

/** `"ring"` mode, Worker side: counts the slots of its tickets until the producer is done. */
function countRingTickets(job: WorkerJob, counter: PairTableCounter): void {
  const { control, yTrue, yPred, chunk, size: slots } = job;
  for (;;) {
    const ticket = Atomics.add(control, NEXT, 1);
    const slot = ticket % slots;
    for (;;) {
      const epoch = Atomics.load(control, EPOCH);
      if (Atomics.load(control, fullWord(slot)) === ticket) break;
      if (
        Atomics.load(control, DONE) === 1 && ticket >= Atomics.load(control, PUBLISHED)
      ) return;
      Atomics.wait(control, EPOCH, epoch);
    }
    const start = slot * chunk;
    counter.add(yTrue, yPred, start, start + Atomics.load(control, lengthWord(slot)));
    Atomics.store(control, freeWord(slot), ticket + slots);
  }
}

interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerJob>) => void) | null;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  addEventListener(type: "unload", listener: () => void): void;
}

const scope = globalThis as unknown as WorkerScope;
/** This Worker's byte-pair histogram, reused by every job. */
let scratch: Uint32Array | undefined;
// Only act as a Worker when loaded as one (importing this file elsewhere is harmless).
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  // Deno.exit in a Worker raises no event in the host; this notice is how the host learns that
  // a job it handed out will never be answered.
  scope.addEventListener("unload", () => {
    scope.postMessage({
      id: -1,
      table: null,
      error: "the Worker's event loop ended",
      exited: true,
    });
  });
  scope.onmessage = (event: MessageEvent<WorkerJob>) => {
    const job = event.data;
    try {
      scratch ??= new Uint32Array(65536);
      const counter = new PairTableCounter(job.coding, scratch);
      if (job.mode === "shared") {
        countSharedChunks(job.control, job.yTrue, job.yPred, job.chunk, counter);
      } else {
        countRingTickets(job, counter);
      }
      const table = counter.finish();
      scope.postMessage({ id: job.id, table, error: null }, [table.buffer]);
    } catch (e) {
      scope.postMessage({ id: job.id, table: null, error: String(e) });
    }
  };
}
