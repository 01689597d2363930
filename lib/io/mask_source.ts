/**
 * One mask file as a list of images read on demand: a `.png` label map (one image), or a `.npy`
 * array of labels or class scores holding one image or a stack of them. Small files are read
 * whole; big `.npy` stacks are streamed image by image, so a 10 GB stack never sits in memory.
 *
 * @module
 */

import { InputError } from "./input_error.ts";
import { FileReads, regularFileOrFail } from "./_files.ts";
import { decodeNpy, type NpyData, NpyFormatError } from "./npy.ts";
import { NpyFile } from "./npy_file.ts";

// The PNG decoder inflates with node:zlib, whose first import costs 35-40 ms (Deno's Node.js
// layer starts): it is loaded with the first PNG file, so that `.npy` folders do not pay it.
let pngDecoder: Promise<typeof import("./png.ts")> | undefined;

/**
 * Files up to this many bytes are read whole by default; bigger stacks are streamed image by
 * image, so that memory stays bounded by one image whatever the file's size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_WHOLE_FILE_LIMIT, wholeFileLimitOf } from "./mask_source.ts";
 * assert.equal(DEFAULT_WHOLE_FILE_LIMIT, 64 * 2 ** 20);
 * assert.equal(wholeFileLimitOf({}), DEFAULT_WHOLE_FILE_LIMIT);
 * assert.equal(wholeFileLimitOf({ wholeFileLimit: 10 }), 10);
 * ```
 */
export const DEFAULT_WHOLE_FILE_LIMIT: number = 64 * 1024 * 1024;

/** One opened mask file: its images (slices along the first axis of a stack) read on demand. */
export interface MaskFile {
  /** The path it was opened with. */
  path: string;
  /** Number of images. */
  count: number;
  /**
   * Shape of one image: `[H, W]` for labels (a singleton channel axis dropped), the scores'
   * shape with its class axis for scores.
   */
  shape: number[];
  /** For scores: the class axis within one image (negative counts from the end). */
  axis?: number;
  /** Image `i` (0 <= i < count), as decoded: labels, or scores to reduce with argmax. */
  read(i: number): Promise<NpyData | Uint8Array | Uint16Array>;
  /** Releases the file (a streamed stack holds it open). */
  close(): void;
}

/** Options of {@linkcode openMaskFile}. */
export interface OpenMaskOptions {
  /**
   * The file holds class scores: the class axis of the whole array (e.g. -1 for (N, H, W, C),
   * 1 for (N, C, H, W); the CLI's `--axis`). PNG files always hold labels and ignore it.
   */
  axis?: number;
  /** Files bigger than this many bytes are streamed (default {@linkcode DEFAULT_WHOLE_FILE_LIMIT}). */
  wholeFileLimit?: number;
  /**
   * The most elements one read decodes: a whole file, or one image of a streamed stack
   * (default: the decoders' own limits, 2^28). Larger reads are refused before allocating.
   */
  maxPixels?: number;
}

/**
 * Opens a `.npy` or `.png` mask file. Labels may be shaped (H, W) or (N, H, W), with a
 * singleton channel axis allowed: (H, W, 1), (N, H, W, 1), (N, 1, H, W). With `axis`, a `.npy`
 * file holds class scores shaped (H, W, C) or (N, H, W, C) in any axis order.
 *
 * @param path the file
 * @param options `axis` for class scores, `wholeFileLimit` for streaming
 * @returns the opened file; call `close()` when done
 * @throws {InputError} for a missing file, an extension other than .npy/.png, a malformed file
 *   or a shape that is neither labels nor scores
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNpy } from "./npy.ts";
 * import { openMaskFile } from "./mask_source.ts";
 * const dir = await Deno.makeTempDir();
 * // two 2x3 label images with a singleton channel axis: shape (2, 2, 3, 1)
 * const labels = new Uint8Array([0, 1, 2, 2, 1, 0, 1, 1, 1, 0, 0, 0]);
 * await Deno.writeFile(`${dir}/y.npy`, encodeNpy({ shape: [2, 2, 3, 1], data: labels }));
 * const file = await openMaskFile(`${dir}/y.npy`);
 * assert.equal(file.count, 2);
 * assert.deepEqual(file.shape, [2, 3]);
 * assert.deepEqual([...(await file.read(1))], [1, 1, 1, 0, 0, 0]);
 * file.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openMaskFile(path: string, options: OpenMaskOptions = {}): Promise<MaskFile> {
  return openMaskFileWith(path, options, new FileReads(wholeFileLimitOf(options)));
}

/** The streaming threshold of `options`. */
export function wholeFileLimitOf(options: { wholeFileLimit?: number }): number {
  return options.wholeFileLimit ?? DEFAULT_WHOLE_FILE_LIMIT;
}

