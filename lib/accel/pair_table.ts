/**
 * The raw pair table shared by the accelerated backends (workers, tfjs, WebGPU).
 *
 * An accelerated kernel does not apply the counting policies itself. It maps every label to a
 * small code and counts code pairs in a `(C + 2) x (C + 1)` table:
 *
 * - true codes: `0..C-1` a class, `C` out of range, `C + 1` ignored (`ignoreIndex`);
 * - predicted codes: `0..C-1` a class, `C` out of range.
 *
 * The table is then folded into a {@link ConfusionMatrix} by {@link foldPairTable}, which asks the
 * core's own policy code (`ConfusionMatrix.update` on one probe pair per kind of cell) where an
 * out-of-range pair goes, so the accelerated paths apply exactly the plain policies.
 *
 * @module
 */
import { histogramUint8 } from "../core/pair_counts.ts";
import { ConfusionMatrix } from "../core/confusion_matrix.ts";
import type { LabelArray } from "../core/labels.ts";

/** Integer label arrays that the accelerated kernels read directly. */
export type IntegerLabels = Uint8Array | Uint16Array | Int32Array;

/** How labels are mapped to codes for one count (see the module doc). */
export interface PairCoding {
  /** Number of classes C. */
  readonly numClasses: number;
  /** Number of predicted codes, C + 1 (the row length of the table). */
  readonly width: number;
  /** Number of true codes, C + 2. */
  readonly height: number;
  /** Integer true labels that are ignored (empty when none). */
  readonly ignore: readonly number[];
}

/**
 * Largest class count the accelerated kernels take (their table has (C + 2)(C + 1) cells); above
 * it {@linkcode pairCoding} returns `null` and the counting falls back to the plain path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_ACCELERATED_CLASSES, pairCoding } from "./pair_table.ts";
 * assert.equal(pairCoding(MAX_ACCELERATED_CLASSES, [])?.width, MAX_ACCELERATED_CLASSES + 1);
 * assert.equal(pairCoding(MAX_ACCELERATED_CLASSES + 1, []), null);
 * ```
 */
export const MAX_ACCELERATED_CLASSES: number = 4096;

/**
 * Builds the coding for `numClasses` classes and the given ignored true labels, or returns
 * `null` when an ignored value is not an int32 integer or `numClasses` is above
 * {@link MAX_ACCELERATED_CLASSES} (the accelerated paths then defer to the plain path).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairCoding } from "./pair_table.ts";
 * const c = pairCoding(3, [255]);
 * assert.deepEqual([c?.width, c?.height, c?.ignore], [4, 5, [255]]);
 * ```
 */
export function pairCoding(numClasses: number, ignore: readonly number[]): PairCoding | null {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new RangeError(`Expected numClasses to be an integer >= 2, but found ${numClasses}`);
  }
  if (numClasses > MAX_ACCELERATED_CLASSES) return null;
  for (const v of ignore) if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) return null;
  return {
    numClasses,
    width: numClasses + 1,
    height: numClasses + 2,
    ignore: [...new Set(ignore)],
  };
}

/**
 * The true-label code of one integer value `v` (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairCoding, trueCode } from "./pair_table.ts";
 * const c = pairCoding(3, [255])!;
 * assert.deepEqual([0, 2, 3, -1, 255].map((v) => trueCode(c, v)), [0, 2, 3, 3, 4]);
 * ```
 */
export function trueCode(coding: PairCoding, v: number): number {
  if (coding.ignore.includes(v)) return coding.numClasses + 1;
  return v >= 0 && v < coding.numClasses ? v : coding.numClasses;
}

/**
 * The predicted-label code of one integer value `v` (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairCoding, predCode } from "./pair_table.ts";
 * const c = pairCoding(3, [255])!;
 * assert.deepEqual([0, 2, 3, -1, 255].map((v) => predCode(c, v)), [0, 2, 3, 3, 3]);
 * ```
 */
export function predCode(coding: PairCoding, v: number): number {
  return v >= 0 && v < coding.numClasses ? v : coding.numClasses;
}

