/**
 * The header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0): the dtypes this package
 * reads and the typed arrays they decode to, the small Python-literal dict that describes the
 * array (`descr`, `fortran_order`, `shape`), and the errors every `.npy` reader throws.
 * {@linkcode parseNpyHeader} needs only the start of a file, so both the whole-buffer decoder
 * (`npy.ts`) and the streaming reader (`npy_file.ts`) start here.
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

/**
 * The first six bytes of every `.npy` file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAGIC } from "./npy_header.ts";
 * assert.equal(MAGIC[0], 0x93);
 * assert.equal(String.fromCharCode(...MAGIC.slice(1)), "NUMPY");
 * ```
 */
export const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/**
 * dtype and bytes per element of each `descr` kind (without its byte-order character).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KINDS } from "./npy_header.ts";
 * assert.deepEqual(KINDS.u2, { dtype: "uint16", size: 2 });
 * assert.deepEqual(KINDS.f2, { dtype: "float16", size: 2 });
 * ```
 */
export const KINDS: Record<string, { dtype: NpyDtype; size: number }> = {
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

const SUPPORTED = "bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, " +
  "float16, float32, float64";

/**
 * Throws {@linkcode NpyFormatError} with `message` prefixed by the input's name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fail, NpyFormatError } from "./npy_header.ts";
 * assert.throws(
 *   () => fail("m.npy", "not a .npy file"),
 *   (e) => e instanceof NpyFormatError && e.message === "m.npy: not a .npy file",
 * );
 * ```
 */
export function fail(source: string, message: string): never {
  throw new NpyFormatError(`${source}: ${message}`);
}

/**
 * The error every reader in this module throws for a malformed, truncated or unsupported
 * file; its message starts with the name of the input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NpyFormatError } from "./npy_header.ts";
 * import { decodeNpy } from "./npy.ts";
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
 * import { NpyFormatError, NpyLimitError } from "./npy_header.ts";
 * import { decodeNpy, encodeNpy } from "./npy.ts";
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
 * import { parseNpyHeader } from "./npy_header.ts";
 * import { encodeNpy } from "./npy.ts";
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
