/**
 * What a saved confusion matrix (for example Keras's `total_cm` saved with `np.save`) says on
 * its own: reading it from JSON or a flat array into a {@linkcode ConfusionMatrix}, and the signs
 * of float32 damage or int32 wraps that its cells carry.
 *
 * @module
 */

import { ConfusionMatrix } from "../core/confusion_matrix.ts";

/** 2^24 = 16,777,216: where float32 stops counting by one. */
const F32_LIMIT = 16777216;

/**
 * The most classes a saved matrix may have: 4,096 classes are 16,777,216 cells, 128 MiB as
 * float64, and every copy the reading makes (the parsed JSON, the matrix, its nested-array form)
 * is of that order. Class ids of uint8 masks need 256, of uint16 masks up to 65,536; a matrix
 * that large (32 GiB) is refused before anything is allocated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_SAVED_MATRIX_CLASSES, savedMatrix } from "./saved_matrix.ts";
 * assert.equal(MAX_SAVED_MATRIX_CLASSES, 4096);
 * assert.throws(() => savedMatrix([], 5000), /at most 4096 classes, but found 5000/);
 * ```
 */
export const MAX_SAVED_MATRIX_CLASSES = 4096;

function checkClassCount(numClasses: number, source?: string): void {
  if (
    !Number.isSafeInteger(numClasses) || numClasses < 2 || numClasses > MAX_SAVED_MATRIX_CLASSES
  ) {
    throw new RangeError(
      `${source === undefined ? "" : `${source}: `}Expected a saved confusion matrix of 2 to ` +
        `at most ${MAX_SAVED_MATRIX_CLASSES} classes, but found ${numClasses}`,
    );
  }
}

/**
 * Throws when the cells, summed, pass 2^53: the total (and pixel accuracy, micro IoU, every
 * rate over it) could not be exact in float64, so it is refused rather than rounded. Summing
 * non-negative integers in float64 is exact while the sum stays below 2^53, and once it reaches
 * 2^53 it never drops back below, so the running sum tells exactly.
 */
function checkTotal(positiveSum: number, source?: string): void {
  if (positiveSum > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      `${source === undefined ? "" : `${source}: `}Expected the cells to sum to less than 2^53 ` +
        `= 9,007,199,254,740,992 (where float64 stops counting by one), but they sum to ${
          positiveSum === 2 ** 53 ? "2^53 or more" : `about ${positiveSum.toExponential(6)}`
        }: the total and every rate over it would be rounded`,
    );
  }
}

/** One cell of a saved matrix, with its value. */
export interface CellValue {
  /** Row: the true class. */
  trueClass: number;
  /** Column: the predicted class. */
  predClass: number;
  /** The stored value. */
  value: number;
}

/** What a saved confusion matrix says on its own. */
export interface SavedMatrixReport {
  /** Number of classes (rows). */
  numClasses: number;
  /** The stored element type (`"json"` when it came from JSON). */
  dtype: string;
  /** Sum of all cells. */
  total: number;
  /** Whether every cell is a non-negative integer (pixel counts rather than weight sums). */
  integerCounts: boolean;
  /** Cells exactly 2^24 = 16,777,216: float32 counts that stopped. */
  saturatedCells: CellValue[];
  /** Cells above 2^24 whose value is a float32 number (rounded if float32 state made them). */
  aboveLimitCells: CellValue[];
  /** Cells above 2^24 that float32 cannot hold: proof those counts were not float32 state. */
  notFloat32Cells: CellValue[];
  /** Negative cells (int32 wrap, or not counts at all). */
  negativeCells: CellValue[];
  /**
   * `"exact"`: nothing suggests damage and the values could not have come from float32 damage
   * (all below 2^24, or some above 2^24 that float32 cannot hold); `"float32-damaged"`: a cell is
   * exactly 2^24, or a float32 file holds cells above 2^24; `"float32-possible"`: cells above
   * 2^24 are all float32 numbers, so a float32 origin cannot be ruled out; `"int32-wrapped"`:
   * negative counts, the signature of an int32 `total_cm` that wrapped past 2,147,483,647 (the
   * true counts cannot be recovered: `readSavedMatrix` gives no matrix); `"weights"`: non-integer
   * cells (weighted sums, nothing to check).
   */
  verdict: "exact" | "float32-damaged" | "float32-possible" | "int32-wrapped" | "weights";
  /** One sentence per finding, in plain words. */
  findings: string[];
}

