/**
 * The run without arguments: every definition side by side on the built-in demo dataset, with
 * what Keras 3.7 and 3.15 report.
 *
 * @module
 */

import { SegmentationStats } from "../lib/core/segmentation_stats.ts";
import { demoDataset } from "../lib/io/demo_dataset.ts";
import { compare } from "../lib/metrics/compare.ts";
import { type Flags, intList } from "./args.ts";
import { comparisonOutput } from "./compare.ts";
import { kerasSpecs } from "./keras_runs.ts";
import type { CommandResult } from "./output.ts";

/**
 * Runs the demo with the parsed flags (`--batch-size`, `--keras`).
 *
 * @param v the flags
 * @returns the comparison and the exact matrix
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { demoDataset } from "../lib/io/demo_dataset.ts";
 * import { runDemo } from "./demo.ts";
 * const r = await runDemo({ keras: "none" });
 * const json = r.rendered.json as { numImages: number; absentClasses: number[] };
 * assert.equal(json.numImages, demoDataset().images.length);
 * assert.deepEqual(json.absentClasses, [5]);
 * ```
 */
export async function runDemo(v: Flags): Promise<CommandResult> {
  const demo = demoDataset();
  const stats = new SegmentationStats(demo.numClasses, { ignoreIndex: demo.ignoreIndex });
  const batchSizes = intList("batch-size", v["batch-size"], 1) ?? [8, 32];
  const specs = await kerasSpecs(v, "3.7,3.15");
  const { KerasAudit } = await import("../lib/keras/audit.ts");
  const keras = specs.length === 0 ? undefined : new KerasAudit(demo.numClasses, specs, {
    batchSize: batchSizes[0],
    ignoreClass: demo.ignoreIndex,
  });
  for (const image of demo.images) {
    stats.addImage(image.yTrue, image.yPred);
    keras?.addImage(image.yTrue, image.yPred);
  }
  const c = compare(stats, { batchSizes });
  return {
    rendered: comparisonOutput(
      c,
      {
        demo: true,
        numClasses: demo.numClasses,
        ignore: [demo.ignoreIndex],
        batchSizes,
      },
      undefined,
      keras?.finish(stats.confusionMatrix) ?? [],
    ),
    cm: stats.confusionMatrix,
  };
}
