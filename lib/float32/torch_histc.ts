/**
 * `torch.histc` on a float32 tensor on the CPU, reproduced exactly, thread count included.
 *
 * PyTorch's kernel (`aten/src/ATen/native/cpu/HistogramKernel.cpp`) splits the flattened input
 * with `at::parallel_for(0, N, 200, ...)`: when `N > 200` and more than one thread is available,
 * `t = min(threads, ceil(N / 200))` threads take the chunks `[k * c, min(N, (k + 1) * c))` with
 * `c = ceil(N / t)` (`invoke_parallel`, OpenMP backend). Each thread counts its chunk into its own
 * float32 histogram, where a bin stops at 2^24 = 16,777,216 (`2^24 + 1` rounds back to `2^24`).
 * The `threads x bins` partial histograms are then summed over the thread dimension in float32
 * (`at::sum_out(hist, thread_histograms, 0)`, PyTorch's column-sum order). A value goes to bin
 * `trunc(f32(f32(f32(x - min) * bins) / f32(max - min)))` (the last edge belongs to the last
 * bin); values outside `[min, max]` and NaN are not counted.
 *
 * @module
 */

import { torchColumnSums32 } from "./reduction_order.ts";

const f32 = Math.fround;
/** `HISTOGRAM_GRAIN_SIZE` of PyTorch's histogram kernel. */
const GRAIN_SIZE = 200;
const STICK = 2 ** 24;

/** Options of {@linkcode torchHistc32}. */
export interface TorchHistcOptions {
  /**
   * `torch.get_num_threads()` when `histc` runs (default 1). With one thread a bin stops at
   * 2^24; with several, each thread's chunk stops at 2^24 and the partial bins are added in
   * float32.
   */
  threads?: number;
}

/** A run of equal values: `[value, length]` (`length` copies of `value` in a row). */
export type ValueRun = readonly [value: number, length: number];

function checkThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`Expected threads to be an integer >= 1, but found ${threads}`);
  }
}

/**
 * How `at::parallel_for(0, n, grainSize, f)` splits `[0, n)` among `threads` threads (OpenMP
 * backend): the chunk boundaries, one more than the number of chunks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchParallelChunks } from "./torch_histc.ts";
 * assert.deepEqual(torchParallelChunks(16777219, 200, 2), [0, 8388610, 16777219]);
 * assert.deepEqual(torchParallelChunks(150, 200, 4), [0, 150]); // below the grain: one thread
 * assert.deepEqual(torchParallelChunks(450, 200, 4), [0, 150, 300, 450]); // ceil(450 / 200) = 3
 * ```
 *
 * @param n Number of iterations.
 * @param grainSize Grain size of the `parallel_for` call.
 * @param threads `torch.get_num_threads()`.
 * @returns Boundaries `[0, b1, ..., n]`.
 */
export function torchParallelChunks(n: number, grainSize: number, threads: number): number[] {
  checkThreads(threads);
  if (n <= 0) return [0];
  if (n <= grainSize || n <= 1 || threads === 1) return [0, n];
  const t = Math.min(threads, Math.ceil(n / grainSize));
  const chunk = Math.ceil(n / t);
  const bounds = [0];
  for (let k = 1; k * chunk < n; k++) bounds.push(k * chunk);
  bounds.push(n);
  return bounds;
}

interface Edges {
  lo: number;
  hi: number;
}

function outerEdges(
  bins: number,
  min: number,
  max: number,
  dataMin: () => [number, number],
): Edges {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`Expected bins to be an integer >= 1, but found ${bins}`);
  }
  if (!(min <= max)) {
    throw new RangeError(`Expected max to be larger than min, but found min ${min}, max ${max}`);
  }
  let lo = min;
  let hi = max;
  if (lo === hi) [lo, hi] = dataMin();
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  return { lo: f32(lo), hi: f32(hi) };
}

function binOf(x: number, bins: number, e: Edges): number {
  const v = f32(x);
  if (!(v >= e.lo && v <= e.hi)) return -1;
  const pos = Math.trunc(f32(f32(f32(v - e.lo) * bins) / f32(e.hi - e.lo)));
  return pos === bins ? bins - 1 : pos;
}

function combine(partials: number[][], bins: number, threads: number): number[] {
  // thread_histograms has get_num_threads() rows; unused rows stay 0
  const rows = Math.max(threads, partials.length);
  const flat = new Float32Array(rows * bins);
  partials.forEach((p, k) => {
    for (let b = 0; b < bins; b++) flat[k * bins + b] = Math.min(p[b], STICK);
  });
  return torchColumnSums32(flat, rows, bins);
}

/**
 * `torch.histc(x.float(), bins, min, max)` on the CPU with `threads` threads, exactly: each
 * thread's chunk counts in float32 (a bin stops at 2^24) and the chunks' bins are added in
 * float32. With every bin below 2^24 the result is the exact count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchHistc32 } from "./torch_histc.ts";
 * assert.deepEqual(torchHistc32([0, 1, 1, 2, 5, -1], 3, 0, 2), [1, 2, 1]); // 5 and -1 dropped
 * assert.deepEqual(torchHistc32([1, 2, 3], 4, 0, 0), [1, 0, 1, 1]); // min == max: data range
 * ```
 *
 * @param values The input, flattened in memory order (rounded to float32 first).
 * @param bins Number of bins.
 * @param min Lower edge (`min == max`: the data's minimum and maximum, widened by 1 if equal).
 * @param max Upper edge (included in the last bin).
 * @param options Thread count.
 * @returns One float32 count per bin.
 */
