/**
 * The versioned JSON form of a run state (what `--save-state` writes and `merge` reads) and its
 * validation: {@linkcode readRunStateJSON} checks every field (format and version, the options,
 * exact shapes, counts that are non-negative safe integers, files in name order, images that add
 * up to the dataset matrix) and names the bad one; `RunState.fromJSON` builds the state from
 * what it returns.
 *
 * @module
 */

import { ConfusionMatrix, type ConfusionMatrixJSON } from "./confusion_matrix.ts";
import { samePolicy } from "./labels.ts";
import {
  describe,
  normaliseOptions,
  type RunOptions,
  type RunOptionsInput,
} from "./run_options.ts";

/**
 * The `format` field of every run state: what a reader checks first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RUN_STATE_FORMAT } from "./run_state_json.ts";
 * import { RunState } from "./run_state.ts";
 * assert.equal(new RunState({ numClasses: 2 }).toJSON().format, RUN_STATE_FORMAT);
 * ```
 */
export const RUN_STATE_FORMAT = "segmetrics-iou/run-state";
/**
 * The version of the format this module writes and reads; `RunState.fromJSON` refuses others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RUN_STATE_VERSION } from "./run_state_json.ts";
 * import { RunState } from "./run_state.ts";
 * const json = new RunState({ numClasses: 2 }).toJSON();
 * assert.equal(json.version, RUN_STATE_VERSION);
 * assert.throws(() => RunState.fromJSON({ ...json, version: RUN_STATE_VERSION + 1 }), /version/);
 * ```
 */
export const RUN_STATE_VERSION = 1;

/** One image in the JSON form: per-class counts, or (with `imageMatrices`) its matrix's cells. */
export type RunImageJSON =
  | { tp: number[]; fp: number[]; fn: number[] }
  | {
    /**
     * The image's nonzero cells as flat pairs `[cell, count, cell, count, ...]`, cells
     * increasing: cell `t * C + p` is (true t, predicted p); cell `C * C + t` counts the pixels
     * of true class t whose prediction was out of range under `"miss"`.
     */
    cells: number[];
  };

/** One file in the JSON form. */
export interface RunFileJSON {
  /** Shard-independent identity: the path relative to the dataset root, without extension. */
  name: string;
  /** Its images, in order (a .npy file may hold several). */
  images: RunImageJSON[];
}

/** The JSON form of a {@linkcode RunState}. */
export interface RunStateJSON {
  /** Always {@linkcode RUN_STATE_FORMAT}. */
  format: string;
  /** {@linkcode RUN_STATE_VERSION}. */
  version: number;
  /** The options the counts depend on; states merge only when they are equal. */
  options: RunOptions;
  /** The dataset matrix: the sum over every image of every file. */
  confusionMatrix: ConfusionMatrixJSON;
  /** The files, in name order (UTF-16 code units, as `Array.prototype.sort`). */
  files: RunFileJSON[];
}

/** One image of a run state: its per-class counts and, with `imageMatrices`, its sparse cells. */
export interface ImageRecord {
  /** True positives per class. */
  tp: Float64Array;
  /** False positives per class. */
  fp: Float64Array;
  /** False negatives per class. */
  fn: Float64Array;
  /** Sparse cells (flat pairs) when the run keeps image matrices. */
  cells?: Float64Array;
}

/** One file of a run state: its name and images, in order. */
export interface FileRecord {
  /** Shard-independent identity (relative path without extension). */
  name: string;
  /** Its images, in order. */
  images: ImageRecord[];
}

/** A run state read back from JSON and checked: what `RunState.fromJSON` is made of. */
export interface RunStateParts {
  /** The options, normalised. */
  options: RunOptions;
  /** The dataset matrix. */
  matrix: ConfusionMatrix;
  /** The files in name order, each with its images. */
  files: FileRecord[];
}

