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
 * import { f32 } from "./keras_sums.ts";
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
 * import { EPSILON_F32 } from "./keras_sums.ts";
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
 * import { VALID_THRESHOLD_F32 } from "./keras_sums.ts";
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
 * import { FLOAT32_COUNT_LIMIT } from "./keras_sums.ts";
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
  | "xla-cpu"
  | "tf-xla-cpu-int"
  | "tf-xla-cpu-float"
  | "tf-xla-cpu-float-3.8"
  | "jax-jit-cpu-int"
  | "jax-jit-cpu-float"
  | "torch-cascade";

/**
 * Sums `values[start], values[start + stride], ...` (`n` terms) left to right, rounding every
 * partial sum with `round` (`Math.fround` for float32, identity for float64).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumSequential } from "./keras_sums.ts";
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
 * left-to-right sum. From 64 values on, Eigen unrolls by four: four such accumulators take turns
 * over the first `floor(n / 32) * 32` values and are added in order (`((p0 + p1) + p2) + p3`),
 * then the remaining whole packets go to that sum. Matches real TensorFlow 2.21 (Keras 3.15.1
 * `result()`, tests/fixtures/keras-v3.15.1-tf-xla-sums.json, eager) for 2-150 values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumTf8Lane } from "./keras_sums.ts";
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
  let i = 0;
  if (n >= 64) {
    const packets = [a, a.slice(), a.slice(), a.slice()];
    for (const four = n - (n % 32); i < four; i += 32) {
      for (let u = 0; u < 4; u++) {
        const p = packets[u];
        for (let j = 0; j < 8; j++) p[j] = round(p[j] + values[start + i + 8 * u + j]);
      }
    }
    for (let u = 1; u < 4; u++) for (let j = 0; j < 8; j++) a[j] = round(a[j] + packets[u][j]);
  }
  for (; i < whole; i += 8) {
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
 * import { sumXla16Lane } from "./keras_sums.ts";
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
 * How LLVM vectorized XLA's loop over one length of vector: `lanes` float lanes, each summing its
 * values left to right (`values[i]` goes to lane `i % lanes`), over the first `main` values; the
 * lanes then halve (`l[i] + l[i + lanes / 2]`, ...) down to one; then, optionally, an epilogue
 * vector of `epilogueLanes` lanes that starts as `[sum, 0, ...]` and takes `epilogueRounds` more
 * rounds of values before it halves the same way; the rest is added left to right.
 */
export interface XlaVectorPlan {
  /** Lanes of the main vector loop. */
  readonly lanes: number;
  /** Values in the main loop (a multiple of `lanes`). */
  readonly main: number;
  /** Lanes of the epilogue vector (none when absent). */
  readonly epilogueLanes?: number;
  /** Rounds of the epilogue. */
  readonly epilogueRounds?: number;
}

/**
 * A float32 sum as XLA (CPU) emits it for Keras 3.15's `result()`, given the vector plans by length
 * (see the `*_PLANS` tables): lengths without a plan are a scalar left-to-right loop; above 32
 * values XLA's tree reduction rewriter splits the sum into windows of 32 (zero padded, the lower
 * pad rounded down), each summed left to right, and adds the window sums left to right.
 *
 * The TF plans were read from the optimized LLVM IR that XLA dumps, for every length; the JAX ones
 * from the IR of a few lengths, then fitted per length; all were checked on real results
 * (`tools/tf_xla_sum_oracle.py`, x86-64 with AVX2). The vector loops are compiled for the host
 * CPU, so other vector widths (AVX-512, Arm) may change the last ulp, and lengths above 1024
 * (windows of windows) were not measured.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumXlaCpu, TF_XLA_INT_PLANS } from "./keras_sums.ts";
 * // 12 values in 4 lanes: 2^24 meets only its own lane (+ 1, + 1, each lost to ties to even)
 * const v = [16777216, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
 * assert.equal(sumXlaCpu(v, TF_XLA_INT_PLANS), 16777216 + 6);
 * assert.equal(sumXlaCpu(v, {}), 16777216); // left to right: every + 1 is lost
 * ```
 *
 * @param values The values.
 * @param plans Vector plans by length (`{}`: a scalar loop for every length).
 * @param round Rounding after each addition.
 * @param start First index.
 * @param n Number of values.
 * @returns The sum.
 */
