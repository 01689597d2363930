/**
 * What a compiled (XLA) training loop would report for a float32 Keras IoU state: the batch at
 * which each float32 cell freezes at 2^24, and eager vs compiled vs exact mean IoU batch after
 * batch, from the pair counts of a typical batch (docs/keras.md, compiled mode).
 *
 * @module
 */

import { FLOAT32_COUNT_LIMIT } from "../float32/keras_sums.ts";
import { MeanIoU } from "./iou_metrics.ts";
import type { KerasBackend } from "./version.ts";

/** Options of {@link compiledRisk}. */
export interface CompiledRiskOptions {
  /** Keras version with a float32 state (default "3.7.0"; newer versions need `dtype: "float32"`). */
  version?: string;
  /** Backend (default "tensorflow"; compiled mode is the same on TF XLA and jax.jit). */
  backend?: KerasBackend;
  /** Metric dtype (default: the version's default). */
  dtype?: string;
  /** Record every k-th batch in `series` (default: about 200 points). */
  every?: number;
}

/** One point of {@link CompiledRisk.series}. */
export interface CompiledRiskPoint {
  /** Batches seen. */
  batch: number;
  /** Exact dataset mean IoU (float64, absent classes left out). */
  exact: number;
  /** What eager `update_state` / `result()` returns. */
  eager: number;
  /** What a compiled (XLA) update returns. */
  compiled: number;
  /** Value of the largest cell in the exact, eager and compiled matrices. */
  exactCell: number;
  /** Largest cell of the eager Keras matrix. */
  eagerCell: number;
  /** Largest cell of the compiled Keras matrix. */
  compiledCell: number;
}

/** What {@link compiledRisk} returns. */
export interface CompiledRisk {
  /** Per cell (row = true class): the first batch after which the compiled cell is frozen at 2^24 (its exact count passes 2^24), or null. */
  freezeBatch: (number | null)[][];
  /** The earliest freeze over all cells, or null if none within `batches`. */
  firstFreeze: { batch: number; trueClass: number; predClass: number } | null;
  /** Eager, compiled and exact values along the run. */
  series: CompiledRiskPoint[];
  /** The final point. */
  final: CompiledRiskPoint;
}

function exactMean(cm: Float64Array, C: number): number {
  let n = 0;
  let sum = 0;
  for (let c = 0; c < C; c++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < C; j++) {
      row += cm[c * C + j];
      col += cm[j * C + c];
    }
    const den = row + col - cm[c * C + c];
    if (den > 0) {
      n++;
      sum += cm[c * C + c] / den;
    }
  }
  return n === 0 ? 0 : sum / n;
}

/**
 * Simulates `batches` batches with the pair counts `batchCounts` (C x C, unit weights) through
 * eager and compiled Keras MeanIoU, and the exact reference.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compiledRisk } from "./compiled_risk.ts";
 * // a 512 x 512 x 8 batch: 1.8M background pixels right, the rest split
 * const batch = [[1800000, 50000], [40000, 207152]];
 * const r = compiledRisk(batch, 500);
 * assert.equal(r.firstFreeze?.batch, Math.ceil(16777216 / 1800000)); // batch 10
 * assert.ok(r.final.compiled < r.final.eager - 0.01); // the second decimal moves
 * ```
 */
export function compiledRisk(
  batchCounts: readonly (readonly number[])[],
  batches: number,
  options: CompiledRiskOptions = {},
): CompiledRisk {
  const C = batchCounts.length;
  if (!Number.isInteger(batches) || batches < 1) {
    throw new RangeError(`Expected batches to be an integer >= 1, but found ${batches}`);
  }
  const common = {
    numClasses: C,
    version: options.version ?? "3.7.0",
    backend: options.backend ?? "tensorflow",
    dtype: options.dtype,
  };
  const eager = new MeanIoU(common);
  const compiled = new MeanIoU({ ...common, compiled: "xla" });
  if (!compiled.stateDtype.startsWith("float")) {
    throw new RangeError(
      `Expected a float32 state, but Keras ${compiled.profile.version} keeps ${compiled.stateDtype}` +
        ' counts (exact in compiled mode too): pass dtype: "float32" or a version before 3.8',
    );
  }
  const freezeBatch: (number | null)[][] = batchCounts.map((row) =>
    row.map((
      n,
    ) => (n > 0 && Math.ceil(FLOAT32_COUNT_LIMIT / n) <= batches
      ? Math.ceil(FLOAT32_COUNT_LIMIT / n)
      : null)
    )
  );
  let firstFreeze: CompiledRisk["firstFreeze"] = null;
  freezeBatch.forEach((row, i) =>
    row.forEach((b, j) => {
      if (b !== null && (firstFreeze === null || b < firstFreeze.batch)) {
        firstFreeze = { batch: b, trueClass: i, predClass: j };
      }
    })
  );
  const exact = new Float64Array(C * C);
  const every = options.every ?? Math.max(1, Math.floor(batches / 200));
  const series: CompiledRiskPoint[] = [];
  const maxCell = (cm: number[][]): number => Math.max(...cm.map((r) => Math.max(...r)));
  let last: CompiledRiskPoint | null = null;
  for (let b = 1; b <= batches; b++) {
    eager.updateStateFromCounts(batchCounts);
    compiled.updateStateFromCounts(batchCounts);
    batchCounts.forEach((row, i) => row.forEach((n, j) => (exact[i * C + j] += n)));
    if (b % every === 0 || b === batches) {
      last = {
        batch: b,
        exact: exactMean(exact, C),
        eager: eager.result(),
        compiled: compiled.result(),
        exactCell: Math.max(...exact),
        eagerCell: maxCell(eager.totalCm),
        compiledCell: maxCell(compiled.totalCm),
      };
      series.push(last);
    }
  }
  return { freezeBatch, firstFreeze, series, final: last as CompiledRiskPoint };
}
