/**
 * Reading and writing NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
 *
 * Supported dtypes: bool, int8/16/32/64, uint8/16/32/64, float16/32/64, little and big endian,
 * C and Fortran order. Data always comes back in C order (Fortran-order files are transposed)
 * and in the machine's byte order. 64-bit integers come back as a `Float64Array` after a check
 * that every value is a safe integer (|v| <= 2^53 - 1): a value that a `number` cannot hold
 * exactly is an error, never a silently rounded label. float16 comes back as a `Float32Array`
 * (every float16 value is exactly representable).
 *
 * This file decodes and encodes whole buffers ({@linkcode decodeNpy}, {@linkcode encodeNpy}) and
 * re-exports the header's types and errors (`npy_header.ts`) and the read limit
 * (`npy_decode.ts`); `npy_file.ts` streams a file one slice at a time.
 *
 * The format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
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
import { fail, KINDS, MAGIC, type NpyData, type NpyDtype, parseNpyHeader } from "./npy_header.ts";

export {
  type NpyData,
  type NpyDtype,
  NpyFormatError,
  type NpyHeader,
  NpyLimitError,
  parseNpyHeader,
} from "./npy_header.ts";
export { DEFAULT_MAX_PIXELS, type NpyLimitOptions } from "./npy_decode.ts";

/** A decoded array: C order, machine byte order. */
export interface NpyArray {
  /** The element type stored in the file. */
  dtype: NpyDtype;
  /** The array's shape (an empty list for a 0-d scalar). */
  shape: number[];
  /** The values in C (row-major) order; its length is the product of `shape`. */
  data: NpyData;
}

const DESCR_OF: Record<NpyDtype, string> = {
  bool: "|b1",
  int8: "|i1",
  int16: "<i2",
  int32: "<i4",
  int64: "<i8",
  uint8: "|u1",
  uint16: "<u2",
  uint32: "<u4",
  uint64: "<u8",
  float16: "<f2",
  float32: "<f4",
  float64: "<f8",
};

/** Options of {@linkcode decodeNpy}. */
export interface DecodeNpyOptions extends NpyLimitOptions {
  /**
   * Return a view on `bytes` instead of a copy when the stored bytes already are the values
   * (little-endian or 1-byte types, C order, aligned): no copy, but the data then changes when
   * `bytes` does. Default false.
   */
  share?: boolean;
}

/**
 * Decode a whole `.npy` file.
 *
 * @param bytes the file's bytes
 * @param source a name for the input, used in error messages (e.g. the file path)
 * @param options `share` to avoid a copy, `maxPixels` to change the limit on elements
 * @returns dtype, shape and data in C order
 * @throws {NpyFormatError} for a truncated, corrupt or unsupported file, an int64/uint64
 *   value outside +-(2^53 - 1), or N > 0 images of zero pixels (shape `(N, 0, ...)`);
 *   {NpyLimitError} for more than `maxPixels` elements or memory that cannot be allocated
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeNpy } from "./npy.ts";
 * // np.save of np.array([[1, 2], [3, 4]], dtype=np.int16), written out by hand:
 * const header = "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 2), }";
 * const padded = header.padEnd(118 - 1, " ") + "\n"; // 10 + 118 = 128 bytes, a multiple of 64
 * const bytes = new Uint8Array(10 + padded.length + 8);
 * bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
 * bytes.set(new TextEncoder().encode(padded), 10);
 * bytes.set([1, 0, 2, 0, 3, 0, 4, 0], 10 + padded.length);
 * const array = decodeNpy(bytes, "m.npy");
 * assert.equal(array.dtype, "int16");
 * assert.deepEqual(array.shape, [2, 2]);
 * assert.deepEqual([...array.data], [1, 2, 3, 4]);
 * ```
 */
