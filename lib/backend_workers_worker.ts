/**
 * Worker entry of the workers backend (`lib/backend_workers.ts`): counts one range of code pairs
 * of two SharedArrayBuffer-backed label arrays and posts the table back (transferred).
 *
 * @module
 */
import { countPairTable, type IntegerLabels, type PairCoding } from "./pair_table.ts";

/** A job posted to a worker. */
export interface WorkerJob {
  /** Job id, echoed in the reply. */
  id: number;
  /** True labels (SharedArrayBuffer-backed). */
  yTrue: IntegerLabels;
  /** Predicted labels (SharedArrayBuffer-backed). */
  yPred: IntegerLabels;
  /** Label coding. */
  coding: PairCoding;
  /** First index. */
  start: number;
  /** One past the last index. */
  end: number;
}

/** A worker's reply. */
export interface WorkerReply {
  /** Job id. */
  id: number;
  /** The counted pair table, or null on error. */
  table: Float64Array | null;
  /** Error text, or null. */
  error: string | null;
}

interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerJob>) => void) | null;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
// Only act as a worker when loaded as one (importing this file elsewhere is harmless).
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  scope.onmessage = (event: MessageEvent<WorkerJob>) => {
    const { id, yTrue, yPred, coding, start, end } = event.data;
    try {
      const table = new Float64Array(coding.height * coding.width);
      countPairTable(yTrue, yPred, coding, table, start, end);
      scope.postMessage({ id, table, error: null }, [table.buffer]);
    } catch (e) {
      scope.postMessage({ id, table: null, error: String(e) });
    }
  };
}
