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
   * negative counts; `"weights"`: non-integer cells (weighted sums, nothing to check).
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
 * @param counts row-major C x C values
 * @param numClasses C
 * @param dtype the stored element type (`"float32"`, `"int64"`, ..., or `"json"`)
 * @returns the findings
 * @throws {RangeError} for a length that is not C x C, or NaN/infinite cells
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
  if (counts.length !== C * C) {
    throw new RangeError(`Expected ${C * C} cells for ${C} classes, but found ${counts.length}`);
  }
  const saturated: CellValue[] = [];
  const above: CellValue[] = [];
  const notF32: CellValue[] = [];
  const negative: CellValue[] = [];
  let total = 0;
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
    if (!Number.isInteger(value)) integer = false;
    if (value < 0) negative.push(cell);
    if (value === F32_LIMIT) saturated.push(cell);
    else if (value > F32_LIMIT) {
      (Math.fround(value) === value ? above : notF32).push(cell);
    }
  }
  const findings: string[] = [];
  const at = (c: CellValue) => `(${c.trueClass}, ${c.predClass})`;
  const list = (cs: CellValue[]) =>
    cs.slice(0, 5).map(at).join(", ") + (cs.length > 5 ? ` and ${cs.length - 5} more` : "");
  let verdict: SavedMatrixReport["verdict"] = "exact";
  if (negative.length > 0) {
    verdict = "int32-wrapped";
    findings.push(
      `negative cell(s) ${list(negative)}: counts cannot be negative; an int32 total_cm ` +
        `(Keras 3.8+ on JAX, torch or numpy) wraps after 2,147,483,647 pixels in one cell`,
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
    const max = Math.max(...Array.from(counts));
    if (max > 2 ** 30) {
      findings.push(
        `int32 cells reach ${max}, close to the int32 limit 2,147,483,647: more data wraps them`,
      );
    }
  }
  if (findings.length === 0) {
    findings.push(
      total > 0 && Math.max(...Array.from(counts)) < F32_LIMIT
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
 * @throws {RangeError} when no square matrix of numbers is found
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
 * @param counts row-major C x C values (finite, >= 0)
 * @param numClasses C
 * @returns the matrix
 * @throws {RangeError} for negative or non-finite values
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { savedMatrix } from "./saved_matrix.ts";
 * const cm = savedMatrix([3, 1, 0, 2], 2);
 * assert.equal(cm.total, 6);
 * assert.equal(savedMatrix([0.5, 1, 0, 2], 2).weighted, true);
 * ```
 */
export function savedMatrix(counts: ArrayLike<number>, numClasses: number): ConfusionMatrix {
  const C = numClasses;
  const rows: number[][] = [];
  let integer = true;
  for (let i = 0; i < C; i++) {
    const row: number[] = [];
    for (let j = 0; j < C; j++) {
      const v = counts[i * C + j];
      if (!(v >= 0 && v < Infinity)) {
        throw new RangeError(
          `Expected cells >= 0 and finite, but found ${v} at row ${i}, column ${j}`,
        );
      }
      if (!Number.isInteger(v)) integer = false;
      row.push(v);
    }
    rows.push(row);
  }
  return ConfusionMatrix.fromJSON({
    numClasses: C,
    ignoreIndex: [],
    outOfRange: "error",
    weighted: !integer,
    counts: rows,
    missed: new Array(C).fill(0),
  });
}