export function decodeNpy(
  bytes: Uint8Array,
  source = "input",
  options: DecodeNpyOptions = {},
): NpyArray {
  const header = parseNpyHeader(bytes, source);
  checkReadable(header, source, header.size, "the array", maxPixelsOf(options));
  const nbytes = header.size * header.itemSize;
  const available = bytes.length - header.dataOffset;
  if (available < nbytes) {
    fail(
      source,
      `truncated .npy file: shape (${header.shape.join(", ")}) of ${header.dtype} needs ` +
        `${nbytes} data bytes, but only ${available} are present`,
    );
  }
  if (available > nbytes) {
    fail(
      source,
      `corrupt .npy file: shape (${header.shape.join(", ")}) of ${header.dtype} needs ` +
        `${nbytes} data bytes, but ${available} follow the header`,
    );
  }
  const raw = bytes.subarray(header.dataOffset, header.dataOffset + nbytes);
  const data = allocating(source, header.size * decodedSize(header.dtype), () => {
    const decoded = decodeElements(header, raw, header.size, source, 0, options.share ?? false);
    return header.fortranOrder ? fortranToC(decoded, header.shape, header.dtype) : decoded;
  });
  return { dtype: header.dtype, shape: header.shape, data };
}

function dtypeOfData(data: NpyData): NpyDtype {
  if (data instanceof Uint8Array) return "uint8";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof Int16Array) return "int16";
  if (data instanceof Uint16Array) return "uint16";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Uint32Array) return "uint32";
  if (data instanceof Float32Array) return "float32";
  return "float64";
}

/**
 * Encode an array as a version 1.0 `.npy` file (C order, little endian), as `np.save` writes it.
 * `dtype` defaults to the natural dtype of `data` (`Uint8Array` -> uint8, ..., `Float64Array`
 * -> float64); pass `"bool"` with a `Uint8Array` of 0/1, or `"int64"`/`"uint64"` with a
 * `Float64Array` of safe integers. float16 is not written.
 *
 * @param array the shape and values (C order) and optionally the dtype to store
 * @returns the file's bytes
 * @throws {RangeError} if the data length does not match the shape or a value does not fit
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeNpy, encodeNpy } from "./npy.ts";
 * const bytes = encodeNpy({ shape: [2, 2], data: new Float64Array([1, 2, 3, 4]), dtype: "int64" });
 * const back = decodeNpy(bytes);
 * assert.equal(back.dtype, "int64");
 * assert.deepEqual([...back.data], [1, 2, 3, 4]);
 * ```
 */
export function encodeNpy(array: {
  shape: readonly number[];
  data: NpyData;
  dtype?: NpyDtype;
}): Uint8Array {
  const { shape, data } = array;
  const dtype = array.dtype ?? dtypeOfData(data);
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`Expected shape entries to be integers >= 0, but found ${d}`);
    }
    count *= d;
  }
  if (count !== data.length) {
    throw new RangeError(
      `Expected data of length ${count} for shape (${shape.join(", ")}), but found ${data.length}`,
    );
  }
  if (dtype === "float16") throw new RangeError("Expected a dtype other than float16 to write");
  const descr = DESCR_OF[dtype];
  const size = KINDS[descr.slice(1)].size;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, " ") + "\n";
  if (header.length > 65535) throw new RangeError("Expected a shorter header for version 1.0");
  const out = new Uint8Array(10 + header.length + count * size);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < count; i++) {
    const v = data[i];
    const check = (ok: boolean) => {
      if (!ok) throw new RangeError(`Expected ${dtype} values, but found ${v} at element ${i}`);
    };
    switch (dtype) {
      case "bool":
        check(v === 0 || v === 1);
        view.setUint8(i, v);
        break;
      case "uint8":
        check(Number.isInteger(v) && v >= 0 && v < 256);
        view.setUint8(i, v);
        break;
      case "int8":
        check(Number.isInteger(v) && v >= -128 && v < 128);
        view.setInt8(i, v);
        break;
      case "int16":
        check(Number.isInteger(v) && v >= -32768 && v < 32768);
        view.setInt16(2 * i, v, true);
        break;
      case "uint16":
        check(Number.isInteger(v) && v >= 0 && v < 65536);
        view.setUint16(2 * i, v, true);
        break;
      case "int32":
        check(Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31);
        view.setInt32(4 * i, v, true);
        break;
      case "uint32":
        check(Number.isInteger(v) && v >= 0 && v < 2 ** 32);
        view.setUint32(4 * i, v, true);
        break;
      case "int64":
        check(Number.isSafeInteger(v));
        view.setBigInt64(8 * i, BigInt(v), true);
        break;
      case "uint64":
        check(Number.isSafeInteger(v) && v >= 0);
        view.setBigUint64(8 * i, BigInt(v), true);
        break;
      case "float32":
        view.setFloat32(4 * i, v, true);
        break;
      case "float64":
        view.setFloat64(8 * i, v, true);
        break;
    }
  }
  return out;
}
