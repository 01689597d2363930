/**
 * `risk`: predicts float32 count loss of Keras MeanIoU from dataset sizes alone, no data.
 *
 * @module
 */

import type { RiskReport } from "../lib/keras/risk.ts";
import { type Flags, InputError, intFlag } from "./args.ts";
import type { CommandResult } from "./output.ts";
import { num } from "./render.ts";

/**
 * Runs `risk` with the parsed flags.
 *
 * @param v the flags
 * @returns the prediction (no matrix)
 * @throws {InputError} for missing or bad sizes
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runRisk } from "./risk.ts";
 * // one class, 2^24 pixels per batch of 4 images of 2048x2048: the cell reaches 2^24 in batch 1
 * const r = await runRisk({ images: "8", "image-size": "2048x2048", "batch-size": "4", classes: "2" });
 * const json = r.rendered.json as { numBatches: number; compiledFreezeBatch: number };
 * assert.equal(json.numBatches, 2);
 * assert.equal(json.compiledFreezeBatch, 1);
 * ```
 */
export async function runRisk(v: Flags): Promise<CommandResult> {
  if (v.keras !== undefined || v.backend !== undefined) {
    throw new InputError("Expected no --keras or --backend for 'risk': it covers every version");
  }
  const sizeText = v["image-size"];
  if (sizeText === undefined) throw new InputError("Expected --image-size HxW for 'risk'");
  const m = /^([0-9]+)(?:x([0-9]+))?$/.exec(sizeText.trim());
  if (!m) throw new InputError(`Expected --image-size like 512x512, but found '${sizeText}'`);
  const imagePixels = Number(m[1]) * (m[2] === undefined ? 1 : Number(m[2]));
  if (!(imagePixels >= 1) || !Number.isSafeInteger(imagePixels)) {
    throw new InputError(`Expected --image-size of at least one pixel, but found '${sizeText}'`);
  }
  const images = intFlag("images", v.images, 1);
  const pixels = intFlag("pixels", v.pixels, 1);
  if ((images === undefined) === (pixels === undefined)) {
    throw new InputError("Expected exactly one of --images and --pixels for 'risk'");
  }
  const numImages = images ?? Math.ceil(pixels! / imagePixels);
  const batchSize = intFlag("batch-size", v["batch-size"], 1);
  if (batchSize === undefined) throw new InputError("Expected --batch-size for 'risk'");
  const numClasses = intFlag("classes", v.classes, 2);
  if (numClasses === undefined) throw new InputError("Expected --classes for 'risk'");
  const frequencies = v.frequencies?.split(",").map((t) => {
    const x = Number(t.trim());
    if (t.trim() === "" || !(x >= 0) || !Number.isFinite(x)) {
      throw new InputError(
        `Expected --frequencies to be numbers >= 0, but found '${v.frequencies}'`,
      );
    }
    return x;
  });
  const accuracy = v.accuracy === undefined ? undefined : Number(v.accuracy);
  let r: RiskReport;
  try {
    const { float32Risk } = await import("../lib/keras/risk.ts");
    r = float32Risk({
      numImages,
      imagePixels,
      batchSize,
      numClasses,
      classFrequencies: frequencies,
      accuracy,
    });
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const b = (x: number | null) => (x === null ? "never" : `batch ${x}`);
  const eagerLine = r.eagerLoses
    ? `eager float32 (evaluate/update_state without XLA): counts can be lost from ${
      b(r.eagerFirstRiskBatch)
    } on; error ${r.eagerError} pixels in one cell for identical images, at most ${r.eagerWorstCase}`
    : "eager float32: exact (no cell passes 2^24)";
  const compiledLine = r.compiledLoses
    ? `compiled float32 (JAX, TF jit_compile=True): a cell freezes at 16777216 in ${
      b(r.compiledFreezeBatch)
    }; error ${r.compiledError} pixels (${
      ((100 * r.compiledError) / Math.max(...r.cells.map((c) => c.exact))).toFixed(1)
    }% of the largest cell)`
    : "compiled float32: exact (no cell reaches 2^24)";
  const lines = [
    `${numImages} images of ${imagePixels} pixels, batch size ${batchSize}: ${r.numBatches} ` +
    `batches of ${r.pixelsPerBatch} pixels, ${r.pixels} pixels in all`,
    r.withinBatchSaturationPossible
      ? `one batch holds more than 2^24 pixels: a cell can saturate inside a batch (batch size ` +
        `<= ${r.safeBatchSize} avoids it)`
      : `no batch holds more than 2^24 pixels (any batch size <= ${r.safeBatchSize} is safe within a batch)`,
    ...(v.compiled ? [compiledLine, eagerLine] : [eagerLine, compiledLine]),
    `mean IoU after the last batch under the model (accuracy ${accuracy ?? 1}): exact ${
      num(r.meanIoU.exact)
    }, eager Keras 3.7 ${num(r.meanIoU.eager)}, compiled Keras 3.7 ${num(r.meanIoU.compiled)}` +
    (accuracy === undefined ? " (pass --accuracy below 1 to see the effect on IoU)" : ""),
    r.int32WrapBatch === null
      ? "Keras 3.8+ integer state: exact (no cell passes 2^31 - 1)"
      : `Keras 3.8+ on JAX/torch/numpy (int32 state): a cell wraps after ${b(r.int32WrapBatch)}`,
    'Affected: tf.keras 2.x, Keras 3.0-3.7 by default, any Keras 3 with dtype="float32"; ' +
    "Keras 3.8+ counts in integers by default.",
  ];
  return {
    rendered: {
      json: {
        command: "risk",
        input: {
          numImages,
          imagePixels,
          batchSize,
          numClasses,
          frequencies: frequencies ?? null,
          accuracy: accuracy ?? 1,
        },
        ...r,
      },
      header: lines,
      tables: [{
        columns: [
          "class",
          "per batch",
          "exact",
          "eager f32",
          "compiled f32",
          "eager loss from",
          "compiled freeze",
          "int32 wrap",
        ],
        rows: r.cells.map((c) => [
          c.class,
          c.perBatch,
          c.exact,
          c.eager,
          c.compiled,
          c.eagerFirstLossBatch === null ? "never" : `batch ${c.eagerFirstLossBatch}`,
          c.compiledFreezeBatch === null ? "never" : `batch ${c.compiledFreezeBatch}`,
          c.int32WrapBatch === null ? "never" : `batch ${c.int32WrapBatch}`,
        ]),
      }],
      footer: [],
    },
  };
}
