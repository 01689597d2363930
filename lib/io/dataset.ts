/**
 * The dataset reader: pairing ground-truth and prediction files by name, turning decoded arrays
 * into label arrays, and naming a pixel in error messages.
 *
 * @module
 */

import type { LabelArray } from "../core/labels.ts";
import type { NpyData } from "./npy.ts";

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
 * import { pairByName } from "./dataset.ts";
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
 * import { toLabelArray } from "./dataset.ts";
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
 * import { pixelPosition } from "./dataset.ts";
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
