/**
 * The order in which other libraries add numbers, reproduced exactly.
 *
 * A float32 sum of the same values depends on the order of the additions. To reproduce another
 * library to the last bit, its summation order is emulated here: PyTorch's CPU cascade sum
 * (`aten/src/ATen/native/cpu/SumKernel.cpp`, float32 accumulators) and NumPy's pairwise sum
 * (`pairwise_sum` in `numpy/_core/src/umath/loops_utils.h.src`, float32 or float64). The PyTorch
 * orders were checked against torch 2.13 (CPU, AVX2, one thread) on random float32 vectors
 * (lengths 1 to 600) and matrices (2 x 2 to 70 x 70), and under both `ATEN_CPU_CAPABILITY=avx2`
 * and `default` (the goldens `golden/peers/peers-torchmetrics-1.9.0-{avx2,default}.json`, and a
 * one-off run of 600 vectors and 150 matrices crossing 2^24 per capability: no mismatch, where a
 * 16-lane model misses 370 of the 600 vectors).
 *
 * Every x86 CPU capability sums float32 in 8 lanes: `Vectorized<float>` is 32 bytes under
 * DEFAULT (`VECTOR_WIDTH` 32 in `aten/src/ATen/cpu/vec/vec_base.h`, emulated lanes) and AVX2,
 * and under AVX512 `REGISTER_DISPATCH(sum_stub, ...)` registers no kernel
 * (`aten/src/ATen/native/DispatchStub.h`), so the dispatcher falls back to the AVX2 kernel. An
 * AVX-512 machine therefore adds like an AVX2 one (`torch.tensor([2**24] + [1.0] * 16).sum()` is
 * 16777230 on both); that is modelled from the source, not from a run.
 *
 * @module
 */

const f32 = Math.fround;
const exact = (x: number): number => x;

/**
 * How each addition is rounded: `Math.fround` for float32 accumulators, the identity for float64.
 */
export type Rounding = (x: number) => number;

/** The CPU capability torch dispatched to (`torch.backends.cpu.get_cpu_capability()`). */
export type TorchCpuCapability = "default" | "avx2" | "avx512";

/**
 * float32 lanes of PyTorch's CPU sum kernel under a CPU capability: 8 for each of them (DEFAULT
 * and AVX2 use 32-byte vectors; AVX512 registers no sum kernel and runs the AVX2 one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchSum32, torchVectorWidth } from "./reduction_order.ts";
 * assert.equal(torchVectorWidth("avx512"), 8);
 * const v = [2 ** 24, ...new Array(16).fill(1)];
 * assert.equal(torchSum32(v, torchVectorWidth("avx512")), 16777230);
 * ```
 *
 * @param capability `"default"`, `"avx2"` or `"avx512"` (case-insensitive, as torch prints it).
 * @returns The number of float32 lanes.
 */
export function torchVectorWidth(capability: TorchCpuCapability | string = "avx2"): number {
  const c = String(capability).toLowerCase();
  if (c === "default" || c === "avx2" || c === "avx512") return 8;
  throw new RangeError(
    `Expected cpuCapability to be "default", "avx2" or "avx512", but found ${capability}`,
  );
}

function ceilLog2(x: number): number {
  return x <= 1 ? 0 : Math.ceil(Math.log2(x));
}

/** PyTorch `multi_row_sum`: `nrows` interleaved accumulators with a 4-level cascade. */
function multiRowSum(
  get: (i: number, k: number) => number,
  nrows: number,
  size: number,
  round: Rounding,
): number[] {
  const levelPower = Math.max(4, Math.floor(ceilLog2(size) / 4));
  const levelStep = 2 ** levelPower;
  const levelMask = levelStep - 1;
  const acc = Array.from({ length: 4 }, () => new Array<number>(nrows).fill(0));
  let i = 0;
  while (i + levelStep <= size) {
    for (let j = 0; j < levelStep; j++, i++) {
      for (let k = 0; k < nrows; k++) acc[0][k] = round(acc[0][k] + get(i, k));
    }
    for (let j = 1; j < 4; j++) {
      for (let k = 0; k < nrows; k++) {
        acc[j][k] = round(acc[j][k] + acc[j - 1][k]);
        acc[j - 1][k] = 0;
      }
      // (i & (levelMask << (j * levelPower))) !== 0, without 32-bit overflow
      if (Math.floor(i / 2 ** (j * levelPower)) % (levelMask + 1) !== 0) break;
    }
  }
  for (; i < size; i++) {
    for (let k = 0; k < nrows; k++) acc[0][k] = round(acc[0][k] + get(i, k));
  }
  for (let j = 1; j < 4; j++) {
    for (let k = 0; k < nrows; k++) acc[0][k] = round(acc[0][k] + acc[j][k]);
  }
  return acc[0];
}

