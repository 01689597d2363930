/**
 * The data bytes of a `.npy` file to typed arrays, within the read limits: the limit on elements
 * per read ({@linkcode DEFAULT_MAX_PIXELS}), allocation failures turned into
 * {@linkcode NpyLimitError}, element decoding (byte order, float16, the exactness check of 64-bit
 * integers) and Fortran order to C order. Shared by {@linkcode decodeNpy} (`npy.ts`, a whole
 * buffer) and {@linkcode NpyFile} (`npy_file.ts`, one slice at a time); `npy.ts` re-exports the
 * public part.
 *
 * @module
 */

import { fail, type NpyData, type NpyDtype, type NpyHeader, NpyLimitError } from "./npy_header.ts";

/**
 * The default limit on the elements one read decodes (a whole file for {@linkcode decodeNpy},
 * one slice for {@linkcode NpyFile}): 2^28 = 268,435,456, i.e. 256 MiB of uint8 labels, 1 GiB
 * of float32 scores, 2 GiB as float64. Ordinary images are far below it (a 4096 x 4096 mask is
 * 2^24); a header that declares more is refused before anything is allocated. Raise it with the
 * `maxPixels` option (the command line's `--max-pixels`) on a machine with the memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_MAX_PIXELS } from "./npy_decode.ts";
 * assert.equal(DEFAULT_MAX_PIXELS, 2 ** 28);
 * ```
 */
export const DEFAULT_MAX_PIXELS = 2 ** 28;

/** Options shared by every reader: how much one read may decode. */
export interface NpyLimitOptions {
  /**
   * The most elements one read decodes, an integer >= 1 (default {@linkcode DEFAULT_MAX_PIXELS}).
   * Larger reads throw {@linkcode NpyLimitError} before allocating.
   */
  maxPixels?: number;
}

/**
 * The `maxPixels` option, checked, or {@linkcode DEFAULT_MAX_PIXELS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_MAX_PIXELS, maxPixelsOf } from "./npy_decode.ts";
 * assert.equal(maxPixelsOf({}), DEFAULT_MAX_PIXELS);
 * assert.equal(maxPixelsOf({ maxPixels: 5 }), 5);
 * assert.throws(() => maxPixelsOf({ maxPixels: 0 }), /maxPixels to be an integer >= 1, but found 0/);
 * ```
 */
export function maxPixelsOf(options: NpyLimitOptions): number {
  const max = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new RangeError(`Expected maxPixels to be an integer >= 1, but found ${max}`);
  }
  return max;
}

