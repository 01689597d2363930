/**
 * Float32 arithmetic as the Keras backends do it, on JS doubles.
 *
 * A float32 add, subtract, multiply or divide of two float32 values is emulated exactly by
 * `Math.fround(a op b)` (binary64 has more than 2 * 24 + 2 significand bits, so the double
 * rounding is harmless). What differs between backends is the order in which a vector is summed:
 * NumPy sums pairwise with 8 accumulators, TensorFlow's Eigen kernels use 8 lanes and a scalar
 * tail, JAX (CPU) adds left to right. These orders only matter once partial sums are no longer
 * exact (non-integer values such as IoUs, or counts above 2^24).
 *
 * The NumPy and PyTorch orders live in `reduction_order.ts`, shared with the other libraries'
 * profiles.
 *
 * @module
 */
import { numpyPairwiseSum, torchSum } from "./reduction_order.ts";

/**
 * Round to the nearest float32 value, ties to even (`Math.fround`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { f32 } from "./keras_float32.ts";
 * assert.equal(f32(16777217), 16777216);
 * ```
 */
export const f32: (x: number) => number = Math.fround;

/**
 * `f32(1e-7)`: Keras's `backend.epsilon()` as a float32 (1.0000000116860974e-7).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EPSILON_F32 } from "./keras_float32.ts";
 * assert.equal(Math.fround(1 + EPSILON_F32), 1 + 2 ** -23); // why a perfect IoU is 0.99999988
 * ```
 */
export const EPSILON_F32: number = Math.fround(1e-7);

/**
 * `f32(1e-9)`: the threshold Keras 3 compares IoU denominators with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VALID_THRESHOLD_F32 } from "./keras_float32.ts";
 * assert.ok(0 < VALID_THRESHOLD_F32 && VALID_THRESHOLD_F32 < 1e-8);
 * ```
 */
export const VALID_THRESHOLD_F32: number = Math.fround(1e-9);

/**
 * 2^24 = 16,777,216: the largest count a float32 cell reaches by adding 1.0 repeatedly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FLOAT32_COUNT_LIMIT } from "./keras_float32.ts";
 * assert.equal(Math.fround(FLOAT32_COUNT_LIMIT + 1), FLOAT32_COUNT_LIMIT);
 * ```
 */
export const FLOAT32_COUNT_LIMIT: number = 16777216;

/** The order in which a backend reduces a float32 vector. */
export type SummationOrder =
  | "sequential"
  | "numpy-pairwise"
  | "tf-8-lane"
  | "xla-16-lane"
  | "tf-xla-int-state"
  | "tf-xla-float-state"
  | "torch-cascade";

/**
 * Sums `values[start], values[start + stride], ...` (`n` terms) left to right, rounding every
 * partial sum with `round` (`Math.fround` for float32, identity for float64).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumSequential } from "./keras_float32.ts";
 * // 2^24 + 1 + 1 in float32: each +1 is lost (ties to even)
 * assert.equal(sumSequential([16777216, 1, 1]), 16777216);
 * assert.equal(sumSequential([16777216, 1, 1], Math.fround, 0, 3, 1), 16777216);
 * ```
 */
export function sumSequential(
  values: ArrayLike<number>,
  round: (x: number) => number = Math.fround,
  start = 0,
  n: number = values.length - start,
  stride = 1,
): number {
  let s = 0;
  for (let i = 0, k = start; i < n; i++, k += stride) s = round(s + values[k]);
  return s;
}

/**
 * TensorFlow's CPU (Eigen) float32 sum of a vector: one 8-wide accumulator `a0..a7` over the
 * first `floor(n / 8) * 8` values (lane j takes values j, j + 8, ...), a scalar tail `t` over the
 * rest, then `t + ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))`. Below 8 values this is a
 * left-to-right sum. Observed to match real TensorFlow for n < 64 (keras-semantics notes 11.1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumTf8Lane } from "./keras_float32.ts";
 * assert.equal(sumTf8Lane([1, 2, 3]), 6);
 * assert.equal(sumTf8Lane([16777216, 1, 1, 1, 1, 1, 1, 1, 1]), 16777224);
 * ```
 */
