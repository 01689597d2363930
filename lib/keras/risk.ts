/**
 * Predicting, without the data, whether float32 confusion-matrix counting (tf.keras 2.x, Keras
 * 3.0-3.7, or any Keras 3 `MeanIoU(dtype="float32")`) loses counts, from which batch, and by
 * how much; and whether the int32 state of Keras 3.8+ on JAX, torch and numpy wraps.
 *
 * The facts it rests on (docs/keras.md: Keras 3.0-3.7 float32 counts, compiled mode): with unit weights a float32 cell
 * of one batch's matrix holds `min(n, 2^24)` for n pixels; eager Keras then adds the batch
 * matrix to the float32 total with round-to-nearest-even (`f32(total + batch)`), while a
 * compiled update (XLA: JAX always, TensorFlow with `jit_compile=True`) adds pixel by pixel onto
 * the total, which therefore freezes at 2^24 = 16,777,216 for good.
 *
 * The model: each true class c covers a share `f_c` of every image, and a share `accuracy` of
 * those pixels is predicted right, so the diagonal cell (c, c) gets
 * `round(f_c * accuracy * imagePixels)` pixels per image (the largest cells of a useful model).
 * The cells are simulated batch by batch with `Math.fround`, so the "expected" figures are exact
 * for data that follows the model. The "worst case" puts the dominant cell's pixels into as few
 * full batches as possible (a batch entirely of that cell), which maximises the loss within
 * batches, and adds half an ulp (at the cell's final magnitude) of rounding for every eager
 * batch addition: a bound, not an estimate.
 *
 * @module
 */

import { compiledRisk } from "./compiled_risk.ts";

/**
 * 2^24: the last integer from which float32 can still count up by one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FLOAT32_EXACT_LIMIT } from "./risk.ts";
 * let count = Math.fround(FLOAT32_EXACT_LIMIT - 2);
 * for (let i = 0; i < 4; i++) count = Math.fround(count + 1);
 * assert.equal(count, FLOAT32_EXACT_LIMIT); // two of the four + 1 were lost
 * ```
 */
export const FLOAT32_EXACT_LIMIT = 16777216;
/**
 * 2^31 - 1: the largest int32 count; one more wraps around to -2^31.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { INT32_COUNT_MAX } from "./risk.ts";
 * assert.equal(Int32Array.of(INT32_COUNT_MAX)[0], INT32_COUNT_MAX);
 * assert.equal(Int32Array.of(INT32_COUNT_MAX + 1)[0], -(2 ** 31));
 * ```
 */
export const INT32_COUNT_MAX = 2147483647;

/** Inputs of {@linkcode float32Risk}. */
export interface RiskInput {
  /** Number of images evaluated (one pass, e.g. one validation run or epoch). */
  numImages: number;
  /** Pixels per image (height x width). */
  imagePixels: number;
  /** Images per `update_state` call (the batch size of `fit`/`evaluate`). */
  batchSize: number;
  /** Number of classes. */
  numClasses: number;
  /**
   * Share of counted pixels per true class (normalised to sum 1). Default: the worst case, all
   * pixels in class 0 (one cell gets everything).
   */
  classFrequencies?: readonly number[];
  /** Share of each class's pixels predicted right, in (0, 1]. Default 1. */
  accuracy?: number;
}

/** What happens to one diagonal cell. */
export interface CellRisk {
  /** The true (and predicted) class. */
  class: number;
  /** Pixels the cell gets per full batch under the model. */
  perBatch: number;
  /** Exact count after all batches. */
  exact: number;
  /** Float32 eager Keras count after all batches (simulated). */
  eager: number;
  /** Float32 compiled (XLA) Keras count after all batches (simulated). */
  compiled: number;
  /** 1-based batch after which the eager count first differs from the exact one, or null. */
  eagerFirstLossBatch: number | null;
  /** 1-based batch during which the compiled count freezes at 2^24, or null. */
  compiledFreezeBatch: number | null;
  /** 1-based batch after which an int32 count (Keras 3.8+ on JAX/torch/numpy) wraps, or null. */
  int32WrapBatch: number | null;
  /** 1-based batch after which the exact count passes 2^24 (eager rounding can start), or null. */
  eagerFirstRiskBatch: number | null;
}

