/**
 * Inputs: NumPy `.npy` files (read whole or streamed image by image), PNG label maps, and the
 * dataset reader that finds, pairs and reads folders of masks exactly as the CLI does:
 * {@linkcode pairMasks} (two files or two folders, paired by name), {@linkcode readMaskPairs}
 * (true and predicted labels image by image, argmax over class scores), {@linkcode
 * inferNumClasses}, and {@linkcode InputError} for bad input files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNpy, pairMasks, readMaskPairs } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/gt`);
 * await Deno.mkdir(`${dir}/pred`);
 * const mask = (values: number[]) => encodeNpy({ shape: [2, 2], data: new Uint8Array(values) });
 * await Deno.writeFile(`${dir}/gt/a.npy`, mask([0, 1, 1, 2]));
 * await Deno.writeFile(`${dir}/pred/a.npy`, mask([0, 1, 2, 2]));
 * let agree = 0;
 * for await (const { yTrue, yPred } of readMaskPairs(await pairMasks(`${dir}/gt`, `${dir}/pred`))) {
 *   for (let k = 0; k < yTrue.length; k++) if (yTrue[k] === yPred[k]) agree++;
 * }
 * assert.equal(agree, 3);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export * from "./npy.ts";
export * from "./npy_file.ts";
export * from "./png.ts";
export * from "./dataset.ts";
export * from "./input_error.ts";
export {
  DEFAULT_WHOLE_FILE_LIMIT,
  type MaskFile,
  openMaskFile,
  type OpenMaskOptions,
} from "./mask_source.ts";
export * from "./mask_reader.ts";
export * from "./demo_dataset.ts";
/** The label arrays the reader yields (from the core). */
export type { LabelArray } from "../core/labels.ts";
