/**
 * The machine's ceiling for `--jobs 2`: the same work (read, decode and optionally count every
 * pair of a folder) on one thread alone, then on two threads at once (this one and a worker,
 * each doing the whole folder), in alternating rounds after a warm-up round. "2 x alone / both"
 * is the speed-up two threads can give on this machine for this work, warm; `--jobs 2` of a
 * whole CLI run also pays the worker's start-up and its cold code.
 *
 * Run: deno run -A bench/two_threads.ts --dir FOLDER [--rounds 4] [--classes 19 --ignore 255]
 * where FOLDER holds `gt/` and `pred/` (e.g. `png/` of `deno task bench-real --keep`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { pairMasks } from "../lib/io/dataset.ts";
import { readMaskPairs } from "../lib/io/mask_reader.ts";
import { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";

interface Job {
  dir: string;
  count: boolean;
  classes: number;
  ignore: number;
}

/** Reads (and counts) every pair of the folder once; milliseconds. */
async function work(job: Job): Promise<number> {
  const pairs = await pairMasks(`${job.dir}/gt`, `${job.dir}/pred`);
  const t0 = performance.now();
  for await (const image of readMaskPairs(pairs)) {
    if (job.count) {
      new ConfusionMatrix(job.classes, { ignoreIndex: [job.ignore] })
        .update(image.yTrue, image.yPred);
    }
  }
  return performance.now() - t0;
}

const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !==
  "undefined";

if (inWorker) {
  const scope = self as unknown as {
    onmessage: (e: MessageEvent<Job>) => void;
    postMessage: (v: number) => void;
  };
  scope.onmessage = async (e) => scope.postMessage(await work(e.data));
} else {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      dir: { type: "string" },
      rounds: { type: "string", default: "4" },
      classes: { type: "string", default: "19" },
      ignore: { type: "string", default: "255" },
    },
  });
  if (values.dir === undefined) {
    console.error("usage: deno run -A bench/two_threads.ts --dir FOLDER (with gt/ and pred/)");
    Deno.exit(2);
  }
  const worker = new Worker(import.meta.url, { type: "module" });
  const inOther = (job: Job) =>
    new Promise<number>((resolve) => {
      worker.onmessage = (e: MessageEvent<number>) => resolve(e.data);
      worker.postMessage(job);
    });
  const jobOf = (count: boolean): Job => ({
    dir: values.dir!,
    count,
    classes: Number(values.classes),
    ignore: Number(values.ignore),
  });
  for (const count of [false, true]) await Promise.all([work(jobOf(count)), inOther(jobOf(count))]);
  const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ")[0];
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const count of [false, true]) {
      const alone = await work(jobOf(count));
      const t0 = performance.now();
      const [other, here] = await Promise.all([inOther(jobOf(count)), work(jobOf(count))]);
      const both = performance.now() - t0;
      console.log(
        `${count ? "read+count" : "read only "}: alone ${alone.toFixed(0)} ms; two at once ` +
          `${both.toFixed(0)} ms (worker ${other.toFixed(0)}, main ${here.toFixed(0)}): ` +
          `${(2 * alone / both).toFixed(2)}x; load ${load()}`,
      );
    }
  }
  worker.terminate();
}
