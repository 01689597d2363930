/**
 * Inputs of the Keras emulation: nested arrays, typed arrays or `{ data, shape, dtype }`, turned
 * into a flat C-order buffer with a shape and a NumPy-style dtype (the dtype decides how Keras
 * converts values: float64 labels are rounded to float32 in Keras <= 3.7, float weights trigger
 * the 3.8+ truncation warning, JAX without x64 narrows 64-bit inputs to 32 bits).
 *
 * @module
 */

/** The dtypes an input can carry. */
export type KerasInputDtype =
  | "float32"
  | "float64"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "bool";

/** Typed arrays accepted as inputs. */
export type KerasTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

/** An explicit tensor: flat C-order data, a shape, and optionally the NumPy dtype it stands for. */
export interface KerasTensorLike {
  /** Flat values in C order. */
  readonly data: ArrayLike<number>;
  /** Dimensions; their product is the number of values. */
  readonly shape: readonly number[];
  /** NumPy dtype the values stand for (default: from the typed array, else int64 / float64). */
  readonly dtype?: KerasInputDtype;
}

/** A nested array of numbers (any depth). */
export type NestedNumbers = number | readonly NestedNumbers[];

/** Anything `updateState` accepts for y_true, y_pred or sample_weight. */
export type KerasInput = NestedNumbers | KerasTypedArray | KerasTensorLike;

/** A normalised tensor. */
export interface KerasTensor {
  /** Flat values in C order. */
  readonly data: ArrayLike<number>;
  /** Dimensions; their product is the number of values. */
  readonly shape: readonly number[];
  /** NumPy dtype the values stand for. */
  readonly dtype: KerasInputDtype;
  /** True for a JS number (a Python scalar): Keras treats it as "weak" and never warns about it. */
  readonly pythonScalar: boolean;
}

const TYPED_DTYPES: ReadonlyArray<[new (n: number) => ArrayLike<number>, KerasInputDtype]> = [
  [Float32Array, "float32"],
  [Float64Array, "float64"],
  [Int8Array, "int8"],
  [Int16Array, "int16"],
  [Int32Array, "int32"],
  [Uint8Array, "uint8"],
  [Uint16Array, "uint16"],
  [Uint32Array, "uint32"],
];

const DTYPES: readonly string[] = [
  "float32",
  "float64",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "bool",
];

/**
 * Whether a dtype is a floating-point one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFloatDtype } from "./tensor.ts";
 * assert.equal(isFloatDtype("float32"), true);
 * assert.equal(isFloatDtype("int64"), false);
 * ```
 */
export function isFloatDtype(dtype: KerasInputDtype): boolean {
  return dtype === "float32" || dtype === "float64";
}

function typedDtype(x: unknown): KerasInputDtype | undefined {
  for (const [ctor, dtype] of TYPED_DTYPES) if (x instanceof ctor) return dtype;
  return undefined;
}

function inferDtype(data: ArrayLike<number>): KerasInputDtype {
  for (let i = 0; i < data.length; i++) if (!Number.isInteger(data[i])) return "float64";
  return "int64";
}

/**
 * Normalises an input. Plain arrays stand for NumPy arrays: int64 when every value is an
 * integer, float64 otherwise (pass `{ data, shape, dtype }` to say otherwise). A JS number stands
 * for a Python scalar.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toKerasTensor } from "./tensor.ts";
 * const t = toKerasTensor([[0, 1], [2, 3]], "y_true");
 * assert.deepEqual(t.shape, [2, 2]);
 * assert.equal(t.dtype, "int64");
 * assert.equal(toKerasTensor(new Float32Array([0.5]), "w").dtype, "float32");
 * ```
 */