/**
 * Reads what can be said from a saved confusion matrix alone: total, integer or weighted, and
 * the signs of float32 damage (cells at exactly 2^24; float32 values above 2^24, which are
 * rounded to multiples of 2, 4, 8 ... by float32 state; negative cells from an int32 wrap).
 *
 * Any number of classes up to {@linkcode MAX_SAVED_MATRIX_CLASSES} is read in one pass, with no
 * spread or recursion over the cells.
 *
 * @param counts row-major C x C values
 * @param numClasses C
 * @param dtype the stored element type (`"float32"`, `"int64"`, ..., or `"json"`)
 * @returns the findings
 * @throws {RangeError} for a length that is not C x C, more than `MAX_SAVED_MATRIX_CLASSES`
 *   classes, NaN/infinite cells, or cells summing past 2^53 (never rounded)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeSavedMatrix } from "./saved_matrix.ts";
 * // a Keras 3.7 total_cm with a cell stuck at 2^24
 * const r = analyzeSavedMatrix(new Float32Array([16777216, 10, 3, 500]), 2, "float32");
 * assert.equal(r.verdict, "float32-damaged");
 * assert.deepEqual(r.saturatedCells, [{ trueClass: 0, predClass: 0, value: 16777216 }]);
 * ```
 */
export function analyzeSavedMatrix(
  counts: ArrayLike<number>,
  numClasses: number,
  dtype: string,
): SavedMatrixReport {
  const C = numClasses;
  checkClassCount(C);
  if (counts.length !== C * C) {
    throw new RangeError(`Expected ${C * C} cells for ${C} classes, but found ${counts.length}`);
  }
  const saturated: CellValue[] = [];
  const above: CellValue[] = [];
  const notF32: CellValue[] = [];
  const negative: CellValue[] = [];
  let total = 0;
  let positiveSum = 0;
  let max = -Infinity;
  let integer = true;
  for (let k = 0; k < C * C; k++) {
    const value = counts[k];
    const cell = { trueClass: Math.floor(k / C), predClass: k % C, value };
    if (!Number.isFinite(value)) {
      throw new RangeError(
        `Expected finite cells, but found ${value} at row ${cell.trueClass}, column ` +
          `${cell.predClass}` +
          (Number.isNaN(value)
            ? " (Keras 3.3-3.14 put NaN in cell (0, 0) when a NaN or " +
              "infinite sample weight sits on an ignored pixel)"
            : ""),
      );
    }
    total += value;
    if (value > 0) positiveSum += value;
    if (value > max) max = value;
    if (!Number.isInteger(value)) integer = false;
    if (value < 0) negative.push(cell);
    if (value === F32_LIMIT) saturated.push(cell);
    else if (value > F32_LIMIT) {
      (Math.fround(value) === value ? above : notF32).push(cell);
    }
  }
  checkTotal(positiveSum);
  const findings: string[] = [];
  const at = (c: CellValue) => `(${c.trueClass}, ${c.predClass})`;
  const list = (cs: CellValue[]) =>
    cs.slice(0, 5).map(at).join(", ") + (cs.length > 5 ? ` and ${cs.length - 5} more` : "");
  let verdict: SavedMatrixReport["verdict"] = "exact";
  if (negative.length > 0) {
    verdict = "int32-wrapped";
    findings.push(
      `negative cell(s) ${list(negative)}: counts cannot be negative; an int32 total_cm ` +
        `(Keras 3.8+ on JAX, torch or numpy) wraps after 2,147,483,647 pixels in one cell, so ` +
        `these counts are lost (a negative v means v + 2^32, or 2^32 more per further wrap); ` +
        `recount from the masks, or keep total_cm in int64/float64`,
    );
  } else if (!integer) {
    verdict = "weights";
    findings.push(
      "non-integer cells: these are sums of sample weights, not pixel counts; no float32 " +
        "counting check applies",
    );
  }
  if (saturated.length > 0) {
    verdict = verdict === "exact" ? "float32-damaged" : verdict;
    findings.push(
      `cell(s) ${list(saturated)} are exactly 16,777,216 = 2^24: a float32 count that stopped ` +
        `(saturated within one batch in Keras 3.0-3.7, or frozen for good in a compiled training ` +
        `loop); the true count is at least this and probably more`,
    );
  }
  if (above.length > 0) {
    if (dtype === "float32") {
      verdict = verdict === "exact" ? "float32-damaged" : verdict;
      findings.push(
        `float32 cell(s) ${list(above)} are above 2^24, where float32 holds only multiples of ` +
          `2, 4, 8, ...: each batch added there may have been rounded (eager Keras 3.0-3.7), ` +
          `so these counts are approximate`,
      );
    } else if (notF32.length === 0 && integer) {
      verdict = verdict === "exact" ? "float32-possible" : verdict;
      findings.push(
        `cell(s) ${list(above)} are above 2^24 and every one is a float32 number: if this ` +
          `matrix was a float32 total_cm (Keras 3.0-3.7, tf.keras 2.x, dtype="float32") ` +
          `converted to ${dtype}, these counts may be rounded`,
      );
    }
  }
  if (notF32.length > 0) {
    findings.push(
      `cell(s) ${list(notF32)} are above 2^24 and not float32 numbers: this matrix was not ` +
        `counted in float32 (integer state, exact)`,
    );
  }
  if (dtype === "int32" && total > 0 && negative.length === 0) {
    if (max > 2 ** 30) {
      findings.push(
        `int32 cells reach ${max}, close to the int32 limit 2,147,483,647: more data wraps them`,
      );
    }
  }
  if (findings.length === 0) {
    findings.push(
      total > 0 && max < F32_LIMIT
        ? "every cell is below 2^24: float32 and integer counting agree here; no sign of damage"
        : "no sign of damage",
    );
  }
  return {
    numClasses: C,
    dtype,
    total,
    integerCounts: integer && negative.length === 0,
    saturatedCells: saturated,
    aboveLimitCells: above,
    notFloat32Cells: notF32,
    negativeCells: negative,
    verdict,
    findings,
  };
}