export function sumXlaCpu(
  values: ArrayLike<number>,
  plans: Readonly<Record<number, XlaVectorPlan>>,
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
  const plan = plans[n];
  if (plan === undefined) return sumSequential(values, round, start, n, 1);
  const halve = (lanes: number[]): number => {
    for (let width = lanes.length / 2; width >= 1; width /= 2) {
      for (let l = 0; l < width; l++) lanes[l] = round(lanes[l] + lanes[l + width]);
    }
    return lanes[0];
  };
  const lanes = new Array<number>(plan.lanes).fill(0);
  for (let i = 0; i < plan.main; i++) {
    lanes[i % plan.lanes] = round(lanes[i % plan.lanes] + values[start + i]);
  }
  let s = halve(lanes);
  let i = plan.main;
  if (plan.epilogueLanes !== undefined) {
    const tail = new Array<number>(plan.epilogueLanes).fill(0);
    tail[0] = s;
    for (let r = 0; r < (plan.epilogueRounds ?? 1); r++, i += plan.epilogueLanes) {
      for (let l = 0; l < plan.epilogueLanes; l++) {
        tail[l] = round(tail[l] + values[start + i + l]);
      }
    }
    s = halve(tail);
  }
  for (; i < n; i++) s = round(s + values[start + i]);
  return s;
}

const plansFor = (
  lengths: readonly number[],
  plan: XlaVectorPlan,
): Record<number, XlaVectorPlan> => Object.fromEntries(lengths.map((n) => [n, plan]));
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, k) => from + k);

/**
 * TensorFlow 2.21's XLA, integer state: the `result()` loop also does int64 arithmetic (4 to a
 * 256-bit register), so LLVM vectorizes it 4 lanes wide, interleaved by 2 from 17 on (8 lanes in
 * the plan's terms); the other lengths stay scalar. With a float32 state the loop stays scalar.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumXlaCpu, TF_XLA_INT_PLANS } from "./keras_sums.ts";
 * // 2^24 and then ones: the scalar loop loses every + 1, the vector lanes sum them apart.
 * const ones = (n: number) => [2 ** 24, ...new Array(n - 1).fill(1)];
 * assert.equal(sumXlaCpu(ones(13), TF_XLA_INT_PLANS), 2 ** 24); // 13: no plan, scalar
 * assert.equal(sumXlaCpu(ones(25), TF_XLA_INT_PLANS), 2 ** 24 + 24); // 8 lanes, exact here
 * ```
 */
export const TF_XLA_INT_PLANS: Readonly<Record<number, XlaVectorPlan>> = {
  12: { lanes: 4, main: 12 },
  16: { lanes: 4, main: 12 },
  ...plansFor(range(17, 24), { lanes: 8, main: 16 }),
  ...plansFor(range(25, 32), { lanes: 8, main: 24 }),
};

/**
 * TensorFlow 2.21's XLA, float32 state, Keras 3.15's `result()`: 25 to 32 values go through an
 * 8-lane loop, the other lengths stay scalar.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumXlaCpu, TF_XLA_FLOAT_PLANS } from "./keras_sums.ts";
 * const ones = (n: number) => [2 ** 24, ...new Array(n - 1).fill(1)];
 * assert.equal(sumXlaCpu(ones(24), TF_XLA_FLOAT_PLANS), 2 ** 24); // scalar: every + 1 is lost
 * assert.equal(sumXlaCpu(ones(25), TF_XLA_FLOAT_PLANS), 2 ** 24 + 24); // 8 lanes
 * ```
 */
export const TF_XLA_FLOAT_PLANS: Readonly<Record<number, XlaVectorPlan>> = plansFor(
  range(25, 32),
  { lanes: 8, main: 24 },
);

/**
 * The same for Keras 3.8-3.14's `result()` (no `where` around the IoUs): only 30 to 32 values go
 * through the 8-lane loop (measured with that `result()` re-implemented on Keras 3.15.1's ops,
 * `tools/tf_xla_sum_oracle.py --graph 3.8`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumXlaCpu, TF_XLA_FLOAT_PLANS, TF_XLA_FLOAT_PLANS_3_8 } from "./keras_sums.ts";
 * const ones = (n: number) => [2 ** 24, ...new Array(n - 1).fill(1)];
 * assert.equal(sumXlaCpu(ones(29), TF_XLA_FLOAT_PLANS), 2 ** 24 + 24); // 3.15: vectorized
 * assert.equal(sumXlaCpu(ones(29), TF_XLA_FLOAT_PLANS_3_8), 2 ** 24); // 3.8: scalar
 * assert.equal(sumXlaCpu(ones(30), TF_XLA_FLOAT_PLANS_3_8), 2 ** 24 + 24);
 * ```
 */
export const TF_XLA_FLOAT_PLANS_3_8: Readonly<Record<number, XlaVectorPlan>> = plansFor(
  [30, 31, 32],
  { lanes: 8, main: 24 },
);

