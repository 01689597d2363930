/**
 * Reading paired mask files image by image, as the CLI does: (true labels, predicted labels,
 * shape) per image, predictions reduced by argmax when they are class scores, shapes checked;
 * and the first pass that infers the number of classes.
 *
 * {@linkcode readMaskPairs} is the one loop that opens, reads and decodes files; counting code
 * consumes its images, so a parallel reader can replace it without touching the counting.
 *
 * @module
 */

import { argmax } from "../core/argmax.ts";
import type { LabelArray } from "../core/labels.ts";
import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import { toLabelArray } from "./dataset.ts";
import type { MaskPair } from "./dataset.ts";
import { FileReads } from "./_files.ts";
import { InputError } from "./input_error.ts";
import {
  type MaskFile,
  openMaskFileWith,
  type OpenMaskOptions,
  wholeFileLimitOf,
} from "./mask_source.ts";
import type { NpyData } from "./npy.ts";

/** One image of a pair: the labels to count, and where they came from. */
export interface MaskImage {
  /** The pair of files it was read from. */
  pair: MaskPair;
  /** Index of the image within its file (0 for a file holding one image). */
  index: number;
  /** Number of images in the file. */
  count: number;
  /** True labels, flat, row-major. */
  yTrue: LabelArray;
  /** Predicted labels (argmax of the scores with `axis`), flat, row-major. */
  yPred: LabelArray;
  /** Shape of one image, e.g. `[H, W]`. */
  shape: number[];
  /**
   * The image's exact counts, when a reader counted them already (the parallel reader's
   * workers with its `count` option); otherwise absent, and the consumer counts the labels.
   */
  counts?: ConfusionMatrix;
}

/** Options of {@linkcode readMaskPairs}. */
export interface ReadMaskOptions {
  /**
   * Predictions are class scores: argmax over this axis of each `.npy` prediction file (the
   * axis of the whole file, e.g. -1 for (N, H, W, C), 1 for (N, C, H, W)); ties go to the
   * first maximum, as in Keras. PNG predictions stay labels.
   */
  axis?: number;
  /** Files bigger than this many bytes are streamed (default 64 MiB). */
  wholeFileLimit?: number;
  /** The most elements one read decodes (default: the decoders' limits, 2^28). */
  maxPixels?: number;
  /**
   * Called as reading advances: after each pair of files (`unit` "files") when there are
   * several, after each image (`unit` "images") when there is one pair.
   */
  onProgress?: (done: number, total: number, unit: "files" | "images") => void;
}

/**
 * Reads pairs of mask files image by image, in order, yielding each image's true and
 * predicted labels and its shape. The files of the next pair are read in the background while
 * the current one is used; big `.npy` stacks are streamed. Labels are not range-checked here
 * (the counter does that, knowing the number of classes).
 *
 * @param pairs the files, e.g. from {@linkcode pairMasks}
 * @param options `axis` for class scores, `wholeFileLimit`, `onProgress`
 * @returns an async generator of images; stopping early closes the open files
 * @throws {InputError} for a missing or malformed file, different image counts in a pair,
 *   different shapes of an image pair, or NaN scores
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNpy } from "./npy.ts";
 * import { readMaskPairs } from "./mask_reader.ts";
 * const dir = await Deno.makeTempDir();
 * // ground truth: one 1x3 image; predictions: scores (1, 3, 2), class axis last
 * await Deno.writeFile(`${dir}/t.npy`, encodeNpy({ shape: [1, 3], data: new Uint8Array([0, 1, 1]) }));
 * const scores = new Float32Array([0.9, 0.1, 0.2, 0.8, 0.6, 0.4]);
 * await Deno.writeFile(`${dir}/p.npy`, encodeNpy({ shape: [1, 3, 2], data: scores }));
 * const images = [];
 * for await (const image of readMaskPairs([{ truePath: `${dir}/t.npy`, predPath: `${dir}/p.npy` }], { axis: -1 })) {
 *   images.push(image);
 * }
 * assert.equal(images.length, 1);
 * assert.deepEqual([...images[0].yTrue], [0, 1, 1]);
 * assert.deepEqual([...images[0].yPred], [0, 1, 0]);
 * assert.deepEqual(images[0].shape, [1, 3]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function* readMaskPairs(
  pairs: readonly MaskPair[],
  options: ReadMaskOptions = {},
): AsyncGenerator<MaskImage> {
  const axis = options.axis;
  const labels: OpenMaskOptions = { ...options, axis: undefined };
  const progress = options.onProgress ?? (() => {});
  const reads = new FileReads(wholeFileLimitOf(options));
  try {
    for (let k = 0; k < pairs.length; k++) {
      const pair = pairs[k];
      const t = await openMaskFileWith(pair.truePath, labels, reads);
      let p: MaskFile;
      try {
        p = await openMaskFileWith(pair.predPath, options, reads);
      } catch (e) {
        t.close();
        throw e;
      }
      if (k + 1 < pairs.length) {
        reads.prefetch(pairs[k + 1].truePath);
        reads.prefetch(pairs[k + 1].predPath);
      }
      try {
        if (t.count !== p.count) {
          throw new InputError(
            `Expected the same number of images in ${pair.truePath} (${t.count}) and ` +
              `${pair.predPath} (${p.count})`,
          );
        }
        for (let i = 0; i < t.count; i++) {
          const yTrue = toLabelArray(await t.read(i) as NpyData);
          let yPred: LabelArray;
          let predShape: number[];
          if (p.axis !== undefined) {
            const where = p.count > 1 ? ` (image ${i})` : "";
            let r;
            try {
              r = argmax({ shape: p.shape, data: await p.read(i) }, p.axis, {
                source: `${p.path}${where}`,
              });
            } catch (e) {
              throw new InputError(`${p.path}${where}: ${(e as Error).message}`);
            }
            yPred = r.data;
            predShape = r.shape;
          } else {
            yPred = toLabelArray(await p.read(i) as NpyData);
            predShape = p.shape;
          }
          if (predShape.join(",") !== t.shape.join(",")) {
            const where = t.count > 1 ? ` (image ${i})` : "";
            throw new InputError(
              `Expected ${pair.predPath}${where} to have the shape of ${pair.truePath}: ` +
                `(${t.shape.join(", ")}), but found (${predShape.join(", ")})` +
                (p.axis !== undefined ? ` after argmax over axis ${axis}` : ""),
            );
          }
          yield { pair, index: i, count: t.count, yTrue, yPred, shape: t.shape };
          if (pairs.length === 1) progress(i + 1, t.count, "images");
        }
      } finally {
        t.close();
        p.close();
      }
      if (pairs.length > 1) progress(k + 1, pairs.length, "files");
    }
  } finally {
    reads.clear();
  }
}

/** Options of {@linkcode inferNumClasses}. */
export interface InferClassesOptions {
  /** Predictions are class scores along this axis: the axis length is the number of classes. */
  axis?: number;
  /** True labels that mark pixels left out (e.g. 255): they do not count as classes. */
  ignore?: readonly number[];
  /** Files bigger than this many bytes are streamed (default 64 MiB). */
  wholeFileLimit?: number;
  /** The most elements one read decodes (default: the decoders' limits, 2^28). */
  maxPixels?: number;
}