/**
 * Reads a confusion matrix from parsed JSON: a plain C x C nested array (`cm.tolist()`), an
 * object with a `confusionMatrix` (this CLI's JSON output), `total_cm` or `counts` (the
 * `ConfusionMatrix.toJSON` form) nested array.
 *
 * @param json parsed JSON
 * @param source name of the input for messages
 * @returns row-major values and the number of classes
 * @throws {RangeError} when no square matrix of numbers is found, or it has more than
 *   `MAX_SAVED_MATRIX_CLASSES` rows
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matrixFromJSON } from "./saved_matrix.ts";
 * const m = matrixFromJSON({ total_cm: [[3, 1], [0, 2]] }, "cm.json");
 * assert.equal(m.numClasses, 2);
 * assert.deepEqual(m.counts, [3, 1, 0, 2]);
 * ```
 */
export function matrixFromJSON(
  json: unknown,
  source = "input",
): { counts: number[]; numClasses: number } {
  let rows: unknown = json;
  if (json !== null && typeof json === "object" && !Array.isArray(json)) {
    const o = json as Record<string, unknown>;
    rows = o.confusionMatrix ?? o.total_cm ?? o.counts;
  }
  if (!Array.isArray(rows) || rows.length < 2) {
    throw new RangeError(
      `${source}: expected a square confusion matrix (a nested array of at least 2 rows, or an ` +
        `object with confusionMatrix, total_cm or counts), but found ${
          Array.isArray(rows) ? `${rows.length} row(s)` : typeof rows
        }`,
    );
  }
  const C = rows.length;
  checkClassCount(C, source);
  const counts: number[] = [];
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== C) {
      throw new RangeError(
        `${source}: expected row ${i} to have ${C} cells, but found ${
          Array.isArray(row) ? row.length : typeof row
        }`,
      );
    }
    row.forEach((v, j) => {
      if (typeof v !== "number") {
        throw new RangeError(
          `${source}: expected numbers, but found ${JSON.stringify(v)} at row ${i}, column ${j}`,
        );
      }
      counts.push(v);
    });
  });
  return { counts, numClasses: C };
}