export function toKerasTensor(x: KerasInput, name: string): KerasTensor {
  if (typeof x === "number") {
    return {
      data: [x],
      shape: [],
      dtype: Number.isInteger(x) ? "int64" : "float64",
      pythonScalar: true,
    };
  }
  const td = typedDtype(x);
  if (td !== undefined) {
    const a = x as KerasTypedArray;
    return { data: a, shape: [a.length], dtype: td, pythonScalar: false };
  }
  if (Array.isArray(x)) return fromNested(x as readonly NestedNumbers[], name);
  if (x !== null && typeof x === "object" && "data" in x && "shape" in x) {
    const t = x as KerasTensorLike;
    const shape = Array.from(t.shape);
    let size = 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new RangeError(
          `Expected ${name}.shape to hold integers >= 0, but found [${shape.join(", ")}]`,
        );
      }
      size *= d;
    }
    if (size !== t.data.length) {
      throw new RangeError(
        `Expected ${name}.data to hold ${size} values for shape [${
          shape.join(", ")
        }], but found ${t.data.length}`,
      );
    }
    let dtype = t.dtype;
    if (dtype !== undefined && !DTYPES.includes(dtype)) {
      throw new RangeError(
        `Expected ${name}.dtype to be one of ${DTYPES.join(", ")}, but found ${
          JSON.stringify(dtype)
        }`,
      );
    }
    dtype ??= typedDtype(t.data) ?? inferDtype(t.data);
    return { data: t.data, shape, dtype, pythonScalar: false };
  }
  throw new TypeError(
    `Expected ${name} to be a number, a nested array, a typed array or { data, shape }, but found ${
      x === null ? "null" : typeof x
    }`,
  );
}

function fromNested(x: readonly NestedNumbers[], name: string): KerasTensor {
  const shape: number[] = [];
  let probe: NestedNumbers = x;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const out: number[] = [];
  const walk = (v: NestedNumbers, depth: number): void => {
    if (depth === shape.length) {
      if (typeof v !== "number") {
        throw new TypeError(`Expected ${name} to be a rectangular array of numbers`);
      }
      out.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new RangeError(
        `Expected ${name} to be a rectangular array of shape [${shape.join(", ")}], but found a ` +
          `ragged level at depth ${depth}`,
      );
    }
    for (const e of v) walk(e, depth + 1);
  };
  walk(x, 0);
  return { data: out, shape, dtype: inferDtype(out), pythonScalar: false };
}

/**
 * Index of the largest value along `axis` (first maximum wins ties, NaN counts as the largest
 * as in NumPy), as `ops.argmax` / `tf.argmax` on CPU.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { argmaxTensor, toKerasTensor } from "./tensor.ts";
 * const probs = toKerasTensor([[0.4, 0.4, 0.2], [0.1, 0.2, 0.7]], "y_pred");
 * assert.deepEqual(Array.from(argmaxTensor(probs, -1, "y_pred").data), [0, 2]);
 * ```
 */
export function argmaxTensor(t: KerasTensor, axis: number, name: string): KerasTensor {
  const rank = t.shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || ax < 0 || ax >= rank) {
    throw new RangeError(
      `Expected axis to index a dimension of ${name} (rank ${rank}), but found ${axis}` +
        " (Keras raises here too)",
    );
  }
  const k = t.shape[ax];
  if (k === 0) {
    throw new RangeError(`Expected ${name} to have a non-empty axis ${axis} for argmax`);
  }
  let outer = 1;
  for (let i = 0; i < ax; i++) outer *= t.shape[i];
  let inner = 1;
  for (let i = ax + 1; i < rank; i++) inner *= t.shape[i];
  const out = new Int32Array(outer * inner);
  const d = t.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * k * inner + i;
      let best = d[base];
      let arg = 0;
      if (!Number.isNaN(best)) {
        for (let j = 1; j < k; j++) {
          const v = d[base + j * inner];
          if (Number.isNaN(v)) {
            arg = j;
            break;
          }
          if (v > best) {
            best = v;
            arg = j;
          }
        }
      }
      out[o * inner + i] = arg;
    }
  }
  const shape = t.shape.filter((_, i) => i !== ax);
  return { data: out, shape, dtype: "int32", pythonScalar: false };
}
