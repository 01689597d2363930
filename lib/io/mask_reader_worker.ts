/**
 * The worker of {@linkcode readMaskPairsParallel}: reads the pairs of files it is given with
 * {@linkcode readMaskPairs} (so every check and every error message is the serial reader's) and
 * posts each image's labels back, transferring their buffers. It posts at most
 * `WORKER_CREDIT` images the main thread has not taken yet, so that memory stays bounded
 * however far ahead of the consumer it could read. Nothing here is exported: the module only
 * runs as a worker.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { InputError } from "./input_error.ts";
import { readMaskPairs } from "./mask_reader.ts";
import { type FromReader, type ToReader, WORKER_CREDIT } from "./parallel_reader.ts";
import type { LabelArray } from "../core/labels.ts";

let credit = WORKER_CREDIT;
let waiting: (() => void) | null = null;
const jobs: Extract<ToReader, { type: "read" }>[] = [];
let busy = false;

/** A buffer to transfer: the labels' own when they span (nearly) all of it, else a copy. */
function transferable(labels: LabelArray): { labels: LabelArray; buffers: ArrayBuffer[] } {
  if (!ArrayBuffer.isView(labels)) return { labels, buffers: [] };
  const view = labels as unknown as Uint8Array;
  const buffer = view.buffer;
  // Small buffers may be slices of a shared pool (node:zlib's Buffers): copy those, never move.
  if (
    buffer instanceof ArrayBuffer && view.byteLength >= 65536 &&
    buffer.byteLength - view.byteLength <= view.byteLength / 4
  ) {
    return { labels, buffers: [buffer] };
  }
  const copy = (labels as unknown as { slice(): LabelArray }).slice();
  return { labels: copy, buffers: [(copy as unknown as Uint8Array).buffer as ArrayBuffer] };
}

async function read(job: Extract<ToReader, { type: "read" }>): Promise<void> {
  try {
    for await (const image of readMaskPairs([job.pair], job.options)) {
      while (credit === 0) await new Promise<void>((resolve) => (waiting = resolve));
      credit--;
      const t = transferable(image.yTrue);
      const p = transferable(image.yPred);
      const message: FromReader = {
        type: "image",
        k: job.k,
        index: image.index,
        count: image.count,
        shape: image.shape,
        yTrue: t.labels,
        yPred: p.labels,
      };
      // the same buffer twice (one array for both) is listed once
      self.postMessage(message, [...new Set([...t.buffers, ...p.buffers])]);
    }
    self.postMessage({ type: "done", k: job.k } satisfies FromReader);
  } catch (e) {
    self.postMessage(
      {
        type: "error",
        k: job.k,
        message: e instanceof Error ? e.message : String(e),
        input: e instanceof InputError,
      } satisfies FromReader,
    );
  }
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  while (jobs.length > 0) await read(jobs.shift()!);
  busy = false;
}

self.onmessage = (event: MessageEvent<ToReader>) => {
  const message = event.data;
  if (message.type === "ack") {
    credit++;
    const wake = waiting;
    waiting = null;
    wake?.();
  } else {
    jobs.push(message);
    drain();
  }
};