/** PyTorch `row_sum`: four interleaved partial sums (ilp factor 4), then combined. */
function rowSum(get: (i: number) => number, size: number, round: Rounding): number {
  const sizeIlp = Math.floor(size / 4);
  if (sizeIlp < 16) {
    // Below multiRowSum's smallest level step (16) its cascade never runs: each partial sum
    // adds its values in order, then the three empty levels, which changes nothing (a sum that
    // starts at +0 is never -0, and x + 0 is x). The same additions as below, without
    // allocating: most rows summed here are short (one image's classes).
    let p0 = 0, p1 = 0, p2 = 0, p3 = 0;
    for (let i = 0; i < sizeIlp; i++) {
      p0 = round(p0 + get(i * 4));
      p1 = round(p1 + get(i * 4 + 1));
      p2 = round(p2 + get(i * 4 + 2));
      p3 = round(p3 + get(i * 4 + 3));
    }
    for (let i = sizeIlp * 4; i < size; i++) p0 = round(p0 + get(i));
    return round(round(round(p0 + p1) + p2) + p3);
  }
  const partial = multiRowSum((i, k) => get(i * 4 + k), 4, sizeIlp, round);
  for (let i = sizeIlp * 4; i < size; i++) partial[0] = round(partial[0] + get(i));
  for (let k = 1; k < 4; k++) partial[0] = round(partial[0] + partial[k]);
  return partial[0];
}

/**
 * Sum of `n` contiguous values from `start`, in PyTorch's CPU order (`tensor.sum()`, or a
 * reduction over the last, contiguous dimension): each lane of the vector unit sums its strided
 * values with four interleaved cascaded accumulators; then the scalar tail is summed from 0 and
 * the lanes are added to it one by one; below one vector, four interleaved scalar accumulators.
 * Every addition goes through `round` (the values themselves are taken as they are).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchSum } from "./reduction_order.ts";
 * // the row [1, 2, 3] of the row-major 2 x 3 matrix [[0, 0, 0], [1, 2, 3]]
 * assert.equal(torchSum([0, 0, 0, 1, 2, 3], Math.fround, 3, 3), 6);
 * ```
 *
 * @param values The values.
 * @param round Rounding after each addition (`Math.fround`: float32 accumulators).
 * @param start First index.
 * @param n Number of values.
 * @param vectorWidth float32 lanes of the CPU's vector unit (8 on every x86 capability: {@linkcode torchVectorWidth}).
 * @returns The sum.
 */
export function torchSum(
  values: ArrayLike<number>,
  round: Rounding = f32,
  start = 0,
  n: number = values.length - start,
  vectorWidth = 8,
): number {
  if (n < vectorWidth) return rowSum((i) => values[start + i], n, round);
  const vecSize = Math.floor(n / vectorWidth);
  const lanes: number[] = [];
  for (let l = 0; l < vectorWidth; l++) {
    lanes.push(rowSum((v) => values[start + v * vectorWidth + l], vecSize, round));
  }
  let total = 0;
  for (let k = vecSize * vectorWidth; k < n; k++) total = round(total + values[start + k]);
  for (let l = 0; l < vectorWidth; l++) total = round(total + lanes[l]);
  return total;
}