/**
 * Returns the labels as an integer typed array the kernels can read (the array itself when it
 * is already a `Uint8Array`, `Uint16Array` or `Int32Array`), or `null` when some value is not an
 * int32 integer (NaN, 1.5, 2^40): the caller then uses the plain path, which owns those rules.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toIntegerLabels } from "./pair_table.ts";
 * assert.deepEqual(toIntegerLabels([1, -2, 3]), new Int32Array([1, -2, 3]));
 * assert.equal(toIntegerLabels(new Float32Array([0.5])), null);
 * ```
 */
export function toIntegerLabels(labels: LabelArray): IntegerLabels | null {
  if (
    labels instanceof Uint8Array || labels instanceof Uint16Array || labels instanceof Int32Array
  ) {
    return labels;
  }
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if ((v | 0) !== v) return null; // NaN, non-integers, values outside int32 (and -0 is fine)
    out[i] = v;
  }
  return out;
}

/**
 * A representative out-of-range integer for `coding`: the smallest integer >= C that is not
 * ignored. The fold probes the core's policy with it.
 */
function outOfRangeValue(coding: PairCoding): number {
  let v = coding.numClasses;
  while (coding.ignore.includes(v)) v++;
  return v;
}

/**
 * Folds a raw pair table (row-major, `height x width`, exact integer counts) into `cm` with the
 * core's policies, all at once through `ConfusionMatrix.addCounts`, and returns `true`.
 *
 * Pairs of two classes are counted as they are and ignored rows are dropped. For pairs with an
 * out-of-range label, probe pairs are passed to the core's own `ConfusionMatrix.update` (with
 * `cm`'s options) to learn where such a pixel goes. If every probe is dropped or lands in
 * `missed()` of its true class, the counts follow. If a probe throws (policy `"error"`) or lands
 * anywhere else, nothing is guessed: the function adds nothing and returns `false`, and the caller
 * runs the plain path on the real input (which throws the core's own error, or counts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { foldPairTable, pairCoding } from "./pair_table.ts";
 * const coding = pairCoding(2, [])!;
 * // rows: true 0, true 1, true out of range, ignored; columns: pred 0, pred 1, out of range
 * const table = [5, 1, 2, 0, 3, 0, 4, 0, 0, 0, 0, 0];
 * const cm = new ConfusionMatrix(2, { outOfRange: "drop" });
 * assert.equal(foldPairTable(cm, table, coding), true);
 * assert.deepEqual([...cm.counts()], [5, 1, 0, 3]);
 * // under "error" the out-of-range pairs are refused and cm is left as it was
 * const strict = new ConfusionMatrix(2, { outOfRange: "error" });
 * assert.equal(foldPairTable(strict, table, coding), false);
 * assert.equal(strict.total, 0);
 * ```
 */
