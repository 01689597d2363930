/**
 * The input generator of the real-Keras golden files (`golden/keras/README.md`): a counter-based
 * hash (lowbias32) turned into labels, predictions and weights, so that every batch of a golden
 * scenario can be regenerated from a few parameters, in any language, with all arithmetic mod
 * 2^32.
 *
 * @module
 */

/** The `generator` parameters stored with a golden scenario. */
export interface GoldenGeneratorParams {
  /** Number of classes. */
  readonly K: number;
  /** Number of batches. */
  readonly batches: number;
  /** Shape of one batch of labels (C order). */
  readonly batch_shape: readonly number[];
  /** Seeds of the streams: true category, "correct" coin, prediction, weight. */
  readonly sT: number;
  /** Seed of the "prediction is right" coin stream. */
  readonly sC: number;
  /** Seed of the wrong-prediction stream. */
  readonly sP: number;
  /** Seed of the weight stream (only with `weights`). */
  readonly sW?: number;
  /** Relative frequencies of the true categories (one more than K with a void category). */
  readonly wT: readonly number[];
  /** Per class: probability * 2^24 that the prediction equals the true class. */
  readonly acc: readonly number[];
  /** Relative frequencies of the predicted class when the prediction is not "correct". */
  readonly wP: readonly number[];
  /** Weight values drawn uniformly per pixel (only when present). */
  readonly weights?: readonly number[];
  /** NumPy dtype the weights were passed to Keras as. */
  readonly weights_dtype?: string;
  /** Label written for each category (defaults to the identity). */
  readonly labels_true?: readonly number[];
  /** The category that is never predicted "correctly" (a void label). */
  readonly void_category?: number;
}

/** One regenerated batch: labels as given to Keras (int64 arrays) and optional weights. */
export interface GoldenBatch {
  /** True labels, as passed to Keras (int64 arrays). */
  readonly yTrue: Int32Array;
  /** Predicted labels. */
  readonly yPred: Int32Array;
  /** Weights per pixel, or null. */
  readonly sampleWeight: Float64Array | null;
  /** Dimensions; their product is the number of values. */
  readonly shape: readonly number[];
}

/**
 * The lowbias32 integer hash (Chris Wellons), on uint32.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lowbias32 } from "./golden_generator.ts";
 * assert.equal(lowbias32(0), 0);
 * assert.equal(lowbias32(1) >>> 0, lowbias32(1));
 * ```
 */
export function lowbias32(x: number): number {
  x = x >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Uniform 24-bit integer of stream `s` at position `i`: `lowbias32(i + s * 0x9E3779B9) >>> 8`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { u24 } from "./golden_generator.ts";
 * const v = u24(11, 0);
 * assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 24);
 * ```
 */
export function u24(s: number, i: number): number {
  return lowbias32((i + Math.imul(s, 0x9e3779b9)) >>> 0) >>> 8;
}

/**
 * Integer cumulative thresholds of relative frequencies `w`: `floor(2^24 * (w0 + .. + wk) / sum)`
 * for k = 0 .. len(w) - 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cdf24 } from "./golden_generator.ts";
 * assert.deepEqual(cdf24([1, 1]), [8388608]);
 * ```
 */
export function cdf24(w: readonly number[]): number[] {
  let total = 0;
  for (const x of w) total += x;
  const out: number[] = [];
  let cum = 0;
  for (let k = 0; k < w.length - 1; k++) {
    cum += w[k];
    out.push(Math.floor((16777216 * cum) / total));
  }
  return out;
}

/**
 * `#{k : u >= cdf[k]}`: the category a 24-bit uniform falls in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pick24 } from "./golden_generator.ts";
 * assert.equal(pick24(0, [8388608]), 0);
 * assert.equal(pick24(8388608, [8388608]), 1);
 * ```
 */
export function pick24(u: number, cdf: readonly number[]): number {
  let c = 0;
  for (let k = 0; k < cdf.length; k++) if (u >= cdf[k]) c++;
  return c;
}

/**
 * Regenerates batch `b` of a golden scenario (position `i = b * N + j`, N = elements per batch).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateGoldenBatch } from "./golden_generator.ts";
 * const params = { K: 3, batches: 1, batch_shape: [2, 2], sT: 11, sC: 12, sP: 13,
 *   wT: [1, 1, 1], acc: [10066329, 10066329, 10066329], wP: [1, 1, 1] };
 * const batch = generateGoldenBatch(params, 0);
 * assert.equal(batch.yTrue.length, 4);
 * assert.ok(batch.yPred.every((v) => v >= 0 && v < 3));
 * ```
 */
export function generateGoldenBatch(params: GoldenGeneratorParams, b: number): GoldenBatch {
  let n = 1;
  for (const d of params.batch_shape) n *= d;
  const cdfT = Int32Array.from(cdf24(params.wT));
  const cdfP = Int32Array.from(cdf24(params.wP));
  const nT = cdfT.length;
  const nP = cdfP.length;
  const labels = Int32Array.from(params.labels_true ?? params.wT.map((_, k) => k));
  const acc = Float64Array.from(params.acc);
  const voidCat = params.void_category ?? -1;
  const yTrue = new Int32Array(n);
  const yPred = new Int32Array(n);
  const ws = params.weights;
  const sampleWeight = ws ? new Float64Array(n) : null;
  const offT = Math.imul(params.sT, 0x9e3779b9);
  const offC = Math.imul(params.sC, 0x9e3779b9);
  const offP = Math.imul(params.sP, 0x9e3779b9);
  const offW = Math.imul(params.sW ?? 0, 0x9e3779b9);
  const base = b * n;
  for (let j = 0; j < n; j++) {
    const i = base + j;
    const uT = lowbias32((i + offT) >>> 0) >>> 8;
    let cat = 0;
    for (let k = 0; k < nT; k++) if (uT >= cdfT[k]) cat++;
    yTrue[j] = labels[cat];
    if (cat !== voidCat && (lowbias32((i + offC) >>> 0) >>> 8) < acc[cat]) yPred[j] = cat;
    else {
      const uP = lowbias32((i + offP) >>> 0) >>> 8;
      let c = 0;
      for (let k = 0; k < nP; k++) if (uP >= cdfP[k]) c++;
      yPred[j] = c;
    }
    if (sampleWeight !== null && ws) {
      sampleWeight[j] =
        ws[Math.floor(((lowbias32((i + offW) >>> 0) >>> 8) * ws.length) / 16777216)];
    }
  }
  return { yTrue, yPred, sampleWeight, shape: params.batch_shape.slice() };
}