function shapeText(shape: readonly number[]): string {
  return `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
}

/**
 * Refuses, from the header alone, what must never be allocated or looped over: N > 0 slices of
 * zero elements (a header of a few bytes can declare millions of empty images), and more than
 * `maxPixels` elements in one read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkReadable } from "./npy_decode.ts";
 * import { NpyFormatError, NpyLimitError, parseNpyHeader } from "./npy_header.ts";
 * import { encodeNpy } from "./npy.ts";
 * const header = parseNpyHeader(encodeNpy({ shape: [2, 3], data: new Uint8Array(6) }), "m.npy");
 * checkReadable(header, "m.npy", 6, "the array", 6); // 6 elements, limit 6: fine
 * assert.throws(() => checkReadable(header, "m.npy", 6, "the array", 5), NpyLimitError);
 * const empty = parseNpyHeader(encodeNpy({ shape: [3, 0], data: new Uint8Array(0) }), "e.npy");
 * assert.throws(() => checkReadable(empty, "e.npy", 0, "one slice", 5), NpyFormatError);
 * ```
 */
export function checkReadable(
  header: NpyHeader,
  source: string,
  perRead: number,
  what: string,
  maxPixels: number,
): void {
  const { shape } = header;
  if (shape.length >= 2 && shape[0] > 0 && header.size === 0) {
    fail(
      source,
      `expected images of at least one pixel, but shape ${shapeText(shape)} declares ` +
        `${shape[0]} image(s) of 0 pixels`,
    );
  }
  if (perRead > maxPixels) {
    throw new NpyLimitError(
      `${source}: ${what} of shape ${shapeText(shape)} holds ${perRead} elements ` +
        `(${perRead * header.itemSize} bytes of ${header.dtype}), past the limit of ${maxPixels} ` +
        `elements per read; raise the limit with --max-pixels (the maxPixels option) if this ` +
        `machine has the memory`,
    );
  }
}

/**
 * Runs `allocate`, turning the engine's "Array buffer allocation failed" (or "Invalid typed
 * array length") into an error that names the file, the size and what to do.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocating } from "./npy_decode.ts";
 * import { NpyLimitError } from "./npy_header.ts";
 * assert.equal(allocating("m.npy", 4, () => 7), 7);
 * const failing = () => {
 *   throw new RangeError("Array buffer allocation failed");
 * };
 * assert.throws(() => allocating("m.npy", 8, failing), NpyLimitError);
 * assert.throws(() => allocating("m.npy", 8, failing), /^NpyLimitError: m\.npy: could not allocate 8/);
 * ```
 */
export function allocating<T>(source: string, bytes: number, allocate: () => T): T {
  try {
    return allocate();
  } catch (e) {
    if (!(e instanceof RangeError && /alloc|length|memory/i.test(e.message))) throw e;
    throw new NpyLimitError(
      `${source}: could not allocate ${bytes} bytes to read it (${e.message}); free memory, ` +
        `or lower --max-pixels (the maxPixels option) so such reads are refused up front`,
    );
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Decode `count` elements of `header`'s dtype from `raw` (exactly `count * itemSize` bytes) into
 * a typed array in machine order; `firstIndex` is the index of the first element in the file,
 * used in error messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeElements } from "./npy_decode.ts";
 * import { parseNpyHeader } from "./npy_header.ts";
 * import { encodeNpy } from "./npy.ts";
 * const bytes = encodeNpy({ shape: [2], data: new Int16Array([1, -2]) });
 * const header = parseNpyHeader(bytes, "m.npy");
 * const raw = bytes.subarray(header.dataOffset);
 * assert.deepEqual([...decodeElements(header, raw, 2, "m.npy", 0, false)], [1, -2]);
 * // the same two bytes 0x01 0x00 read big endian: 0x0100
 * const big = { ...header, littleEndian: false };
 * assert.equal(decodeElements(big, raw.subarray(0, 2), 1, "m.npy", 0, false)[0], 256);
 * ```
 */
export function decodeElements(
  header: NpyHeader,
  raw: Uint8Array,
  count: number,
  source: string,
  firstIndex: number,
  share = false,
): NpyData {
  const { dtype, littleEndian: le, itemSize } = header;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  // share: return a view on raw where the bytes already are the machine's values
  const aligned = share && (le || itemSize === 1) && raw.byteOffset % itemSize === 0;
  if (aligned) {
    const buf = raw.buffer, off = raw.byteOffset;
    if (dtype === "uint8") return raw.subarray(0, count);
    if (dtype === "int8") return new Int8Array(buf, off, count);
    if (dtype === "int16") return new Int16Array(buf, off, count);
    if (dtype === "uint16") return new Uint16Array(buf, off, count);
    if (dtype === "int32") return new Int32Array(buf, off, count);
    if (dtype === "uint32") return new Uint32Array(buf, off, count);
    if (dtype === "float32") return new Float32Array(buf, off, count);
    if (dtype === "float64") return new Float64Array(buf, off, count);
  }
  switch (dtype) {
    case "uint8":
      return raw.slice(0, count);
    case "bool": {
      const out = share ? raw.subarray(0, count) : raw.slice(0, count);
      for (let i = 0; i < count; i++) {
        if (out[i] > 1) {
          fail(
            source,
            `corrupt bool data: expected bytes 0 or 1, but found ${out[i]} at element ` +
              `${firstIndex + i}`,
          );
        }
      }
      return out;
    }
    case "int8":
      return new Int8Array(raw.slice(0, count).buffer);
    case "int16": {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, le);
      return out;
    }
    case "uint16": {
      const out = new Uint16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, le);
      return out;
    }
    case "int32": {
      if (le && raw.byteOffset % 4 === 0) {
        return new Int32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 4 * count));
      }
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, le);
      return out;
    }
    case "uint32": {
      const out = new Uint32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, le);
      return out;
    }
    case "float16": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, le));
      return out;
    }
    case "float32": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, le);
      return out;
    }
    case "float64": {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, le);
      return out;
    }
    case "int64":
    case "uint64": {
      const signed = dtype === "int64";
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const lo = view.getUint32(8 * i + (le ? 0 : 4), le);
        const hi = signed
          ? view.getInt32(8 * i + (le ? 4 : 0), le)
          : view.getUint32(8 * i + (le ? 4 : 0), le);
        // |hi * 2^32 + lo| <= 2^53 - 1  <=>  -2^21 < hi < 2^21, or hi === -2^21 with lo > 0
        if (hi >= 0x200000 || hi < -0x200000 || (hi === -0x200000 && lo === 0)) {
          const big = signed ? view.getBigInt64(8 * i, le) : view.getBigUint64(8 * i, le);
          fail(
            source,
            `${dtype} value ${big} at element ${firstIndex + i} cannot be represented exactly ` +
              `as a number: expected values within +-(2^53 - 1)`,
          );
        }
        out[i] = hi * 4294967296 + lo;
      }
      return out;
    }
  }
}

function emptyLike(dtype: NpyDtype, n: number): NpyData {
  switch (dtype) {
    case "bool":
    case "uint8":
      return new Uint8Array(n);
    case "int8":
      return new Int8Array(n);
    case "int16":
      return new Int16Array(n);
    case "uint16":
      return new Uint16Array(n);
    case "int32":
      return new Int32Array(n);
    case "uint32":
      return new Uint32Array(n);
    case "float16":
    case "float32":
      return new Float32Array(n);
    default:
      return new Float64Array(n);
  }
}

/**
 * Reorder Fortran-order (column-major) data of `shape` into C order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fortranToC } from "./npy_decode.ts";
 * // [[1, 2, 3], [4, 5, 6]] stored column by column
 * const c = fortranToC(new Uint8Array([1, 4, 2, 5, 3, 6]), [2, 3], "uint8");
 * assert.deepEqual([...c], [1, 2, 3, 4, 5, 6]);
 * ```
 */
export function fortranToC(data: NpyData, shape: readonly number[], dtype: NpyDtype): NpyData {
  const n = data.length;
  const rank = shape.length;
  if (rank < 2 || n === 0) return data;
  const out = emptyLike(dtype, n);
  // Fortran strides (in elements): stride[0] = 1, stride[k] = stride[k-1] * shape[k-1].
  const stride = new Array<number>(rank);
  stride[0] = 1;
  for (let k = 1; k < rank; k++) stride[k] = stride[k - 1] * shape[k - 1];
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const lastStride = stride[last], lastDim = shape[last];
  let base = 0; // Fortran offset of idx with idx[last] = 0
  for (let c = 0; c < n;) {
    for (let j = 0; j < lastDim; j++) out[c++] = data[base + j * lastStride];
    // increment idx[0..last-1] in C order (last-but-one fastest)
    for (let k = last - 1; k >= 0; k--) {
      idx[k]++;
      base += stride[k];
      if (idx[k] < shape[k]) break;
      base -= stride[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

/**
 * Bytes per element of the typed array a dtype decodes to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodedSize } from "./npy_decode.ts";
 * assert.equal(decodedSize("bool"), Uint8Array.BYTES_PER_ELEMENT);
 * assert.equal(decodedSize("float16"), Float32Array.BYTES_PER_ELEMENT);
 * assert.equal(decodedSize("uint64"), Float64Array.BYTES_PER_ELEMENT);
 * ```
 */
export function decodedSize(dtype: NpyDtype): number {
  return dtype === "bool" || dtype === "uint8" || dtype === "int8"
    ? 1
    : dtype === "int16" || dtype === "uint16"
    ? 2
    : dtype === "int64" || dtype === "uint64" || dtype === "float64"
    ? 8
    : 4;
}
