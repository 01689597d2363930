/**
 * The order in which other libraries add numbers, reproduced exactly.
 *
 * A float32 sum of the same values depends on the order of the additions. To reproduce another
 * library to the last bit, its summation order is emulated here: PyTorch's CPU cascade sum
 * (`aten/src/ATen/native/cpu/SumKernel.cpp`, float32 accumulators) and NumPy's pairwise sum
 * (`pairwise_sum` in `numpy/_core/src/umath/loops_utils.h.src`, float32 or float64). The PyTorch
 * orders were checked against torch 2.13 (CPU, AVX2, one thread) on random float32 vectors
 * (lengths 1 to 600) and matrices (2 x 2 to 70 x 70).
 *
 * @module
 */

const f32 = Math.fround;

function ceilLog2(x: number): number {
  return x <= 1 ? 0 : Math.ceil(Math.log2(x));
}

/** PyTorch `multi_row_sum`: `nrows` interleaved accumulators with a 4-level cascade. */
function multiRowSum(
  get: (i: number, k: number) => number,
  nrows: number,
  size: number,
): number[] {
  const levelPower = Math.max(4, Math.floor(ceilLog2(size) / 4));
  const levelStep = 2 ** levelPower;
  const levelMask = levelStep - 1;
  const acc = Array.from({ length: 4 }, () => new Array<number>(nrows).fill(0));
  let i = 0;
  while (i + levelStep <= size) {
    for (let j = 0; j < levelStep; j++, i++) {
      for (let k = 0; k < nrows; k++) acc[0][k] = f32(acc[0][k] + get(i, k));
    }
    for (let j = 1; j < 4; j++) {
      for (let k = 0; k < nrows; k++) {
        acc[j][k] = f32(acc[j][k] + acc[j - 1][k]);
        acc[j - 1][k] = 0;
      }
      // (i & (levelMask << (j * levelPower))) !== 0, without 32-bit overflow
      if (Math.floor(i / 2 ** (j * levelPower)) % (levelMask + 1) !== 0) break;
    }
  }
  for (; i < size; i++) {
    for (let k = 0; k < nrows; k++) acc[0][k] = f32(acc[0][k] + get(i, k));
  }
  for (let j = 1; j < 4; j++) {
    for (let k = 0; k < nrows; k++) acc[0][k] = f32(acc[0][k] + acc[j][k]);
  }
  return acc[0];
}

/** PyTorch `row_sum`: four interleaved partial sums (ilp factor 4), then combined. */
function rowSum(get: (i: number) => number, size: number): number {
  const sizeIlp = Math.floor(size / 4);
  const partial = multiRowSum((i, k) => get(i * 4 + k), 4, sizeIlp);
  for (let i = sizeIlp * 4; i < size; i++) partial[0] = f32(partial[0] + get(i));
  for (let k = 1; k < 4; k++) partial[0] = f32(partial[0] + partial[k]);
  return partial[0];
}

/**
 * Sum of a contiguous float32 vector as PyTorch's CPU kernel computes it (`tensor.sum()`, or a
 * reduction over the last, contiguous dimension), with float32 accumulators. Values are rounded
 * to float32 first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchSum32 } from "./reduction_order.ts";
 *
 * // 2^24 + 1 + 1: a left-to-right float32 sum would lose both ones; torch keeps four partials.
 * assert.equal(torchSum32([2 ** 24, 1, 1, 0]), 2 ** 24);
 * assert.equal(torchSum32([1, 2 ** 24, 0, 0, 1]), 2 ** 24 + 2);
 * ```
 *
 * @param values The vector.
 * @param vectorWidth float32 lanes of the CPU's vector unit (8 for AVX2, 16 for AVX-512).
 * @returns The float32 sum (as a number).
 */
export function torchSum32(values: ArrayLike<number>, vectorWidth = 8): number {
  const x = Float32Array.from(values as ArrayLike<number>);
  const n = x.length;
  if (n < vectorWidth) return rowSum((i) => x[i], n);
  const vecSize = Math.floor(n / vectorWidth);
  const lanes: number[] = [];
  for (let l = 0; l < vectorWidth; l++) lanes.push(rowSum((v) => x[v * vectorWidth + l], vecSize));
  let total = 0;
  for (let k = vecSize * vectorWidth; k < n; k++) total = f32(total + x[k]);
  for (let l = 0; l < vectorWidth; l++) total = f32(total + lanes[l]);
  return total;
}

