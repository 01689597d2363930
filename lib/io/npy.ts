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
 * The format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * @module
 */

/** The element types this reader understands, by their NumPy names. */
export type NpyDtype =
  | "bool"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "float16"
  | "float32"
  | "float64";

/**
 * The typed array a dtype decodes to: bool and uint8 -> `Uint8Array`, int8 -> `Int8Array`,
 * int16 -> `Int16Array`, uint16 -> `Uint16Array`, int32 -> `Int32Array`, uint32 ->
 * `Uint32Array`, float16 and float32 -> `Float32Array`, int64, uint64 and float64 ->
 * `Float64Array`.
 */
export type NpyData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/** A decoded array: C order, machine byte order. */
export interface NpyArray {
  /** The element type stored in the file. */
  dtype: NpyDtype;
  /** The array's shape (an empty list for a 0-d scalar). */
  shape: number[];
  /** The values in C (row-major) order; its length is the product of `shape`. */
  data: NpyData;
}

/** What the header of a `.npy` file says. */
export interface NpyHeader {
  /** Format version as `[major, minor]` (1.0, 2.0 or 3.0). */
  version: [number, number];
  /** Element type. */
  dtype: NpyDtype;
  /** The `descr` string exactly as written in the file, e.g. `"<f4"`. */
  descr: string;
  /** Whether multi-byte elements are little endian (true for 1-byte types). */
  littleEndian: boolean;
  /** Bytes per element in the file. */
  itemSize: number;
  /** Whether the data is stored in Fortran (column-major) order. */
  fortranOrder: boolean;
  /** The array's shape. */
  shape: number[];
  /** Number of elements (product of `shape`). */
  size: number;
  /** Byte offset of the data from the start of the file. */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const KINDS: Record<string, { dtype: NpyDtype; size: number }> = {
  b1: { dtype: "bool", size: 1 },
  i1: { dtype: "int8", size: 1 },
  i2: { dtype: "int16", size: 2 },
  i4: { dtype: "int32", size: 4 },
  i8: { dtype: "int64", size: 8 },
  u1: { dtype: "uint8", size: 1 },
  u2: { dtype: "uint16", size: 2 },
  u4: { dtype: "uint32", size: 4 },
  u8: { dtype: "uint64", size: 8 },
  f2: { dtype: "float16", size: 2 },
  f4: { dtype: "float32", size: 4 },
  f8: { dtype: "float64", size: 8 },
};

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

const SUPPORTED = "bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, " +
  "float16, float32, float64";

function fail(source: string, message: string): never {
  throw new NpyFormatError(`${source}: ${message}`);
}

/**
 * The error every reader in this module throws for a malformed, truncated or unsupported
 * file; its message starts with the name of the input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeNpy, NpyFormatError } from "./npy.ts";
 * assert.throws(
 *   () => decodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), "x.npy"),
 *   NpyFormatError,
 * );
 * assert.throws(() => decodeNpy(new Uint8Array(12), "x.npy"), /^NpyFormatError: x\.npy: not a/);
 * ```
 */
export class NpyFormatError extends Error {
  /**
   * Creates the error.
   *
   * @param message the input's name, what was expected and what was found
   */
  constructor(message: string) {
    super(message);
    this.name = "NpyFormatError";
  }
}

/**
 * The error for a file this reader will not decode with the limits in force: more elements per
 * read than `maxPixels`, or memory that could not be allocated. It is a {@linkcode NpyFormatError}
 * (so whoever maps those to "bad input" maps these too); its message names the file, the shape,
 * the limit and what to do (the command line's `--max-pixels` raises the limit).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeNpy, encodeNpy, NpyFormatError, NpyLimitError } from "./npy.ts";
 * const bytes = encodeNpy({ shape: [4, 4], data: new Uint8Array(16) });
 assert.throws(() => decodeNpy(bytes, "m.npy", { maxPixels: 8 }), NpyLimitError);
 * assert.throws(() => decodeNpy(bytes, "m.npy", { maxPixels: 8 }), NpyFormatError);
 * assert.throws(() => decodeNpy(bytes, "m.npy", { maxPixels: 8 }), /--max-pixels/);
 * ```
 */
export class NpyLimitError extends NpyFormatError {
  /**
   * Creates the error.
   *
   * @param message the file, what the limit is, what was found and what to do
   */
  constructor(message: string) {
    super(message);
    this.name = "NpyLimitError";
  }
}

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
 * import { DEFAULT_MAX_PIXELS } from "./npy.ts";
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

function maxPixelsOf(options: NpyLimitOptions): number {
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
 */
function checkReadable(
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
 */
function allocating<T>(source: string, bytes: number, allocate: () => T): T {
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

// ---------------------------------------------------------------------------------------------
// A parser for the small subset of Python literals a .npy header uses: a dict of str keys,
// str / True / False / int values and tuples (lists are parsed too, to report structured dtypes).

type PyValue = string | number | boolean | PyValue[] | { [key: string]: PyValue };

function parsePyLiteral(text: string, source: string): PyValue {
  let pos = 0;
  const ws = () => {
    while (pos < text.length && " \t\r\n".includes(text[pos])) pos++;
  };
  const bad = (what: string): never =>
    fail(
      source,
      `corrupt .npy header: expected ${what} at character ${pos}, but found ${
        pos < text.length ? JSON.stringify(text.slice(pos, pos + 12)) : "the end of the header"
      }`,
    );
  const value = (depth: number): PyValue => {
    if (depth > 8) bad("a shallower literal");
    ws();
    const c = text[pos];
    if (c === "{") {
      pos++;
      const out: { [key: string]: PyValue } = {};
      for (;;) {
        ws();
        if (text[pos] === "}") {
          pos++;
          return out;
        }
        const key = value(depth + 1);
        if (typeof key !== "string") bad("a string key");
        ws();
        if (text[pos] !== ":") bad("':'");
        pos++;
        out[key as string] = value(depth + 1);
        ws();
        if (text[pos] === ",") pos++;
        else if (text[pos] !== "}") bad("',' or '}'");
      }
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      pos++;
      const out: PyValue[] = [];
      for (;;) {
        ws();
        if (text[pos] === close) {
          pos++;
          return out;
        }
        out.push(value(depth + 1));
        ws();
        if (text[pos] === ",") pos++;
        else if (text[pos] !== close) bad(`',' or '${close}'`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, pos + 1);
      if (end < 0) bad("a closing quote");
      const s = text.slice(pos + 1, end);
      pos = end + 1;
      return s;
    }
    const m = /^(True|False|-?[0-9]+L?)/.exec(text.slice(pos, pos + 40));
    if (!m) return bad("a Python literal");
    pos += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    return Number(m[0].replace("L", ""));
  };
  const v = value(0);
  ws();
  if (pos !== text.length) bad("the end of the header");
  return v;
}

function parseDescr(descr: PyValue, source: string): {
  dtype: NpyDtype;
  size: number;
  littleEndian: boolean;
} {
  if (typeof descr !== "string") {
    fail(
      source,
      `unsupported dtype: expected a plain numeric dtype (${SUPPORTED}), but found a structured ` +
        `dtype ${JSON.stringify(descr)}`,
    );
  }
  const m = /^([<>|=]?)([a-zA-Z][0-9]+)$/.exec(descr);
  const kind = m ? KINDS[m[2]] : undefined;
  if (!m || !kind) {
    fail(source, `unsupported dtype: expected one of ${SUPPORTED}, but found '${descr}'`);
  }
  const order = m[1];
  return { dtype: kind.dtype, size: kind.size, littleEndian: order !== ">" };
}

/**
 * Parse the header of a `.npy` file. `bytes` must hold at least the whole header (the data may
 * be missing: this is how the streaming reader uses it).
 *
 * @param bytes the start of the file
 * @param source a name for the input, used in error messages
 * @returns the parsed header
 * @throws {NpyFormatError} if the bytes are not a `.npy` header this module supports
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNpy, parseNpyHeader } from "./npy.ts";
 * const bytes = encodeNpy({ dtype: "uint8", shape: [2, 3], data: new Uint8Array(6) });
 * const header = parseNpyHeader(bytes, "x.npy");
 * assert.deepEqual(header.shape, [2, 3]);
 * assert.equal(header.dtype, "uint8");
 * ```
 */
export function parseNpyHeader(bytes: Uint8Array, source = "input"): NpyHeader {
  if (bytes.length < 10) {
    fail(source, `not a .npy file: expected at least 10 bytes, but found ${bytes.length}`);
  }
  for (let i = 0; i < 6; i++) {
    if (bytes[i] !== MAGIC[i]) {
      fail(source, "not a .npy file: expected the magic string \\x93NUMPY at the start");
    }
  }
  const major = bytes[6], minor = bytes[7];
  let headerLength: number, start: number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) {
      fail(source, `truncated .npy header: expected at least 12 bytes, but found ${bytes.length}`);
    }
    headerLength = view.getUint32(8, true);
    start = 12;
  } else {
    fail(source, `unsupported .npy format version ${major}.${minor}: expected 1.0, 2.0 or 3.0`);
  }
  if (minor !== 0) {
    fail(source, `unsupported .npy format version ${major}.${minor}: expected 1.0, 2.0 or 3.0`);
  }
  if (start + headerLength > bytes.length) {
    fail(
      source,
      `truncated .npy header: expected ${start + headerLength} header bytes, but found ` +
        `${bytes.length}`,
    );
  }
  const raw = bytes.subarray(start, start + headerLength);
  let text: string;
  try {
    text = major === 3
      ? new TextDecoder("utf-8", { fatal: true }).decode(raw)
      : new TextDecoder("latin1").decode(raw);
  } catch {
    fail(source, "corrupt .npy header: it is not valid UTF-8");
  }
  let end = text.length; // numpy pads with spaces and a newline; some writers pad with NULs
  while (end > 0 && (text.charCodeAt(end - 1) <= 32)) end--;
  const dict = parsePyLiteral(text.slice(0, end), source);
  if (typeof dict !== "object" || Array.isArray(dict)) {
    fail(source, "corrupt .npy header: expected a dictionary literal");
  }
  for (const key of ["descr", "fortran_order", "shape"]) {
    if (!(key in dict)) fail(source, `corrupt .npy header: the key '${key}' is missing`);
  }
  const { dtype, size, littleEndian } = parseDescr(dict.descr, source);
  const fortran = dict.fortran_order;
  if (typeof fortran !== "boolean") {
    fail(source, `corrupt .npy header: expected fortran_order True or False, found ${fortran}`);
  }
  const shapeValue = dict.shape;
  if (
    !Array.isArray(shapeValue) ||
    !shapeValue.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)
  ) {
    fail(
      source,
      `corrupt .npy header: expected shape to be a tuple of integers >= 0, but found ` +
        JSON.stringify(shapeValue),
    );
  }
  const shape = shapeValue as number[];
  let count = 1;
  for (const d of shape) count *= d;
  if (!Number.isSafeInteger(count * size)) {
    fail(source, `unsupported .npy file: shape (${shape.join(", ")}) is too large`);
  }
  return {
    version: [major, minor],
    dtype,
    descr: dict.descr as string,
    littleEndian,
    itemSize: size,
    fortranOrder: fortran,
    shape: [...shape],
    size: count,
    dataOffset: start + headerLength,
  };
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
 */
function decodeElements(
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

/** Reorder Fortran-order (column-major) data of `shape` into C order. */
function fortranToC(data: NpyData, shape: readonly number[], dtype: NpyDtype): NpyData {
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
 * import { encodeNpy, NpyFile } from "./npy.ts";
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
   * import { NpyFile, NpyLimitError } from "./npy.ts";
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

/** Bytes per element of the typed array a dtype decodes to. */
function decodedSize(dtype: NpyDtype): number {
  return dtype === "bool" || dtype === "uint8" || dtype === "int8"
    ? 1
    : dtype === "int16" || dtype === "uint16"
    ? 2
    : dtype === "int64" || dtype === "uint64" || dtype === "float64"
    ? 8
    : 4;
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