export function sumTf8Lane(
  values: ArrayLike<number>,
  round: (x: number) => number = Math.fround,
  start = 0,
  n: number = values.length - start,
): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s = round(s + values[start + i]);
    return s;
  }
  const a = new Array<number>(8).fill(0);
  const whole = n - (n % 8);
  for (let i = 0; i < whole; i += 8) {
    for (let j = 0; j < 8; j++) a[j] = round(a[j] + values[start + i + j]);
  }
  let t = 0;
  for (let i = whole; i < n; i++) t = round(t + values[start + i]);
  const lanes = round(
    round(round(a[0] + a[4]) + round(a[2] + a[6])) + round(round(a[1] + a[5]) + round(a[3] + a[7])),
  );
  return round(t + lanes);
}

/**
 * XLA's (CPU, `jax.jit`) float32 sum of a vector, as observed on real Keras 3.15.1 runs with up
 * to 16 values: 16 strided accumulators over the first `floor(n / 16) * 16` values, combined as a
 * tree (`a[i] + a[i + 8]`, then `+ 4`, `+ 2`, `+ 1`), then the rest added left to right. Below 16
 * values this is a left-to-right sum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumXla16Lane } from "./keras_float32.ts";
 * assert.equal(sumXla16Lane([1, 2, 3]), 6);
 * // 16 values: 2^24 + 1 is lost, but the ones meet each other first in the tree
 * const v = [16777216, ...Array(15).fill(1)];
 * assert.equal(sumXla16Lane(v), 16777216 + 14);
 * ```
 */
export function sumXla16Lane(
  values: ArrayLike<number>,
  round: (x: number) => number = Math.fround,
  start = 0,
  n: number = values.length - start,
): number {
  if (n < 16) {
    let s = 0;
    for (let i = 0; i < n; i++) s = round(s + values[start + i]);
    return s;
  }
  let a = new Array<number>(16).fill(0);
  const whole = n - (n % 16);
  for (let i = 0; i < whole; i += 16) {
    for (let j = 0; j < 16; j++) a[j] = round(a[j] + values[start + i + j]);
  }
  while (a.length > 1) {
    const h = a.length / 2;
    const b = new Array<number>(h);
    for (let j = 0; j < h; j++) b[j] = round(a[j] + a[j + h]);
    a = b;
  }
  let s = a[0];
  for (let i = whole; i < n; i++) s = round(s + values[start + i]);
  return s;
}

/**
 * How TensorFlow's XLA (CPU) sums the IoU vector in Keras 3.15's `result()`, measured on real
 * TensorFlow 2.21 (`tools/tf_xla_sum_oracle.py`, x86-64 with AVX2). Above 32 values XLA splits the
 * sum into windows of 32 (zero padded, the lower pad rounded down), each summed left to right,
 * and adds the window sums left to right. Up to 32 values it is one loop, fully unrolled and left
 * to right for a float32 state (`vectorLoop: false`); with an integer state the loop also does
 * int64 arithmetic and LLVM vectorizes some lengths (`vectorLoop: true`): 4 float lanes in
 * `parts` interleaved accumulators over the first `vectorized` values, the parts added lane by
 * lane, the lanes as `(l0 + l2) + (l1 + l3)`, then the remaining values one by one.
 *
 * The vector loop is compiled for the host CPU, so other vector widths (AVX-512, Arm) may change
 * the last ulp; lengths above 1024 (windows of windows) were not measured.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumTfXlaCpu } from "./keras_float32.ts";
 * // 12 values: four lanes; 2^24 meets only its own lane (+ 1, + 1, lost to ties to even)
 * const v = [16777216, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
 * assert.equal(sumTfXlaCpu(v, true), 16777216 + 6);
 * assert.equal(sumTfXlaCpu(v, false), 16777216); // left to right: every + 1 is lost
 * ```
 *
 * @param values The values.
 * @param vectorLoop Whether LLVM's vector loop applies (integer state).
 * @param round Rounding after each addition.
 * @param start First index.
 * @param n Number of values.
 * @returns The sum.
 */