const JAX_JIT_COMMON: Record<number, XlaVectorPlan> = {
  ...plansFor(range(16, 19), { lanes: 8, main: 16 }),
  ...plansFor(range(20, 23), { lanes: 4, main: 16, epilogueLanes: 4, epilogueRounds: 1 }),
  ...plansFor(range(24, 31), { lanes: 8, main: 24 }),
  32: { lanes: 8, main: 32 },
};

/**
 * jaxlib 0.10.2's XLA under `jax.jit`, integer state (int32 on JAX): vectorized from 16 values,
 * with a 4-lane epilogue for 20 to 23.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JAX_JIT_INT_PLANS, sumXlaCpu, TF_XLA_INT_PLANS } from "./keras_sums.ts";
 * const ones = (n: number) => [2 ** 24, ...new Array(n - 1).fill(1)];
 * assert.equal(sumXlaCpu(ones(15), JAX_JIT_INT_PLANS), 2 ** 24); // scalar
 * // 16 values: 8 lanes under jax.jit, 4 under TF's XLA, so the sums differ.
 * assert.equal(sumXlaCpu(ones(16), JAX_JIT_INT_PLANS), 2 ** 24 + 14);
 * assert.equal(sumXlaCpu(ones(16), TF_XLA_INT_PLANS), 2 ** 24 + 12);
 * ```
 */
export const JAX_JIT_INT_PLANS: Readonly<Record<number, XlaVectorPlan>> = JAX_JIT_COMMON;

/**
 * jaxlib 0.10.2's XLA under `jax.jit`, float32 state: as the integer state but for 22 and 23,
 * whose epilogue is 2 lanes wide for 3 rounds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JAX_JIT_FLOAT_PLANS, JAX_JIT_INT_PLANS, sumXlaCpu } from "./keras_sums.ts";
 * const v = [2 ** 24, ...new Array(20).fill(1), 3]; // 22 values
 * assert.equal(sumXlaCpu(v, JAX_JIT_INT_PLANS), 2 ** 24 + 20);
 * assert.equal(sumXlaCpu(v, JAX_JIT_FLOAT_PLANS), 2 ** 24 + 16);
 * assert.equal(JAX_JIT_FLOAT_PLANS[21], JAX_JIT_INT_PLANS[21]); // the same elsewhere
 * ```
 */
export const JAX_JIT_FLOAT_PLANS: Readonly<Record<number, XlaVectorPlan>> = {
  ...JAX_JIT_COMMON,
  ...plansFor([22, 23], { lanes: 4, main: 16, epilogueLanes: 2, epilogueRounds: 3 }),
};

/**
 * The XLA vector plans of an order (`{}` for XLA's scalar loops), or `undefined` for an order
 * that is not one of XLA's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TF_XLA_INT_PLANS, xlaPlans } from "./keras_sums.ts";
 * assert.equal(xlaPlans("tf-xla-cpu-int"), TF_XLA_INT_PLANS);
 * assert.deepEqual(xlaPlans("xla-cpu"), {});
 * assert.equal(xlaPlans("tf-8-lane"), undefined);
 * ```
 */
export function xlaPlans(
  order: SummationOrder,
): Readonly<Record<number, XlaVectorPlan>> | undefined {
  return XLA_PLANS_BY_ORDER[order];
}

const XLA_PLANS_BY_ORDER: Partial<
  Record<SummationOrder, Readonly<Record<number, XlaVectorPlan>>>
> = {
  "xla-cpu": {},
  "tf-xla-cpu-int": TF_XLA_INT_PLANS,
  "tf-xla-cpu-float": TF_XLA_FLOAT_PLANS,
  "tf-xla-cpu-float-3.8": TF_XLA_FLOAT_PLANS_3_8,
  "jax-jit-cpu-int": JAX_JIT_INT_PLANS,
  "jax-jit-cpu-float": JAX_JIT_FLOAT_PLANS,
};

/**
 * Sums a contiguous run of `values` in the given backend order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumInOrder } from "./keras_sums.ts";
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
  const plans = xlaPlans(order);
  if (plans !== undefined) return sumXlaCpu(values, plans, round, start, n);
  switch (order) {
    case "numpy-pairwise":
      return numpyPairwiseSum(values, round, start, n);
    case "tf-8-lane":
      return sumTf8Lane(values, round, start, n);
    case "xla-16-lane":
      return sumXla16Lane(values, round, start, n);
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
 * import { addOnesF32 } from "./keras_sums.ts";
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
 * import { wrapInt32 } from "./keras_sums.ts";
 * assert.equal(wrapInt32(2147483647 + 1), -2147483648);
 * ```
 */
export function wrapInt32(x: number): number {
  if (x >= -2147483648 && x <= 2147483647) return x;
  // exact for |x| < 2^53
  const m = x - Math.floor(x / 4294967296) * 4294967296;
  return m >= 2147483648 ? m - 4294967296 : m;
}