export function foldPairTable(
  cm: ConfusionMatrix,
  table: ArrayLike<number>,
  coding: PairCoding,
): boolean {
  const C = coding.numClasses, W = coding.width, H = coding.height;
  if (cm.numClasses !== C) {
    throw new RangeError(
      `Expected a ConfusionMatrix with ${C} classes, but found ${cm.numClasses}`,
    );
  }
  if (table.length !== H * W) {
    throw new RangeError(`Expected a pair table of length ${H * W}, but found ${table.length}`);
  }
  const counts = new Float64Array(C * C);
  const missed = new Float64Array(C);
  for (let t = 0; t < C; t++) {
    for (let p = 0; p < C; p++) counts[t * C + p] = table[t * W + p];
  }
  // Pairs with an out-of-range label: (class t, pred out of range) and (true out of range, any).
  let predOut = 0, trueOut = 0;
  for (let t = 0; t < C; t++) predOut += table[t * W + C];
  for (let p = 0; p <= C; p++) trueOut += table[C * W + p];
  if (predOut > 0 || trueOut > 0) {
    const oor = outOfRangeValue(coding);
    const options = { ignoreIndex: cm.ignoreIndex, outOfRange: cm.outOfRange };
    if (predOut > 0) {
      // one probe per true class: (t, out of range)
      const probe = new ConfusionMatrix(C, options);
      const yt = new Int32Array(C), yp = new Int32Array(C).fill(oor);
      for (let t = 0; t < C; t++) yt[t] = t;
      try {
        probe.update(yt, yp);
      } catch {
        return false;
      }
      const pm = probe.missed();
      if (!probe.counts().every((v) => v === 0)) return false;
      for (let t = 0; t < C; t++) {
        if (pm[t] === 1) missed[t] += table[t * W + C];
        else if (pm[t] !== 0) return false;
      }
    }
    if (trueOut > 0) {
      // probes (out of range, p) for every predicted code: these must all be dropped
      const probe = new ConfusionMatrix(C, options);
      const yt = new Int32Array(C + 1).fill(oor), yp = new Int32Array(C + 1);
      for (let p = 0; p < C; p++) yp[p] = p;
      yp[C] = oor;
      try {
        probe.update(yt, yp);
      } catch {
        return false;
      }
      if (probe.total !== 0) return false;
    }
  }
  cm.addCounts(counts, missed);
  return true;
}

/**
 * Counts the code pairs of `yTrue[start..end)` and `yPred[start..end)` into `table` (row-major,
 * `height x width`, see the module doc), single-threaded. This is the host kernel of the workers
 * backend and the reference for the device kernels' coding. Counts are added to `table`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countPairTable, pairCoding } from "./pair_table.ts";
 * const coding = pairCoding(2, [255])!;
 * const table = new Float64Array(coding.height * coding.width);
 * countPairTable(new Uint8Array([0, 1, 255, 7]), new Uint8Array([1, 1, 0, 0]), coding, table);
 * // (0,1), (1,1), ignored, (out of range, 0)
 * assert.deepEqual([...table], [0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0]);
 * ```
 */
export function countPairTable(
  yTrue: IntegerLabels,
  yPred: IntegerLabels,
  coding: PairCoding,
  table: Float64Array,
  start = 0,
  end: number = yTrue.length,
): Float64Array {
  const C = coding.numClasses, W = coding.width;
  if (table.length !== coding.height * W) {
    throw new RangeError(
      `Expected a table of length ${coding.height * W}, but found ${table.length}`,
    );
  }
  if (yTrue instanceof Uint8Array && yPred instanceof Uint8Array) {
    // the counter owns the byte histogram and when it must be folded
    const counter = new PairTableCounter(coding);
    counter.add(yTrue, yPred, start, end);
    const counted = counter.finish();
    for (let k = 0; k < counted.length; k++) table[k] += counted[k];
    return table;
  }
  const ig = coding.ignore, nIg = ig.length, ig0 = nIg > 0 ? ig[0] : 0;
  const ignoredRow = (C + 1) * W;
  for (let i = start; i < end; i++) {
    const t = yTrue[i], p = yPred[i];
    let row = (t >>> 0) < C ? t * W : C * W;
    if (nIg !== 0 && (t === ig0 || (nIg > 1 && ig.includes(t)))) row = ignoredRow;
    table[row + ((p >>> 0) < C ? p : C)]++;
  }
  return table;
}

/**
 * Counts the code pairs of many ranges, one after another, into one pair table: what each thread
 * of the workers backend keeps while it takes chunk after chunk. Byte labels go to a raw 256 x 256
 * `u32` histogram that is folded into the table only before a bin could pass 2^31 and at
 * {@linkcode PairTableCounter.finish}, so a chunk costs its pixels and nothing more; other label
 * types are counted straight into the table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countPairTable, pairCoding, PairTableCounter } from "./pair_table.ts";
 * const coding = pairCoding(2, [255])!;
 * const yt = new Uint8Array([0, 1, 255, 7, 1, 1]), yp = new Uint8Array([1, 1, 0, 0, 0, 1]);
 * const counter = new PairTableCounter(coding);
 * counter.add(yt, yp, 0, 4);
 * counter.add(yt, yp, 4, 6);
 * const whole = countPairTable(yt, yp, coding, new Float64Array(12));
 * assert.deepEqual([...counter.finish()], [...whole]);
 * ```
 */