/**
 * Column sums of a row-major float32 matrix as PyTorch computes `matrix.sum(0)` on the CPU.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchColumnSums32 } from "./reduction_order.ts";
 *
 * assert.deepEqual(torchColumnSums32([1, 2, 3, 4, 5, 6], 2, 3), [5, 7, 9]);
 * ```
 *
 * @param values Row-major values, `rows * cols` of them.
 * @param rows Number of rows (the reduced dimension).
 * @param cols Number of columns.
 * @param vectorWidth float32 lanes of the CPU's vector unit (8 for AVX2).
 * @returns One float32 sum per column.
 */
export function torchColumnSums32(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  vectorWidth = 8,
): number[] {
  const x = Float32Array.from(values as ArrayLike<number>);
  if (x.length !== rows * cols) {
    throw new RangeError(`Expected ${rows * cols} values, but found ${x.length}`);
  }
  // Columns in full blocks go through multi_row_sum (sequential with a cascade); the rest
  // through row_sum (four interleaved partial sums).
  const block = cols >= vectorWidth
    ? Math.floor(cols / (4 * vectorWidth)) * 4 * vectorWidth
    : Math.floor(cols / 4) * 4;
  const out: number[] = [];
  for (let j = 0; j < cols; j++) {
    const get = (i: number) => x[i * cols + j];
    out.push(j < block ? multiRowSum((i) => get(i), 1, rows)[0] : rowSum(get, rows));
  }
  return out;
}

/**
 * Row sums of a row-major float32 matrix as PyTorch computes `matrix.sum(1)` on the CPU (each
 * row is a contiguous vector, summed as {@linkcode torchSum32} does).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchRowSums32 } from "./reduction_order.ts";
 *
 * assert.deepEqual(torchRowSums32([1, 2, 3, 4, 5, 6], 2, 3), [6, 15]);
 * ```
 *
 * @param values Row-major values.
 * @param rows Number of rows.
 * @param cols Number of columns (the reduced dimension).
 * @param vectorWidth float32 lanes of the CPU's vector unit.
 * @returns One float32 sum per row.
 */
export function torchRowSums32(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  vectorWidth = 8,
): number[] {
  if (values.length !== rows * cols) {
    throw new RangeError(`Expected ${rows * cols} values, but found ${values.length}`);
  }
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: cols }, (_, j) => values[r * cols + j]);
    out.push(torchSum32(row, vectorWidth));
  }
  return out;
}

/**
 * NumPy's pairwise sum of a contiguous vector (`np.sum`, `np.add.reduce`): sequential below 8
 * values, eight interleaved accumulators up to 128, and recursive halving above. With
 * `float32: true` every addition is rounded to float32, as NumPy does for float32 arrays.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numpySum } from "./reduction_order.ts";
 *
 * assert.equal(numpySum([0.1, 0.2, 0.3]), (0.1 + 0.2) + 0.3);
 * ```
 *
 * @param values The vector.
 * @param float32 Round every step to float32 (a float32 array).
 * @returns The sum.
 */
export function numpySum(values: ArrayLike<number>, float32 = false): number {
  const r: (v: number) => number = float32 ? f32 : (v) => v;
  const x = float32 ? Float32Array.from(values as ArrayLike<number>) : values;
  const pairwise = (start: number, n: number): number => {
    if (n < 8) {
      // NumPy starts from -0.0 so that a sum of -0.0 values stays -0.0.
      let res = -0;
      for (let i = 0; i < n; i++) res = r(res + x[start + i]);
      return res;
    }
    if (n <= 128) {
      const acc = Array.from({ length: 8 }, (_, j) => x[start + j]);
      let i = 8;
      for (; i < n - (n % 8); i += 8) {
        for (let j = 0; j < 8; j++) acc[j] = r(acc[j] + x[start + i + j]);
      }
      let res = r(
        r(r(acc[0] + acc[1]) + r(acc[2] + acc[3])) + r(r(acc[4] + acc[5]) + r(acc[6] + acc[7])),
      );
      for (; i < n; i++) res = r(res + x[start + i]);
      return res;
    }
    let n2 = Math.floor(n / 2);
    n2 -= n2 % 8;
    return r(pairwise(start, n2) + pairwise(start + n2, n - n2));
  };
  return pairwise(0, x.length);
}