/**
 * Builds an exact `ConfusionMatrix` from saved values: integer counts as counts, non-integer
 * values as a weighted matrix.
 *
 * @param counts row-major C x C values (finite, >= 0, summing to less than 2^53)
 * @param numClasses C, at most {@linkcode MAX_SAVED_MATRIX_CLASSES}
 * @returns the matrix
 * @throws {RangeError} for negative cells (an int32 wrap: the message says so), non-finite
 *   cells, too many classes, or a total past 2^53
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { savedMatrix } from "./saved_matrix.ts";
 * const cm = savedMatrix([3, 1, 0, 2], 2);
 * assert.equal(cm.total, 6);
 * assert.equal(savedMatrix([0.5, 1, 0, 2], 2).weighted, true);
 * assert.throws(() => savedMatrix([-2147483000, 0, 0, 1], 2), /int32 total_cm that wrapped/);
 * ```
 */
export function savedMatrix(counts: ArrayLike<number>, numClasses: number): ConfusionMatrix {
  const C = numClasses;
  checkClassCount(C);
  if (counts.length !== C * C) {
    throw new RangeError(`Expected ${C * C} cells for ${C} classes, but found ${counts.length}`);
  }
  let integer = true;
  let total = 0;
  for (let k = 0; k < C * C; k++) {
    const v = counts[k];
    if (!(v >= 0 && v < Infinity)) {
      const [i, j] = [Math.floor(k / C), k % C];
      throw new RangeError(
        `Expected cells >= 0 and finite, but found ${v} at row ${i}, column ${j}` +
          (v < 0
            ? ": a negative count is the signature of an int32 total_cm that wrapped past " +
              "2,147,483,647 (verdict int32-wrapped); its counts cannot be recovered"
            : ""),
      );
    }
    if (!Number.isInteger(v)) integer = false;
    total += v;
  }
  checkTotal(total);
  if (integer) return new ConfusionMatrix(C).addCounts(counts);
  const rows: number[][] = [];
  for (let i = 0; i < C; i++) rows.push(Array.from({ length: C }, (_, j) => counts[i * C + j]));
  return ConfusionMatrix.fromJSON({
    numClasses: C,
    ignoreIndex: [],
    outOfRange: "error",
    weighted: true,
    counts: rows,
    missed: new Array(C).fill(0),
  });
}

/** What {@linkcode readSavedMatrix} finds: the report, and the matrix when there is one. */
export interface SavedMatrixReading {
  /** What the cells say on their own (see {@linkcode analyzeSavedMatrix}). */
  report: SavedMatrixReport;
  /**
   * The exact matrix, or `null` when the verdict is `"int32-wrapped"`: wrapped counts cannot be
   * recovered, so no metric is computed from them.
   */
  matrix: ConfusionMatrix | null;
}

/**
 * Reads a saved confusion matrix as `compare --cm` does: the report of
 * {@linkcode analyzeSavedMatrix}, and the exact `ConfusionMatrix` unless the cells are negative.
 * Negative cells are reported (verdict `"int32-wrapped"`) rather than refused, so the reader
 * learns why the file cannot be used; NaN or infinite cells, more than
 * {@linkcode MAX_SAVED_MATRIX_CLASSES} classes, and totals past 2^53 are still refused.
 *
 * @param counts row-major C x C values
 * @param numClasses C
 * @param dtype the stored element type (`"float32"`, `"int32"`, ..., or `"json"`)
 * @param source name of the input, prefixed to error messages
 * @returns the report, and the matrix or `null`
 * @throws {RangeError} as `analyzeSavedMatrix` does, prefixed with `source`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSavedMatrix } from "./saved_matrix.ts";
 * // an int32 total_cm whose cell (0, 0) wrapped: 2^31 + 648 pixels stored as -2147483000
 * const wrapped = readSavedMatrix(new Int32Array([-2147483000, 1, 1, 1]), 2, "int32", "cm.npy");
 * assert.equal(wrapped.report.verdict, "int32-wrapped");
 * assert.equal(wrapped.matrix, null);
 * const fine = readSavedMatrix(new Int32Array([5, 1, 1, 1]), 2, "int32");
 * assert.equal(fine.matrix?.total, 8);
 * ```
 */
export function readSavedMatrix(
  counts: ArrayLike<number>,
  numClasses: number,
  dtype: string,
  source?: string,
): SavedMatrixReading {
  try {
    const report = analyzeSavedMatrix(counts, numClasses, dtype);
    const matrix = report.negativeCells.length > 0 ? null : savedMatrix(counts, numClasses);
    return { report, matrix };
  } catch (e) {
    if (source === undefined || !(e instanceof RangeError)) throw e;
    throw new RangeError(`${source}: ${e.message}`);
  }
}