export class PairTableCounter {
  /** The coding the table follows. */
  readonly coding: PairCoding;
  #table: Float64Array<ArrayBuffer>;
  #hist: Uint32Array | null = null;
  /** Pixels in the byte histogram since it was last folded. */
  #pending = 0;

  /**
   * A counter with an all-zero table for `coding`. `scratch`, a 65,536-bin histogram kept by
   * the caller for its next counters (it is cleared here), spares a fresh 256 KiB allocation.
   */
  constructor(coding: PairCoding, scratch?: Uint32Array) {
    if (scratch !== undefined && scratch.length !== 65536) {
      throw new RangeError(
        `Expected a scratch histogram of length 65536, but found ${scratch.length}`,
      );
    }
    this.coding = coding;
    this.#table = new Float64Array(coding.height * coding.width);
    this.#hist = scratch?.fill(0) ?? null;
  }

  /** Adds the pairs of `yTrue[start..end)` and `yPred[start..end)`. */
  add(yTrue: IntegerLabels, yPred: IntegerLabels, start = 0, end: number = yTrue.length): void {
    if (!(yTrue instanceof Uint8Array && yPred instanceof Uint8Array)) {
      countPairTable(yTrue, yPred, this.coding, this.#table, start, end);
      return;
    }
    this.#hist ??= new Uint32Array(65536);
    for (let s = start; s < end; s += HIST_LIMIT) {
      const e = Math.min(end, s + HIST_LIMIT);
      if (this.#pending + (e - s) > HIST_LIMIT) this.#fold();
      histogramUint8(yTrue, yPred, s, e, this.#hist);
      this.#pending += e - s;
    }
  }

  /** Folds what is pending and returns the table (exact integer counts, float64). */
  finish(): Float64Array<ArrayBuffer> {
    this.#fold();
    return this.#table;
  }

  #fold(): void {
    if (this.#hist !== null && this.#pending > 0) {
      foldByteHistogram(this.#hist, this.coding, this.#table);
    }
    this.#pending = 0;
  }
}

/** Pixels a u32 byte-pair histogram takes before it is folded (far from 2^32). */
const HIST_LIMIT = 2 ** 31;

/**
 * Adds a raw 256 x 256 byte-pair histogram (`hist[(t << 8) | p]`) to the code table and clears
 * it. Shared by the workers and the tfjs byte path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foldByteHistogram, pairCoding } from "./pair_table.ts";
 * const coding = pairCoding(2, [255])!;
 * const hist = new Uint32Array(65536);
 * hist[(1 << 8) | 0] = 3; // (1, 0) x 3
 * hist[(255 << 8) | 1] = 2; // ignored
 * hist[(0 << 8) | 9] = 1; // (0, out of range)
 * const table = foldByteHistogram(hist, coding, new Float64Array(12));
 * assert.deepEqual([...table], [0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 2, 0]);
 * assert.ok(hist.every((v) => v === 0));
 * ```
 */
export function foldByteHistogram(
  hist: { length: number; [k: number]: number },
  coding: PairCoding,
  table: Float64Array,
): Float64Array {
  if (hist.length !== 65536) {
    throw new RangeError(
      `Expected a byte-pair histogram of length 65536, but found ${hist.length}`,
    );
  }
  const pc = new Int32Array(256);
  for (let p = 0; p < 256; p++) pc[p] = predCode(coding, p);
  for (let t = 0; t < 256; t++) {
    const row = trueCode(coding, t) * coding.width;
    for (let p = 0; p < 256; p++) {
      const k = (t << 8) | p;
      const n = hist[k];
      if (n !== 0) {
        table[row + pc[p]] += n;
        hist[k] = 0;
      }
    }
  }
  return table;
}
