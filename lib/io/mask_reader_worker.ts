/**
 * The worker of {@linkcode readMaskPairsParallel}: says it is ready, reads the pairs of files it
 * is given with {@linkcode readMaskPairs} (so every check and every error message is the serial
 * reader's), counts each image when asked, and posts each image's labels (and counts) back,
 * transferring their buffers. It posts at most
 * `WORKER_CREDIT` images the main thread has not taken yet, so that memory stays bounded
 * however far ahead of the consumer it could read. Nothing here is exported: the module only
 * runs as a worker.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { InputError } from "./input_error.ts";
import { readMaskPairs } from "./mask_reader.ts";
import { claimPair, type FromReader, type ToReader, WORKER_CREDIT } from "./parallel_reader.ts";
import type { LabelArray } from "../core/labels.ts";
import type { MaskPair } from "./dataset.ts";
import { ConfusionMatrix } from "../core/confusion_matrix.ts";

/** Images posted and not yet taken by the consumer. */
let outstanding = 0;
let waiting: (() => void) | null = null;

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

/** One pair to read. */
interface Job {
  k: number;
  pair: MaskPair;
  options: Extract<ToReader, { type: "start" }>["options"];
  count: Extract<ToReader, { type: "start" }>["count"];
}

async function read(job: Job): Promise<void> {
  try {
    for await (const image of readMaskPairs([job.pair], job.options)) {
      while (outstanding >= WORKER_CREDIT) {
        await new Promise<void>((resolve) => (waiting = resolve));
      }
      outstanding++;
      // counted here when asked: only the C x C counts need the main thread then
      let counts: Float64Array | undefined, missed: Float64Array | undefined;
      if (job.count !== undefined) {
        try {
          const m = new ConfusionMatrix(job.count.numClasses, job.count.counting)
            .update(image.yTrue, image.yPred);
          counts = m.counts();
          missed = m.missed();
        } catch {
          // a label the policy refuses: the consumer's own count throws the error
        }
      }
      // the labels go back too: moved, not copied, and the calling thread's heap is where they
      // are let go (measured: 160-190 MB at --jobs 2, against 230 MB dropping them here)
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
        ...(counts === undefined ? {} : { counts, missed }),
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

self.onmessage = (event: MessageEvent<ToReader>) => {
  const message = event.data;
  if (message.type === "ack") {
    outstanding--;
    const wake = waiting;
    waiting = null;
    wake?.();
  } else run(message);
};

/** Claims free pairs one after the other (see `claimPair`) and reads each. */
async function run(start: Extract<ToReader, { type: "start" }>): Promise<void> {
  const claims = new Int32Array(start.claims);
  for (;;) {
    const k = claimPair(claims, start.me);
    if (k < 0) return;
    await read({ k, pair: start.pairs[k], options: start.options, count: start.count });
  }
}