/**
 * Reads the parts of a run state from its JSON form, checking every field: format and version,
 * the options, exact shapes, counts that are non-negative safe integers, files in name order,
 * and that the images add up to the dataset matrix. Errors name the bad field.
 *
 * @param json The output of `RunState.toJSON` (possibly through `JSON.parse`).
 * @returns The checked options, matrix and files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRunStateJSON } from "./run_state_json.ts";
 * import { RunState } from "./run_state.ts";
 * const json = new RunState({ numClasses: 2 }).addImage("a", [0, 1], [0, 0]).toJSON();
 * const { options, matrix, files } = readRunStateJSON(json);
 * assert.equal(options.numClasses, 2);
 * assert.deepEqual(matrix.toArray(), [[1, 0], [1, 0]]);
 * assert.deepEqual(files.map((f) => [f.name, [...f.images[0].fn]]), [["a", [0, 1]]]);
 * assert.throws(() => readRunStateJSON({ ...json, format: "x" }), /Expected format/);
 * ```
 */
export function readRunStateJSON(json: RunStateJSON): RunStateParts {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new TypeError(`Expected a run state JSON object, but found ${describe(json)}`);
  }
  if (json.format !== RUN_STATE_FORMAT) {
    throw new RangeError(
      `Expected format "${RUN_STATE_FORMAT}", but found ${describe(json.format)}`,
    );
  }
  if (json.version !== RUN_STATE_VERSION) {
    throw new RangeError(
      `Expected run state version ${RUN_STATE_VERSION}, but found ${describe(json.version)}`,
    );
  }
  const o = normaliseOptions(readOptions(json.options));
  const files: FileRecord[] = [];
  let matrix: ConfusionMatrix;
  try {
    matrix = ConfusionMatrix.fromJSON(json.confusionMatrix);
  } catch (e) {
    throw new RangeError(`confusionMatrix: ${(e as Error).message}`);
  }
  if (matrix.weighted) {
    throw new RangeError("Expected confusionMatrix.weighted to be false, but found true");
  }
  if (!samePolicy(matrix.policy, new ConfusionMatrix(o.numClasses, o).policy)) {
    throw new RangeError(
      "Expected confusionMatrix to have the numClasses, ignoreIndex and outOfRange of options",
    );
  }
  if (!Array.isArray(json.files)) {
    throw new RangeError(`Expected files to be an array, but found ${describe(json.files)}`);
  }
  const C = o.numClasses;
  const sum = new ConfusionMatrix(C, o);
  json.files.forEach((file, f) => {
    const where = `files[${f}]`;
    if (typeof file !== "object" || file === null) {
      throw new RangeError(`Expected ${where} to be an object, but found ${describe(file)}`);
    }
    if (typeof file.name !== "string" || file.name === "") {
      throw new RangeError(
        `Expected ${where}.name to be a non-empty string, but found ${describe(file.name)}`,
      );
    }
    if (f > 0 && !(json.files[f - 1].name < file.name)) {
      throw new RangeError(
        `Expected files in name order, each once, but found ${where}.name '${file.name}' after '${
          json.files[f - 1].name
        }'`,
      );
    }
    if (!Array.isArray(file.images) || file.images.length === 0) {
      throw new RangeError(
        `Expected ${where}.images to be a non-empty array, but found ${describe(file.images)}`,
      );
    }
    const images = file.images.map((image, i) =>
      readImage(image, `${where}.images[${i}]`, C, o.imageMatrices, sum)
    );
    files.push({ name: file.name, images });
  });
  if (!o.imageMatrices) {
    // per-class sums are what the images carry: check them against the matrix's
    const expected = matrix.classCounts();
    const found = { tp: new Float64Array(C), fp: new Float64Array(C), fn: new Float64Array(C) };
    for (const image of files.flatMap((file) => file.images)) {
      for (const key of ["tp", "fp", "fn"] as const) {
        for (let c = 0; c < C; c++) found[key][c] += image[key][c];
      }
    }
    for (const key of ["tp", "fp", "fn"] as const) {
      for (let c = 0; c < C; c++) {
        if (found[key][c] !== expected[key][c]) {
          throw new RangeError(
            `Expected the images' ${key} of class ${c} to sum to confusionMatrix's ${
              expected[key][c]
            }, but found ${found[key][c]}`,
          );
        }
      }
    }
  } else {
    const a = matrix.counts(), b = sum.counts(), am = matrix.missed(), bm = sum.missed();
    const k = a.findIndex((v, i) => v !== b[i]);
    const m = am.findIndex((v, i) => v !== bm[i]);
    if (k >= 0 || m >= 0) {
      throw new RangeError(
        k >= 0
          ? `Expected the images' cells to sum to confusionMatrix, but cell (${
            Math.floor(k / C)
          }, ${k % C}) holds ${a[k]} and the images ${b[k]}`
          : `Expected the images' cells to sum to confusionMatrix, but missed[${m}] holds ${
            am[m]
          } and the images ${bm[m]}`,
      );
    }
  }
  return { options: o, matrix, files };
}