export function torchHistc32(
  values: ArrayLike<number>,
  bins: number,
  min = 0,
  max = 0,
  options: TorchHistcOptions = {},
): number[] {
  const threads = options.threads ?? 1;
  checkThreads(threads);
  const edges = outerEdges(bins, min, max, () => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = f32(values[i]);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return values.length === 0 ? [0, 0] : [lo, hi];
  });
  const bounds = torchParallelChunks(values.length, GRAIN_SIZE, threads);
  const partials: number[][] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const p = new Array<number>(bins).fill(0);
    for (let i = bounds[k]; i < bounds[k + 1]; i++) {
      const b = binOf(values[i], bins, edges);
      if (b >= 0) p[b]++;
    }
    partials.push(p);
  }
  return combine(partials, bins, threads);
}

/**
 * {@linkcode torchHistc32} of an input given as runs of equal values (`[value, length]`, in
 * memory order): the same result without materialising the array, for inputs of billions of
 * pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchHistcRuns32 } from "./torch_histc.ts";
 * // 16,777,219 zeros: one thread sticks at 2^24; two threads add 8388610 + 8388609 in float32
 * assert.deepEqual(torchHistcRuns32([[0, 16777219]], 3, 0, 2), [16777216, 0, 0]);
 * assert.deepEqual(torchHistcRuns32([[0, 16777219]], 3, 0, 2, { threads: 2 }), [16777220, 0, 0]);
 * ```
 *
 * @param runs `[value, length]` pairs; lengths are integers >= 0.
 * @param bins Number of bins.
 * @param min Lower edge (`min == max`: the data's range).
 * @param max Upper edge.
 * @param options Thread count.
 * @returns One float32 count per bin.
 */
export function torchHistcRuns32(
  runs: ArrayLike<ValueRun>,
  bins: number,
  min = 0,
  max = 0,
  options: TorchHistcOptions = {},
): number[] {
  const threads = options.threads ?? 1;
  checkThreads(threads);
  let n = 0;
  for (let r = 0; r < runs.length; r++) {
    const len = runs[r][1];
    if (!Number.isSafeInteger(len) || len < 0) {
      throw new RangeError(`Expected run ${r} to have an integer length >= 0, but found ${len}`);
    }
    n += len;
  }
  const edges = outerEdges(bins, min, max, () => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = 0; r < runs.length; r++) {
      if (runs[r][1] === 0) continue;
      const v = f32(runs[r][0]);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return n === 0 ? [0, 0] : [lo, hi];
  });
  const bounds = torchParallelChunks(n, GRAIN_SIZE, threads);
  const partials = Array.from({ length: bounds.length - 1 }, () => new Array<number>(bins).fill(0));
  let start = 0;
  let k = 0;
  for (let r = 0; r < runs.length; r++) {
    const [value, len] = runs[r];
    const end = start + len;
    const b = binOf(value, bins, edges);
    if (b >= 0) {
      let s = start;
      while (s < end) {
        while (bounds[k + 1] <= s) k++;
        const e = Math.min(end, bounds[k + 1]);
        partials[k][b] += e - s;
        s = e;
      }
    }
    start = end;
    while (k + 1 < bounds.length - 1 && bounds[k + 1] <= start) k++;
  }
  return combine(partials, bins, threads);
}

/**
 * The fast path of {@linkcode torchHistc32} from per-bin counts alone, where the input's order
 * cannot matter: every count at most 2^24 (the exact count), or one thread (each count capped at
 * 2^24). Several threads with a count above 2^24 depend on where the values sit: a `RangeError`
 * asks for the values ({@linkcode torchHistc32}) or their runs ({@linkcode torchHistcRuns32}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchHistcFromCounts32 } from "./torch_histc.ts";
 * assert.deepEqual(torchHistcFromCounts32([3, 2 ** 24 + 5]), [3, 2 ** 24]);
 * assert.deepEqual(torchHistcFromCounts32([3, 2 ** 24], { threads: 4 }), [3, 2 ** 24]);
 * ```
 *
 * @param counts Exact number of input values in each bin.
 * @param options Thread count.
 * @returns One float32 count per bin.
 */
export function torchHistcFromCounts32(
  counts: ArrayLike<number>,
  options: TorchHistcOptions = {},
): number[] {
  const threads = options.threads ?? 1;
  checkThreads(threads);
  const out: number[] = [];
  for (let b = 0; b < counts.length; b++) {
    const c = counts[b];
    if (!Number.isSafeInteger(c) || c < 0) {
      throw new RangeError(`Expected counts[${b}] to be an integer >= 0, but found ${c}`);
    }
    if (c > STICK && threads > 1) {
      throw new RangeError(
        `Expected every count <= 2^24 with ${threads} threads, but found ${c} in bin ${b}: ` +
          "the result depends on the input order, pass the values or their runs",
      );
    }
    out.push(Math.min(c, STICK));
  }
  return out;
}