/** The result of {@linkcode float32Risk}. */
export interface RiskReport {
  /** Number of `update_state` calls: ceil(numImages / batchSize). */
  numBatches: number;
  /** Pixels per full batch. */
  pixelsPerBatch: number;
  /** Total pixels. */
  pixels: number;
  /**
   * Whether eager float32 counting can lose counts: a batch can saturate a cell, or a cell's
   * total passes 2^24, from where each batch addition is rounded unless the batch count happens
   * to be a multiple of the float32 spacing (the model's identical images can hide this, so
   * this flag does not rely on the simulated error).
   */
  eagerLoses: boolean;
  /** 1-based batch after which some cell's eager total first passes 2^24, or null. */
  eagerFirstRiskBatch: number | null;
  /** Whether float32 counting loses counts under the model, compiled (XLA) loop. */
  compiledLoses: boolean;
  /** Whether one batch can put more than 2^24 pixels into one cell (pixelsPerBatch > 2^24). */
  withinBatchSaturationPossible: boolean;
  /** The largest batch size whose batches can never saturate a cell: floor(2^24 / imagePixels). */
  safeBatchSize: number;
  /**
   * 1-based batch from which some cell's float32 total can exceed 2^24 under the model (eager
   * rounding and compiled freezing both start here), or null if no cell gets there.
   */
  firstRiskBatch: number | null;
  /** 1-based batch after which some eager cell first differs from exact, or null. */
  eagerFirstLossBatch: number | null;
  /** 1-based batch in which the first compiled cell freezes, or null. */
  compiledFreezeBatch: number | null;
  /** 1-based batch after which the first int32 cell wraps (Keras 3.8+ JAX/torch/numpy), or null. */
  int32WrapBatch: number | null;
  /** Simulated diagonal cells, one per class with a non-zero share. */
  cells: CellRisk[];
  /**
   * Largest |eager - exact| over the cells under the model (identical images: batch counts
   * are often multiples of the float32 spacing, so real data usually loses more, up to
   * `eagerWorstCase`).
   */
  eagerError: number;
  /** Largest |compiled - exact| over the cells under the model. */
  compiledError: number;
  /**
   * Upper bound on |eager - exact| for the dominant cell, however its pixels are spread over the
   * batches: the within-batch saturation of full batches of that cell, plus half an ulp for each
   * batch addition.
   */
  eagerWorstCase: number;
  /** |compiled - exact| bound for the dominant cell: max(0, its total - 2^24). */
  compiledWorstCase: number;
  /**
   * Mean IoU after the last batch under the model, as exact float64, eager Keras 3.7 and
   * compiled Keras 3.7 report it (every batch full; the wrong predictions of a class spread
   * evenly over the other classes). With `accuracy` 1 every IoU is 1 whatever the counts, so
   * pass the model's real accuracy to see the effect on the metric.
   */
  meanIoU: { exact: number; eager: number; compiled: number };
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isSafeInteger(v) || v < min) {
    throw new RangeError(`Expected ${name} to be an integer >= ${min}, but found ${v}`);
  }
}

/** Half the spacing of float32 values at magnitude x (0 below 2^24 for integers). */
function halfUlp(x: number): number {
  if (x < FLOAT32_EXACT_LIMIT) return 0;
  return 2 ** (Math.floor(Math.log2(x)) - 24);
}

/**
 * Simulates one cell: `counts[k]` pixels in batch k (0-based).
 *
 * @param counts pixels of the cell in each batch, in order
 * @returns exact, eager float32 and compiled float32 totals with the batches where they part
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateFloat32Cell } from "./risk.ts";
 * // the Keras issue #20574 numbers: a total of 2^24, then a batch of 1155 pixels
 * const r = simulateFloat32Cell([16777216, 1155]);
 * assert.equal(r.exact, 16778371);
 * assert.equal(r.eager, 16778372);
 * assert.equal(r.compiled, 16777216);
 * assert.equal(r.eagerFirstLossBatch, 2);
 * assert.equal(r.compiledFreezeBatch, 1);
 * ```
 */
export function simulateFloat32Cell(
  counts: readonly number[],
): Omit<CellRisk, "class" | "perBatch"> {
  let exact = 0, eager = 0, compiled = 0;
  let eagerFirst: number | null = null, freeze: number | null = null, wrap: number | null = null;
  let risk: number | null = null;
  for (let k = 0; k < counts.length; k++) {
    const n = counts[k];
    exact += n;
    eager = Math.fround(eager + Math.min(n, FLOAT32_EXACT_LIMIT));
    compiled = Math.min(compiled + n, FLOAT32_EXACT_LIMIT);
    if (eagerFirst === null && eager !== exact) eagerFirst = k + 1;
    if (freeze === null && exact >= FLOAT32_EXACT_LIMIT) freeze = k + 1;
    if (wrap === null && exact > INT32_COUNT_MAX) wrap = k + 1;
    if (risk === null && (exact > FLOAT32_EXACT_LIMIT || n > FLOAT32_EXACT_LIMIT)) risk = k + 1;
  }
  return {
    exact,
    eager,
    compiled,
    eagerFirstLossBatch: eagerFirst,
    compiledFreezeBatch: freeze,
    int32WrapBatch: wrap,
    eagerFirstRiskBatch: risk,
  };
}

/**
 * Predicts float32 count loss of Keras `MeanIoU` for a dataset described by its sizes alone.
 * See the module documentation for the model.
 *
 * @param input dataset size, batch size, classes and class shares
 * @returns the predicted batches and errors
 * @throws {RangeError} for non-integer sizes or bad frequencies
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { float32Risk } from "./risk.ts";
 * // 500 validation images of 512x512 at batch size 8, 60% of the pixels in class 0
 * const r = float32Risk({
 *   numImages: 500, imagePixels: 512 * 512, batchSize: 8, numClasses: 3,
 *   classFrequencies: [0.6, 0.3, 0.1],
 * });
 * assert.equal(r.withinBatchSaturationPossible, false); // 8 * 262144 < 2^24
 * assert.equal(r.compiledLoses, true); // class 0 passes 2^24 pixels in total
 * // class 0 gets round(0.6 * 262144) = 157286 pixels per image, 1258288 per batch:
 * // its total reaches 2^24 during batch ceil(2^24 / 1258288) = 14
 * assert.equal(r.compiledFreezeBatch, 14);
 * ```
 */