const OPTION_KEYS: (keyof RunOptions)[] = [
  "numClasses",
  "ignoreIndex",
  "outOfRange",
  "axis",
  "batchSizes",
  "keras",
  "imageMatrices",
  "context",
];

/** Checks the fields of `options` in JSON (all present, none unknown) and normalises them. */
function readOptions(json: unknown): RunOptions {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new RangeError(`Expected options to be an object, but found ${describe(json)}`);
  }
  const o = json as Record<string, unknown>;
  for (const key of OPTION_KEYS) {
    if (!(key in o)) throw new RangeError(`Expected options.${key}, but found none`);
  }
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.includes(key as keyof RunOptions)) {
      throw new RangeError(`Expected no options.${key} (unknown to version ${RUN_STATE_VERSION})`);
    }
  }
  if (!Array.isArray(o.ignoreIndex)) {
    throw new RangeError(
      `Expected options.ignoreIndex to be an array, but found ${describe(o.ignoreIndex)}`,
    );
  }
  if (o.axis !== null && !Number.isInteger(o.axis)) {
    throw new RangeError(
      `Expected options.axis to be an integer or null, but found ${describe(o.axis)}`,
    );
  }
  try {
    normaliseOptions(o as unknown as RunOptionsInput);
  } catch (e) {
    throw new RangeError(`options: ${(e as Error).message}`);
  }
  return o as unknown as RunOptions;
}

/** Checks one image at `where` and returns its record; with cells, adds its matrix to `sum`. */
function readImage(
  image: unknown,
  where: string,
  C: number,
  withCells: boolean,
  sum: ConfusionMatrix,
): ImageRecord {
  if (typeof image !== "object" || image === null || Array.isArray(image)) {
    throw new RangeError(`Expected ${where} to be an object, but found ${describe(image)}`);
  }
  const record = image as Record<string, unknown>;
  if (withCells) {
    const cells = record.cells;
    if (!Array.isArray(cells) || cells.length % 2 !== 0) {
      throw new RangeError(
        `Expected ${where}.cells to be an array of [cell, count] pairs, but found ${
          describe(cells)
        }`,
      );
    }
    const counts = new Float64Array(C * C), missed = new Float64Array(C);
    let previous = -1;
    for (let k = 0; k < cells.length; k += 2) {
      const cell = cells[k], count = cells[k + 1];
      if (!Number.isInteger(cell) || cell <= previous || cell >= C * C + C) {
        throw new RangeError(
          `Expected ${where}.cells[${k}] to be a cell index in [0, ${
            C * C + C
          }) above the previous one, but found ${describe(cell)}`,
        );
      }
      if (!Number.isSafeInteger(count) || count < 1) {
        throw new RangeError(
          `Expected ${where}.cells[${k + 1}] to be a count >= 1 (a safe integer), but found ${
            describe(count)
          }`,
        );
      }
      if (cell < C * C) counts[cell] = count;
      else missed[cell - C * C] = count;
      previous = cell;
    }
    const matrix = new ConfusionMatrix(C, sum.policy).addCounts(counts, missed);
    sum.merge(matrix);
    return { ...matrix.classCounts(), cells: Float64Array.from(cells) };
  }
  const out = {} as ImageRecord;
  for (const key of ["tp", "fp", "fn"] as const) {
    const values = record[key];
    if (!Array.isArray(values) || values.length !== C) {
      throw new RangeError(
        `Expected ${where}.${key} to have ${C} entries, but found ${describe(values)}`,
      );
    }
    values.forEach((v, c) => {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw new RangeError(
          `Expected ${where}.${key}[${c}] to be a count >= 0 (a safe integer), but found ${
            describe(v)
          }`,
        );
      }
    });
    out[key] = Float64Array.from(values);
  }
  return out;
}