export function sumTfXlaCpu(
  values: ArrayLike<number>,
  vectorLoop: boolean,
  round: (x: number) => number = Math.fround,
  start = 0,
  n: number = values.length - start,
): number {
  if (n > 32) {
    const windows = Math.ceil(n / 32), padLow = Math.floor((32 * windows - n) / 2);
    let total = 0;
    for (let w = 0; w < windows; w++) {
      const from = Math.max(0, 32 * w - padLow), to = Math.min(n, 32 * w - padLow + 32);
      total = round(total + sumSequential(values, round, start + from, to - from, 1));
    }
    return total;
  }
  const [parts, vectorized] = (vectorLoop ? XLA_CPU_LOOP[n] : undefined) ?? [0, 0];
  if (parts === 0) return sumSequential(values, round, start, n, 1);
  const acc = Array.from({ length: parts }, () => [0, 0, 0, 0]);
  for (let i = 0; i < vectorized; i++) {
    const lanes = acc[Math.floor(i / 4) % parts];
    lanes[i % 4] = round(lanes[i % 4] + values[start + i]);
  }
  const r = acc[0];
  for (let u = 1; u < parts; u++) for (let l = 0; l < 4; l++) r[l] = round(acc[u][l] + r[l]);
  let s = round(round(r[0] + r[2]) + round(r[1] + r[3]));
  for (let i = vectorized; i < n; i++) s = round(s + values[start + i]);
  return s;
}

/**
 * Length -> [interleaved parts, values in the vector loop] of the vectorized lengths (read from
 * the optimized LLVM IR that XLA dumps, and confirmed on results); other lengths up to 32 stay
 * scalar.
 */
const XLA_CPU_LOOP: Record<number, readonly [number, number]> = {
  12: [1, 12],
  16: [1, 12],
  ...Object.fromEntries([17, 18, 19, 20, 21, 22, 23, 24].map((n) => [n, [2, 16] as const])),
  ...Object.fromEntries([25, 26, 27, 28, 29, 30, 31, 32].map((n) => [n, [2, 24] as const])),
};

/**
 * Sums a contiguous run of `values` in the given backend order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumInOrder } from "./keras_float32.ts";
 * assert.equal(sumInOrder([0.5, 0.25], "tf-8-lane"), 0.75);
 * ```
 */
export function sumInOrder(
  values: ArrayLike<number>,
  order: SummationOrder,
  round: (x: number) => number = Math.fround,
  start = 0,
  n: number = values.length - start,
): number {
  switch (order) {
    case "numpy-pairwise":
      return numpyPairwiseSum(values, round, start, n);
    case "tf-8-lane":
      return sumTf8Lane(values, round, start, n);
    case "xla-16-lane":
      return sumXla16Lane(values, round, start, n);
    case "tf-xla-int-state":
      return sumTfXlaCpu(values, true, round, start, n);
    case "tf-xla-float-state":
      return sumTfXlaCpu(values, false, round, start, n);
    case "torch-cascade":
      return torchSum(values, round, start, n);
    default:
      return sumSequential(values, round, start, n, 1);
  }
}

/**
 * The float32 value of a cell that starts at `start` and gets `count` additions of 1.0, each
 * rounded to float32 (what a float32 scatter-add of unit weights does). From an integer start at
 * or below 2^24 this is `min(start + count, 2^24)`; otherwise the additions are replayed until the
 * value stops changing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addOnesF32 } from "./keras_float32.ts";
 * assert.equal(addOnesF32(0, 17001234), 16777216);
 * assert.equal(addOnesF32(16777218, 5), 16777220); // 2^24 + 2 + 1 rounds up to even, then sticks
 * ```
 */
export function addOnesF32(start: number, count: number): number {
  if (count <= 0) return start;
  if (Number.isInteger(start) && start <= FLOAT32_COUNT_LIMIT && start >= -FLOAT32_COUNT_LIMIT) {
    return Math.min(start + count, FLOAT32_COUNT_LIMIT);
  }
  let v = start;
  for (let i = 0; i < count; i++) {
    const next = Math.fround(v + 1);
    if (next === v) break;
    v = next;
  }
  return v;
}

/**
 * Wraps an integer to int32 (two's complement, modulo 2^32), as int32 tensors do on overflow.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wrapInt32 } from "./keras_float32.ts";
 * assert.equal(wrapInt32(2147483647 + 1), -2147483648);
 * ```
 */
export function wrapInt32(x: number): number {
  if (x >= -2147483648 && x <= 2147483647) return x;
  // exact for |x| < 2^53
  const m = x - Math.floor(x / 4294967296) * 4294967296;
  return m >= 2147483648 ? m - 4294967296 : m;
}