export function float32Risk(input: RiskInput): RiskReport {
  const { numImages, imagePixels, batchSize, numClasses } = input;
  checkInt("numImages", numImages, 1);
  checkInt("imagePixels", imagePixels, 1);
  checkInt("batchSize", batchSize, 1);
  checkInt("numClasses", numClasses, 2);
  const accuracy = input.accuracy ?? 1;
  if (!(accuracy > 0 && accuracy <= 1)) {
    throw new RangeError(`Expected accuracy in (0, 1], but found ${accuracy}`);
  }
  let freqs = input.classFrequencies ?? [1];
  if (freqs.length > numClasses) {
    throw new RangeError(
      `Expected at most ${numClasses} class frequencies, but found ${freqs.length}`,
    );
  }
  if (!freqs.every((f) => f >= 0 && f < Infinity)) {
    throw new RangeError(`Expected class frequencies >= 0, but found ${freqs.join(", ")}`);
  }
  const sum = freqs.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) throw new RangeError("Expected class frequencies with a positive sum");
  freqs = freqs.map((f) => f / sum);
  const pixels = numImages * imagePixels;
  if (!Number.isSafeInteger(pixels)) {
    throw new RangeError(`Expected fewer than 2^53 pixels, but found ${pixels}`);
  }
  const numBatches = Math.ceil(numImages / batchSize);
  const cells: CellRisk[] = [];
  for (let c = 0; c < freqs.length; c++) {
    const perImage = Math.round(freqs[c] * accuracy * imagePixels);
    if (perImage === 0) continue;
    const counts: number[] = [];
    for (let k = 0; k < numBatches; k++) {
      counts.push(perImage * Math.min(batchSize, numImages - k * batchSize));
    }
    cells.push({ class: c, perBatch: perImage * batchSize, ...simulateFloat32Cell(counts) });
  }
  const first = (pick: (c: CellRisk) => number | null) => {
    const xs = cells.map(pick).filter((x): x is number => x !== null);
    return xs.length === 0 ? null : Math.min(...xs);
  };
  const eagerError = Math.max(0, ...cells.map((c) => Math.abs(c.eager - c.exact)));
  const compiledError = Math.max(0, ...cells.map((c) => Math.abs(c.compiled - c.exact)));
  // worst case for the dominant cell: its pixels arrive in full batches of one class (the most
  // within-batch saturation), and every one of the numBatches eager additions rounds by half an
  // ulp of the largest total (at most the dominant cell's exact count)
  const dominant = Math.max(...cells.map((c) => c.exact));
  const pixelsPerBatch = batchSize * imagePixels;
  const fullBatches = Math.floor(dominant / pixelsPerBatch);
  const saturation = pixelsPerBatch > FLOAT32_EXACT_LIMIT
    ? fullBatches * (pixelsPerBatch - FLOAT32_EXACT_LIMIT) +
      Math.max(0, dominant - fullBatches * pixelsPerBatch - FLOAT32_EXACT_LIMIT)
    : 0;
  const worst = saturation + numBatches * halfUlp(dominant);
  // the model's full-batch confusion matrix, through the Keras 3.7 emulation
  const C = numClasses;
  const batchCounts = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  for (let c = 0; c < freqs.length; c++) {
    const n = freqs[c] * pixelsPerBatch;
    batchCounts[c][c] = Math.round(n * accuracy);
    for (let j = 0; j < C; j++) {
      if (j !== c) batchCounts[c][j] = Math.round((n * (1 - accuracy)) / (C - 1));
    }
  }
  const sim = compiledRisk(batchCounts, numBatches, { version: "3.7.0", every: numBatches });
  return {
    numBatches,
    pixelsPerBatch,
    pixels,
    eagerLoses: worst > 0,
    eagerFirstRiskBatch: first((c) => c.eagerFirstRiskBatch),
    compiledLoses: compiledError > 0,
    withinBatchSaturationPossible: pixelsPerBatch > FLOAT32_EXACT_LIMIT,
    safeBatchSize: Math.floor(FLOAT32_EXACT_LIMIT / imagePixels),
    firstRiskBatch: first((c) => c.compiledFreezeBatch),
    eagerFirstLossBatch: first((c) => c.eagerFirstLossBatch),
    compiledFreezeBatch: first((c) => c.compiledFreezeBatch),
    int32WrapBatch: first((c) => c.int32WrapBatch),
    cells,
    eagerError,
    compiledError,
    eagerWorstCase: worst,
    compiledWorstCase: Math.max(0, dominant - FLOAT32_EXACT_LIMIT),
    meanIoU: { exact: sim.final.exact, eager: sim.final.eager, compiled: sim.final.compiled },
  };
}