/**
 * Sum of one column of a row-major matrix in PyTorch's CPU order (`matrix.sum(0)`): columns in
 * full blocks of four vectors (of four values when the matrix is narrower than a vector) go
 * through one cascaded accumulator, the others through four interleaved partial sums.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchColumnSum } from "./reduction_order.ts";
 * assert.equal(torchColumnSum([1, 2, 3, 4, 5, 6], 1, 2, 3), 7); // [[1, 2, 3], [4, 5, 6]]
 * ```
 *
 * @param values Row-major values, `rows * cols` of them.
 * @param column The column.
 * @param rows Number of rows (the reduced dimension).
 * @param cols Number of columns.
 * @param round Rounding after each addition (`Math.fround`: float32 accumulators).
 * @param vectorWidth float32 lanes of the CPU's vector unit (8: {@linkcode torchVectorWidth}).
 * @returns The column's sum.
 */
export function torchColumnSum(
  values: ArrayLike<number>,
  column: number,
  rows: number,
  cols: number,
  round: Rounding = f32,
  vectorWidth = 8,
): number {
  const block = cols >= vectorWidth
    ? Math.floor(cols / (4 * vectorWidth)) * 4 * vectorWidth
    : Math.floor(cols / 4) * 4;
  const get = (i: number) => values[i * cols + column];
  return column < block ? multiRowSum((i) => get(i), 1, rows, round)[0] : rowSum(get, rows, round);
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
 * @param vectorWidth float32 lanes of the CPU's vector unit (8 on every x86 capability: {@linkcode torchVectorWidth}).
 * @returns The float32 sum (as a number).
 */
export function torchSum32(values: ArrayLike<number>, vectorWidth = 8): number {
  const x = Float32Array.from(values as ArrayLike<number>);
  return torchSum(x, f32, 0, x.length, vectorWidth);
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
 * @param vectorWidth float32 lanes of the CPU's vector unit (8: {@linkcode torchVectorWidth}).
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
  return Array.from({ length: cols }, (_, j) => torchColumnSum(x, j, rows, cols, f32, vectorWidth));
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
  const x = Float32Array.from(values as ArrayLike<number>);
  return Array.from({ length: rows }, (_, r) => torchSum(x, f32, r * cols, cols, vectorWidth));
}

/**
 * Sum of `n` contiguous values from `start` in NumPy's pairwise order (`np.sum`,
 * `np.add.reduce`, `pairwise_sum` in NumPy's C source): left to right from -0.0 below 8 values;
 * up to 128 values eight strided accumulators, combined as
 * `((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))`, then the remainder left to right; longer
 * runs split in two halves (the first a multiple of 8 long) whose sums are added. Every addition
 * goes through `round`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numpyPairwiseSum } from "./reduction_order.ts";
 * const v = [16777216, 1, 1, 1, 1, 1, 1, 1, 1];
 * // float32 accumulators: r0 = 2^24 + 1 rounds to 2^24, r1..r7 = 1; then + 1 at the end
 * assert.equal(numpyPairwiseSum(v, Math.fround), 16777224);
 * ```
 *
 * @param values The values.
 * @param round Rounding after each addition (`Math.fround` for a float32 array).
 * @param start First index.
 * @param n Number of values.
 * @returns The sum.
 */
export function numpyPairwiseSum(
  values: ArrayLike<number>,
  round: Rounding,
  start = 0,
  n: number = values.length - start,
): number {
  if (n < 8) {
    // NumPy starts from -0.0 so that a sum of -0.0 values stays -0.0.
    let res = -0;
    for (let i = 0; i < n; i++) res = round(res + values[start + i]);
    return res;
  }
  if (n <= 128) {
    const acc = Array.from({ length: 8 }, (_, j) => values[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) acc[j] = round(acc[j] + values[start + i + j]);
    }
    let res = round(
      round(round(acc[0] + acc[1]) + round(acc[2] + acc[3])) +
        round(round(acc[4] + acc[5]) + round(acc[6] + acc[7])),
    );
    for (; i < n; i++) res = round(res + values[start + i]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return round(
    numpyPairwiseSum(values, round, start, n2) +
      numpyPairwiseSum(values, round, start + n2, n - n2),
  );
}

/**
 * NumPy's pairwise sum of a contiguous vector (`np.sum`, `np.add.reduce`), as
 * {@linkcode numpyPairwiseSum}. With `float32: true` the values are rounded to float32 and every
 * addition too, as NumPy does for float32 arrays.
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
  return float32
    ? numpyPairwiseSum(Float32Array.from(values as ArrayLike<number>), f32)
    : numpyPairwiseSum(values, exact);
}
