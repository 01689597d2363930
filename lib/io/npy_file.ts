/**
 * The streaming reader of `.npy` files: {@linkcode NpyFile} reads one slice along the first axis
 * at a time (one image of an (N, H, W) stack), so memory does not grow with the file; Fortran-order
 * files are read in bounded passes that collect groups of consecutive slices.
 *
 * @module
 */

import {
  allocating,
  checkReadable,
  decodedSize,
  decodeElements,
  fortranToC,
  maxPixelsOf,
  type NpyLimitOptions,
} from "./npy_decode.ts";
import { fail, type NpyData, type NpyHeader, parseNpyHeader } from "./npy_header.ts";

/** Options of {@linkcode NpyFile.open}. */
export interface NpyFileOptions extends NpyLimitOptions {
  /**
   * Fortran-order files only: the most bytes of raw slices held at once (default: a sixteenth of
   * the data, within [64 MiB, 256 MiB]; at least one slice). Each group of slices that fits costs
   * one pass over the file, so a smaller bound means less memory and more reading.
   */
  fortranGroupBytes?: number;
}

/** Raw bytes of consecutive slices of a Fortran-order file, each slice in its own buffer. */
interface FortranGroup {
  /** Index of the first slice. */
  first: number;
  /** Raw bytes (file byte order, Fortran order within the slice) of slices first, first + 1... */
  slices: Uint8Array[];
}

const MIB = 1024 * 1024;

/**
 * A `.npy` file opened for reading one slice along its first axis at a time (for example one
 * image of an (N, H, W) stack), so that memory does not grow with the file. The header is
 * checked and the file size is compared with what the header promises when the file is opened;
 * slices of more than `maxPixels` elements ({@linkcode DEFAULT_MAX_PIXELS}) and N > 0 slices of
 * zero elements are refused there, before anything is allocated.
 *
 * C-order files are read slice by slice at their offsets. In a Fortran-order file the first axis
 * varies fastest, so a slice's elements lie N apart across the whole file: they are read by
 * passes over the file that collect a group of consecutive slices (as many as fit in
 * `fortranGroupBytes`), so memory stays bounded and the values are exact; reading every slice
 * costs about (file size / group size) passes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NpyFile } from "./npy_file.ts";
 * import { encodeNpy } from "./npy.ts";
 * const path = await Deno.makeTempFile({ suffix: ".npy" });
 * const stack = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]); // shape (2, 2, 2)
 * await Deno.writeFile(path, encodeNpy({ shape: [2, 2, 2], data: stack }));
 * const file = await NpyFile.open(path);
 * try {
 *   assert.equal(file.length, 2);
 *   assert.deepEqual(file.sliceShape, [2, 2]);
 *   assert.deepEqual([...(await file.readSlice(1))], [4, 5, 6, 7]);
 * } finally {
 *   file.close();
 *   await Deno.remove(path);
 * }
 * ```
 */
export class NpyFile {
  /** The parsed header. */
  readonly header: NpyHeader;
  /** The path the file was opened from (used in error messages). */
  readonly path: string;
  #file: Deno.FsFile;
  #groupBytes: number;
  #group: FortranGroup | undefined;

  private constructor(path: string, file: Deno.FsFile, header: NpyHeader, groupBytes: number) {
    this.path = path;
    this.#file = file;
    this.header = header;
    this.#groupBytes = groupBytes;
  }

