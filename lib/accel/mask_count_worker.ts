/**
 * The worker of `countMaskPairsParallel` (mask_count_pool.ts): reads each pair of files it is
 * given with `readMaskPairs` and counts every image into a one-image `SegmentationStats`, whose
 * JSON it posts back. Nothing here is exported: the module only runs as a worker.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { SegmentationStats } from "../core/segmentation_stats.ts";
import { InputError } from "../io/input_error.ts";
import { readMaskPairs } from "../io/mask_reader.ts";
import type { FromCounter, ToCounter } from "./mask_count_pool.ts";

const jobs: ToCounter[] = [];
let busy = false;

async function count(job: ToCounter): Promise<void> {
  try {
    for await (const image of readMaskPairs([job.pair], job.read)) {
      const where = {
        type: "image",
        k: job.k,
        index: image.index,
        count: image.count,
        shape: image.shape,
      } as const;
      let stats: SegmentationStats;
      try {
        stats = new SegmentationStats(job.numClasses, job.counting).addImage(
          image.yTrue,
          image.yPred,
        );
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        self.postMessage(
          {
            ...where,
            countError: { name: error.name, message: error.message },
          } satisfies FromCounter,
        );
        return; // the consumer stops at this image; nothing after it is needed
      }
      self.postMessage({ ...where, stats: stats.toJSON() } satisfies FromCounter);
    }
    self.postMessage({ type: "done", k: job.k } satisfies FromCounter);
  } catch (e) {
    self.postMessage(
      {
        type: "error",
        k: job.k,
        message: e instanceof Error ? e.message : String(e),
        input: e instanceof InputError,
      } satisfies FromCounter,
    );
  }
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  while (jobs.length > 0) await count(jobs.shift()!);
  busy = false;
}

self.onmessage = (event: MessageEvent<ToCounter>) => {
  jobs.push(event.data);
  drain();
};
