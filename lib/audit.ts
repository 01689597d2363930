/**
 * Pure helpers of the audit CLI: pairing mask files by name, turning decoded arrays into label
 * arrays and per-image slices, and reading what a saved confusion matrix (for example Keras's
 * `total_cm` saved with `np.save`) says on its own, including signs of float32 damage.
 *
 * Nothing here reads files or prints; `cli.ts` does the I/O.
 *
 * @module
 */

import { ConfusionMatrix } from "./confusion_matrix.ts";
import type { LabelArray } from "./labels.ts";
import type { NpyData } from "./io_npy.ts";

/** 2^24 = 16,777,216: where float32 stops counting by one. */
const F32_LIMIT = 16777216;

/** A ground-truth file and the prediction file with the same name. */
export interface FilePair {
  /** The shared name (path without its extension). */
  name: string;
  /** Path of the ground-truth file. */
  truePath: string;
  /** Path of the prediction file. */
  predPath: string;
}

/** The result of {@linkcode pairByName}. */
export interface Pairing {
  /** Pairs, sorted by name. */
  pairs: FilePair[];
  /** Ground-truth files without a prediction. */
  unpairedTrue: string[];
  /** Prediction files without a ground truth. */
  unpairedPred: string[];
}

function stem(path: string): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  return dot > slash + 1 ? path.slice(0, dot) : path;
}

/**
 * Pairs ground-truth and prediction files by path without extension, so `a.png` pairs with
 * `a.png` or `a.npy`, and `city/a.png` with `city/a.npy` (pass paths relative to each side's
 * folder). Two files with the same name in one folder (`a.png` and `a.npy`) are an error,
 * because the pairing would be a guess.
 *
 * @param trueFiles paths of the ground-truth files
 * @param predFiles paths of the prediction files
 * @returns the pairs (sorted by name) and the files left without a partner
 * @throws {RangeError} when one side holds two files with the same name
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairByName } from "./audit.ts";
 * const p = pairByName(["a.png", "x/b.png", "c.png"], ["x/b.npy", "a.png", "d.png"]);
 * assert.deepEqual(p.pairs.map((x) => [x.truePath, x.predPath]), [
 *   ["a.png", "a.png"],
 *   ["x/b.png", "x/b.npy"],
 * ]);
 * assert.deepEqual(p.unpairedTrue, ["c.png"]);
 * assert.deepEqual(p.unpairedPred, ["d.png"]);
 * ```
 */
export function pairByName(trueFiles: readonly string[], predFiles: readonly string[]): Pairing {
  const index = (files: readonly string[], side: string) => {
    const map = new Map<string, string>();
    for (const f of files) {
      const s = stem(f);
      const other = map.get(s);
      if (other !== undefined) {
        throw new RangeError(
          `Expected one ${side} file per name, but found both ${other} and ${f} for '${s}'`,
        );
      }
      map.set(s, f);
    }
    return map;
  };
  const t = index(trueFiles, "ground-truth");
  const p = index(predFiles, "prediction");
  const names = [...t.keys()].filter((k) => p.has(k)).sort();
  return {
    pairs: names.map((name) => ({ name, truePath: t.get(name)!, predPath: p.get(name)! })),
    unpairedTrue: [...t.keys()].filter((k) => !p.has(k)).sort().map((k) => t.get(k)!),
    unpairedPred: [...p.keys()].filter((k) => !t.has(k)).sort().map((k) => p.get(k)!),
  };
}

/**
 * Converts any decoded integer or float typed array to a label array the counters accept,
 * without changing a value: `Int8Array`/`Int16Array` -> `Int32Array`, `Uint32Array` ->
 * `Float64Array`; the accepted types pass through unchanged.
 *
 * @param data decoded values
 * @returns the same values as a `LabelArray`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toLabelArray } from "./audit.ts";
 * const labels = toLabelArray(new Int8Array([-1, 2]));
 * assert.ok(labels instanceof Int32Array);
 * assert.deepEqual([...labels], [-1, 2]);
 * ```
 */
export function toLabelArray(data: NpyData): LabelArray {
  if (data instanceof Int8Array || data instanceof Int16Array) return Int32Array.from(data);
  if (data instanceof Uint32Array) return Float64Array.from(data);
  return data;
}

/**
 * Describes flat index `index` of an array of `shape` as a pixel position, e.g.
 * `"pixel (row 3, column 7)"` for an (H, W) image.
 *
 * @param index flat C-order index
 * @param shape the image's shape
 * @returns a readable position
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pixelPosition } from "./audit.ts";
 * assert.equal(pixelPosition(7, [2, 5]), "pixel (row 1, column 2)");
 * ```
 */
export function pixelPosition(index: number, shape: readonly number[]): string {
  if (shape.length === 2) {
    return `pixel (row ${Math.floor(index / shape[1])}, column ${index % shape[1]})`;
  }
  const idx: number[] = [];
  let r = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(r % shape[d]);
    r = Math.floor(r / shape[d]);
  }
  return `element (${idx.join(", ")})`;
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
 * import { analyzeSavedMatrix } from "./audit.ts";
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
 * import { matrixFromJSON } from "./audit.ts";
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
 * import { savedMatrix } from "./audit.ts";
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