  /**
   * Open `path`, read and check its header and size.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { NpyFile } from "./npy_file.ts";
   * import { NpyLimitError } from "./npy_header.ts";
   * // a header alone that declares 10^6 images of 4096 x 4096 pixels
   * const header = "{'descr': '|u1', 'fortran_order': False, 'shape': (1000000, 4096, 4096), }";
   * const text = header.padEnd(117, " ") + "\n";
   * const path = await Deno.makeTempFile({ suffix: ".npy" });
   * await Deno.writeFile(path, new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0,
   *   ...new TextEncoder().encode(text)]));
   * try {
   *   await assert.rejects(NpyFile.open(path, { maxPixels: 2 ** 20 }), NpyLimitError);
   * } finally {
   *   await Deno.remove(path);
   * }
   * ```
   *
   * @param path the file to open
   * @param options `maxPixels` per slice, `fortranGroupBytes`
   * @returns the opened file; call `close()` when done
   * @throws {NpyFormatError} for a corrupt, truncated or unsupported file, or N > 0 slices of
   *   zero elements; {NpyLimitError} for slices of more than `maxPixels` elements
   */
  static async open(path: string, options: NpyFileOptions = {}): Promise<NpyFile> {
    const maxPixels = maxPixelsOf(options);
    const groupOption = options.fortranGroupBytes;
    if (groupOption !== undefined && !(Number.isSafeInteger(groupOption) && groupOption >= 1)) {
      throw new RangeError(
        `Expected fortranGroupBytes to be an integer >= 1, but found ${groupOption}`,
      );
    }
    const file = await Deno.open(path, { read: true });
    try {
      const { size } = await file.stat();
      let want = Math.min(size, 4096);
      let start = await readAt(file, 0, want);
      // a version 2/3 header can be longer than 4 KiB
      if (start.length >= 12 && start[6] >= 2) {
        const len = new DataView(start.buffer).getUint32(8, true);
        if (12 + len > want && 12 + len <= size) {
          want = 12 + len;
          start = await readAt(file, 0, want);
        }
      }
      const header = parseNpyHeader(start, path);
      const perSlice = header.shape.length === 0 ? 1 : header.size / (header.shape[0] || 1);
      checkReadable(header, path, perSlice, "one slice", maxPixels);
      const nbytes = header.size * header.itemSize;
      if (size - header.dataOffset < nbytes) {
        fail(
          path,
          `truncated .npy file: shape (${header.shape.join(", ")}) of ${header.dtype} needs ` +
            `${nbytes} data bytes, but only ${size - header.dataOffset} are present`,
        );
      }
      if (size - header.dataOffset > nbytes) {
        fail(
          path,
          `corrupt .npy file: shape (${header.shape.join(", ")}) of ${header.dtype} needs ` +
            `${nbytes} data bytes, but ${size - header.dataOffset} follow the header`,
        );
      }
      const groupBytes = groupOption ?? Math.min(256 * MIB, Math.max(64 * MIB, nbytes / 16));
      return new NpyFile(path, file, header, groupBytes);
    } catch (e) {
      file.close();
      throw e;
    }
  }

  /** Number of slices along the first axis (1 for a 0-d array). */
  get length(): number {
    return this.header.shape.length === 0 ? 1 : this.header.shape[0];
  }

  /** The shape of one slice: the file's shape without its first axis. */
  get sliceShape(): number[] {
    return this.header.shape.slice(1);
  }

  /**
   * Read slice `index` along the first axis, in C order.
   *
   * @param index the slice, 0 <= index < length
   * @returns the slice's values (a fresh array)
   * @throws {RangeError} for an index out of range; {NpyFormatError} for bad data;
   *   {NpyLimitError} when its memory cannot be allocated
   */
  async readSlice(index: number): Promise<NpyData> {
    const h = this.header;
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(
        `Expected a slice index in [0, ${this.length}) of ${this.path}, but found ${index}`,
      );
    }
    const count = h.shape.length === 0 ? 1 : h.size / h.shape[0];
    if (h.fortranOrder && h.shape.length > 1) return await this.#readFortranSlice(index, count);
    const nbytes = count * h.itemSize;
    const raw = allocating(this.path, nbytes, () => new Uint8Array(nbytes));
    await readFull(this.#file, h.dataOffset + index * nbytes, raw, this.path, `slice ${index}`);
    return allocating(
      this.path,
      count * decodedSize(h.dtype),
      () => decodeElements(h, raw, count, this.path, index * count, true), // raw is ours
    );
  }