/**
 * {@linkcode openMaskFile} through `reads` (whose prefetched bytes it uses), with the decoders'
 * errors turned into {@linkcode InputError}s.
 */
export async function openMaskFileWith(
  path: string,
  options: OpenMaskOptions,
  reads: FileReads,
): Promise<MaskFile> {
  try {
    return await openSource(path, options, reads);
  } catch (e) {
    if (e instanceof NpyFormatError || (e as Error)?.name === "PngMaskError") {
      throw new InputError((e as Error).message);
    }
    throw e;
  }
}

async function openSource(
  path: string,
  options: OpenMaskOptions,
  reads: FileReads,
): Promise<MaskFile> {
  const scoresAxis = options.axis;
  const limit = wholeFileLimitOf(options);
  const maxPixels = options.maxPixels;
  const lower = path.toLowerCase();
  const size = regularFileOrFail(path).size;
  if (lower.endsWith(".png")) {
    // a PNG always holds labels: the axis applies to .npy scores only
    pngDecoder ??= import("./png.ts");
    const { decodePngMask } = await pngDecoder;
    const mask = decodePngMask(await reads.read(path), path, {
      // the PNG decoder takes at most 2^31
      maxPixels: maxPixels === undefined ? undefined : Math.min(maxPixels, 2 ** 31),
    });
    return {
      path,
      count: 1,
      shape: mask.shape,
      read: () => Promise.resolve(mask.data),
      close() {},
    };
  }
  if (!lower.endsWith(".npy")) {
    throw new InputError(`${path}: expected a .npy or .png file`);
  }
  let header: { shape: number[] } = { shape: [] };
  let read: (i: number, count: number) => Promise<NpyData> = () => Promise.reject();
  let close = () => {};
  const whole = async () => {
    const array = decodeNpy(await reads.read(path), path, { share: true, maxPixels }); // bytes are ours
    header = array;
    read = (i, count) => {
      const per = array.data.length / count;
      return Promise.resolve(array.data.subarray(i * per, (i + 1) * per) as NpyData);
    };
  };
  if (size <= limit) {
    await whole();
  } else {
    // a big file: stream a stack image by image; a single big image is read whole
    const file = await NpyFile.open(path, { maxPixels });
    const fs = file.header.shape;
    const stack = scoresAxis === undefined
      ? fs.length === 4 || (fs.length === 3 && fs[2] !== 1)
      : fs.length === 4;
    if (stack) {
      header = file.header;
      read = (i) => file.readSlice(i);
      close = () => file.close();
    } else {
      file.close();
      await whole();
    }
  }
  const shape = header.shape;
  const rank = shape.length;
  if (scoresAxis === undefined) {
    // labels: (H, W), (N, H, W); a singleton channel axis is dropped: (H, W, 1), (N, H, W, 1),
    // (N, 1, H, W) (the C-order data is the same)
    if (rank === 1 || rank === 2) {
      return { path, count: 1, shape, read: () => read(0, 1), close };
    }
    if (rank === 3 && shape[2] === 1) {
      return { path, count: 1, shape: shape.slice(0, 2), read: () => read(0, 1), close };
    }
    if (rank === 3 || (rank === 4 && (shape[3] === 1 || shape[1] === 1))) {
      const image = rank === 3
        ? shape.slice(1)
        : shape[3] === 1
        ? shape.slice(1, 3)
        : shape.slice(2);
      return { path, count: shape[0], shape: image, read: (i) => read(i, shape[0]), close };
    }
    close();
    throw new InputError(
      `${path}: expected labels of shape (H, W) or (N, H, W) (a singleton channel axis is ` +
        `allowed), but found shape (${shape.join(", ")})` +
        (rank === 4 ? "; for class scores pass --axis" : ""),
    );
  }
  if (rank === 3 || rank === 4) {
    if (scoresAxis < -rank || scoresAxis >= rank || (rank === 4 && scoresAxis === 0)) {
      close();
      throw new InputError(
        `${path}: expected --axis to name a class axis of shape (${shape.join(", ")}), but ` +
          `found ${scoresAxis}`,
      );
    }
    if (rank === 3) {
      return { path, count: 1, shape, axis: scoresAxis, read: () => read(0, 1), close };
    }
    const axis = scoresAxis < 0 ? scoresAxis : scoresAxis - 1;
    return {
      path,
      count: shape[0],
      shape: shape.slice(1),
      axis,
      read: (i) => read(i, shape[0]),
      close,
    };
  }
  close();
  throw new InputError(
    `${path}: expected class scores of shape (H, W, C) or (N, H, W, C) (any axis order) with ` +
      `--axis, but found shape (${shape.join(", ")})`,
  );
}
