/**
 * `keras`: what Keras MeanIoU (by version, backend, eager or compiled) reports for masks, fed
 * one `update_state` per batch as `evaluate()` does, against the exact counts.
 *
 * @module
 */

import { meanIoU } from "../lib/metrics/mean_iou.ts";
import { type Flags, InputError, intList, requireMasks } from "./args.ts";
import { countMasks, countOptions } from "./count.ts";
import { kerasFactory, kerasName, kerasSpecs } from "./keras_runs.ts";
import type { CommandResult } from "./output.ts";
import { num, signed } from "./render.ts";

/**
 * Runs `keras` with the parsed flags.
 *
 * @param v the flags
 * @returns the Keras runs and the exact matrix
 * @throws {InputError} for bad flags or input
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNpy } from "../lib/io/npy.ts";
 * import { runKeras } from "./keras.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/t.npy`, encodeNpy({ shape: [2, 2], data: new Uint8Array([0, 1, 1, 1]) }));
 * const r = await runKeras({ true: `${dir}/t.npy`, pred: `${dir}/t.npy`, keras: "2.15" });
 * const json = r.rendered.json as { exact: number; keras: { value: number }[] };
 * assert.equal(json.exact, 1);
 * assert.equal(json.keras[0].value, 1); // tf.keras 2.15: no epsilon, float32 1/1 and 3/3
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runKeras(v: Flags): Promise<CommandResult> {
  if (v.cm !== undefined) {
    throw new InputError("Expected masks (--true/--pred) for 'keras': --cm has no batches");
  }
  const { t, p } = requireMasks(v, "keras");
  const o = countOptions(v);
  const batchSizes = intList("batch-size", v["batch-size"], 1) ?? [8];
  if (batchSizes.length !== 1) {
    throw new InputError(`Expected one --batch-size for 'keras', but found ${batchSizes.length}`);
  }
  const specs = await kerasSpecs(v, "3.7,3.15");
  if (specs.length === 0) throw new InputError("Expected at least one version in --keras");
  o.keras = await kerasFactory(specs, o.ignore, batchSizes[0]);
  const counted = await countMasks(t, p, o);
  const runs = counted.keras!.finish(counted.stats.confusionMatrix);
  const exact = counted.stats.confusionMatrix;
  const footer: string[] = [];
  for (const r of runs) {
    if (r.warnings.length > 0) footer.push(`${kerasName(r)} warns: ${r.warnings.join(" | ")}`);
    if (r.caveats.length > 0) footer.push(`${kerasName(r)} caveat: ${r.caveats.join(" | ")}`);
    if (r.totalCm && r.changedCells > 0 && exact.numClasses <= 12) {
      footer.push(`${kerasName(r)} total_cm (exact in brackets where it differs):`);
      const ex = exact.toArray();
      for (let i = 0; i < exact.numClasses; i++) {
        footer.push(
          "  " + r.totalCm[i].map((x, j) => (x === ex[i][j] ? `${x}` : `${x} [${ex[i][j]}]`))
            .join("  "),
        );
      }
    }
  }
  return {
    rendered: {
      json: {
        command: "keras",
        input: {
          true: t,
          pred: p,
          numClasses: counted.numClasses,
          classesInferred: counted.classesInferred,
          ignore: o.ignore,
          batchSize: batchSizes[0],
        },
        numImages: counted.stats.numImages,
        pixels: exact.total,
        exact: meanIoU(exact),
        confusionMatrix: exact.toArray(),
        keras: runs.map((r) => ({ name: kerasName(r), ...r })),
      },
      header: [
        `${counted.stats.numImages} images, ${exact.total} counted pixels, ${counted.numClasses} ` +
        `classes, batch size ${batchSizes[0]} (${runs[0].batches} update_state calls)`,
        `exact dataset mIoU: ${num(meanIoU(exact))}`,
      ],
      tables: [{
        columns: [
          "keras",
          "total_cm",
          "result()",
          "vs exact",
          "epsilon",
          "float32",
          "wrong cells",
          "max cell error",
          "lost pixels",
        ],
        rows: runs.map((r) => [
          kerasName(r),
          r.stateDtype,
          r.error ?? r.value,
          r.difference === null ? null : signed(r.difference),
          r.epsilonPart === null ? null : signed(r.epsilonPart),
          r.precisionPart === null ? null : signed(r.precisionPart),
          r.changedCells,
          r.maxCellError,
          r.lostPixels,
        ]),
      }],
      footer,
    },
    cm: exact,
    skipped: o.skipped,
  };
}