  /**
   * Slice `index` of a Fortran-order file: gathered from the group of slices that holds it,
   * read first if needed, then put in C order within the slice.
   */
  async #readFortranSlice(index: number, pixels: number): Promise<NpyData> {
    const h = this.header;
    let group = this.#group;
    if (group === undefined || index < group.first || index >= group.first + group.slices.length) {
      this.#group = undefined; // let the previous group go before the next is allocated
      group = this.#group = await this.#readFortranGroup(index, pixels);
    }
    const raw = group.slices[index - group.first];
    const sliceShape = h.shape.slice(1);
    // fortranToC copies slices of rank >= 2; a rank-1 slice is returned as decoded, so it must
    // not be a view on the cached bytes (a second read would return the caller's edits)
    const share = sliceShape.length >= 2;
    return allocating(this.path, 2 * pixels * decodedSize(h.dtype), () => {
      const data = decodeElements(h, raw, pixels, this.path, index * pixels, share);
      return fortranToC(data, sliceShape, h.dtype);
    });
  }

  /**
   * One pass over a Fortran-order file collecting the raw bytes of the group of slices that
   * holds `index`. Element (slice i, pixel p) lies at element offset i + N p, so for each pixel
   * the group's slices are one run of `count` elements in a row of N, scattered here to the
   * slices' own buffers.
   */
  async #readFortranGroup(index: number, pixels: number): Promise<FortranGroup> {
    const h = this.header;
    const w = h.itemSize;
    const N = h.shape[0];
    const sliceBytes = pixels * w;
    const perGroup = Math.max(1, Math.floor(this.#groupBytes / sliceBytes));
    const first = Math.floor(index / perGroup) * perGroup;
    const count = Math.min(perGroup, N - first);
    const runBytes = count * w;
    const rowBytes = N * w;
    const slices = allocating(
      this.path,
      count * sliceBytes,
      () => Array.from({ length: count }, () => new Uint8Array(sliceBytes)),
    );
    /** Copies the run of row `p` found at `src` in `from` to each slice's pixel p. */
    const scatter = (from: Uint8Array, src: number, p: number) => {
      for (let g = 0; g < count; g++) {
        const slice = slices[g];
        for (let b = 0, dst = p * w; b < w; b++) slice[dst++] = from[src++];
      }
    };
    const chunkBytes = Math.min(4 * MIB, this.#groupBytes);
    if (rowBytes > chunkBytes) {
      // long rows: read each pixel's run alone
      const run = new Uint8Array(runBytes);
      for (let p = 0; p < pixels; p++) {
        const offset = h.dataOffset + p * rowBytes + first * w;
        await readFull(this.#file, offset, run, this.path, `slice ${index}`);
        scatter(run, 0, p);
      }
      return { first, slices };
    }
    // short rows: read whole rows a chunk at a time and keep each row's run
    const rowsPerChunk = Math.max(1, Math.floor(chunkBytes / rowBytes));
    const chunk = new Uint8Array(rowsPerChunk * rowBytes);
    for (let p0 = 0; p0 < pixels; p0 += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, pixels - p0);
      const got = chunk.subarray(0, rows * rowBytes);
      await readFull(this.#file, h.dataOffset + p0 * rowBytes, got, this.path, `slice ${index}`);
      for (let r = 0; r < rows; r++) scatter(got, r * rowBytes + first * w, p0 + r);
    }
    return { first, slices };
  }

  /** Close the file. */
  close(): void {
    this.#group = undefined;
    this.#file.close();
  }
}

/** Fills `out` from `offset`, or fails naming the file and `what` if the file ends first. */
async function readFull(
  file: Deno.FsFile,
  offset: number,
  out: Uint8Array,
  path: string,
  what: string,
): Promise<void> {
  await file.seek(offset, Deno.SeekMode.Start);
  let got = 0;
  while (got < out.length) {
    const n = await file.read(out.subarray(got));
    if (n === null) fail(path, `truncated .npy file: ${what} ends past the end of the file`);
    got += n;
  }
}

async function readAt(file: Deno.FsFile, offset: number, length: number): Promise<Uint8Array> {
  await file.seek(offset, Deno.SeekMode.Start);
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = await file.read(out.subarray(got));
    if (n === null) break;
    got += n;
  }
  return got === length ? out : out.subarray(0, got);
}