/**
 * The number of classes a dataset implies when none is given: with `axis`, the length of the
 * class axis of the first prediction file; otherwise the largest label in the ground truth
 * (ignored labels left out) and the predictions, plus one, and at least 2 (a first pass over
 * every image).
 *
 * @param pairs the files, e.g. from {@linkcode pairMasks}
 * @param options `axis` for class scores, `ignore`d true labels, `wholeFileLimit`
 * @returns the number of classes
 * @throws {InputError} for a bad file, or a largest label that is not an integer below 65536
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNpy } from "./npy.ts";
 * import { inferNumClasses } from "./mask_reader.ts";
 * const dir = await Deno.makeTempDir();
 * const t = new Uint8Array([0, 3, 255, 1]), p = new Uint8Array([0, 2, 4, 1]);
 * await Deno.writeFile(`${dir}/t.npy`, encodeNpy({ shape: [2, 2], data: t }));
 * await Deno.writeFile(`${dir}/p.npy`, encodeNpy({ shape: [2, 2], data: p }));
 * const pairs = [{ truePath: `${dir}/t.npy`, predPath: `${dir}/p.npy` }];
 * // 255 marks ignored pixels; the largest class id is the predicted 4
 * assert.equal(await inferNumClasses(pairs, { ignore: [255] }), 5);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function inferNumClasses(
  pairs: readonly MaskPair[],
  options: InferClassesOptions = {},
): Promise<number> {
  if (options.axis !== undefined) {
    if (pairs.length === 0) throw new InputError("Expected at least one image, but found none");
    // scores: the class axis gives the number of classes
    const first = await openMaskFileWith(
      pairs[0].predPath,
      options,
      new FileReads(wholeFileLimitOf(options)),
    );
    first.close();
    const a = first.axis!;
    return first.shape[a < 0 ? a + first.shape.length : a];
  }
  let max = 1;
  let where = "";
  const ignored = new Set(options.ignore ?? []);
  for await (const image of readMaskPairs(pairs, { ...options, axis: undefined })) {
    const { yTrue, yPred } = image;
    const before = max;
    for (let k = 0; k < yTrue.length; k++) {
      const v = yTrue[k];
      if (v > max && !ignored.has(v)) max = v;
    }
    if (max !== before) where = image.pair.truePath;
    const beforePred = max;
    for (let k = 0; k < yPred.length; k++) if (yPred[k] > max) max = yPred[k];
    if (max !== beforePred) where = image.pair.predPath;
  }
  if (!Number.isInteger(max) || max > 65535) {
    throw new InputError(
      `${where}: Expected integer class ids below 65536 to infer the number of classes, but ` +
        `found ${max}; pass --classes`,
    );
  }
  return max + 1;
}
