/**
 * The complete exact state of an evaluation run, as a versioned JSON format that shards of a
 * big evaluation write and {@linkcode mergeRunStates} combines into exactly the state of one run
 * over all the files.
 *
 * Averaging per-shard mIoUs is wrong (the mean of ratios is not the ratio of sums); merging the
 * integer state is exact. A run state holds:
 *
 * - the options the counts depend on ({@linkcode RunOptions}: classes, ignore labels,
 *   out-of-range policy, score axis, batch sizes, Keras configurations, and a free `context` that
 *   must also match);
 * - the dataset confusion matrix;
 * - the files counted, each under a shard-independent name (the path relative to the dataset's
 *   root, without extension, as `pairByName` names pairs), in name order, each with its images'
 *   per-class TP, FP, FN, or, with `imageMatrices`, each image's whole confusion matrix.
 *
 * What survives a merge exactly: every dataset-level definition (the matrix is a sum of
 * integers); every per-image definition (the per-image counts, put back in the global file order,
 * so even the float sums run in the same order); the per-batch definitions, by re-batching the
 * merged per-image counts in global file order; and the Keras emulation fed batch by batch with
 * its batches' exact matrices ({@linkcode RunState.batchMatrices}), which needs `imageMatrices`.
 * Nothing else is needed, so nothing is approximated: the merged state is identical, field for
 * field, to the state of one run over all the files.
 *
 * Pure: no file I/O. Weighted (non-unit sample weight) counts are refused: float sums of weights
 * depend on the order of addition, so they would not merge exactly.
 *
 * This file holds the state and the merge; the options and their normalisation are in
 * `run_options.ts`, the JSON form and its validation in `run_state_json.ts` (both re-exported
 * here).
 *
 * @module
 */

import { batchSizeList } from "./batches.ts";
import { ConfusionMatrix } from "./confusion_matrix.ts";
import { type LabelArray, samePolicy } from "./labels.ts";
import {
  describe,
  normaliseOptions,
  type RunOptions,
  type RunOptionsInput,
  sortKeys,
} from "./run_options.ts";
import {
  type FileRecord,
  type ImageRecord,
  readRunStateJSON,
  RUN_STATE_FORMAT,
  RUN_STATE_VERSION,
  type RunFileJSON,
  type RunStateJSON,
} from "./run_state_json.ts";
import { SegmentationStats } from "./segmentation_stats.ts";

export type { JsonValue, RunOptions, RunOptionsInput } from "./run_options.ts";
export {
  RUN_STATE_FORMAT,
  RUN_STATE_VERSION,
  type RunFileJSON,
  type RunImageJSON,
  type RunStateJSON,
} from "./run_state_json.ts";

/** A file of a run: its name and number of images. */
export interface RunFile {
  /** Shard-independent identity (relative path without extension). */
  name: string;
  /** Images counted from it. */
  images: number;
}

/**
 * The exact state of a run: the dataset confusion matrix and, file by file in name order, every
 * image's counts. Add images (or per-image matrices counted elsewhere) file after file; read
 * the {@linkcode SegmentationStats} that every definition takes; write it with `toJSON` and read
 * it back with {@linkcode RunState.fromJSON}; combine shards with {@linkcode mergeRunStates}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunState } from "./run_state.ts";
 * const run = new RunState({ numClasses: 2, ignoreIndex: 255, batchSizes: [2] });
 * run.addImage("a", [0, 0, 1, 255], [0, 1, 1, 0]);
 * run.addImage("b", [1, 1], [1, 0]);
 * assert.deepEqual(run.files, [{ name: "a", images: 1 }, { name: "b", images: 1 }]);
 * assert.deepEqual(run.confusionMatrix.toArray(), [[1, 1], [1, 2]]);
 * const copy = RunState.fromJSON(JSON.parse(JSON.stringify(run)));
 * assert.deepEqual(copy.toJSON(), run.toJSON());
 * ```
 */
export class RunState {
  /** The options, normalised (a copy each time). */
  get options(): RunOptions {
    return structuredClone(this.#options);
  }
  #options: RunOptions;
  #matrix: ConfusionMatrix;
  #files: FileRecord[] = [];
  #numImages = 0;
  #stats: SegmentationStats | null = null;

  /**
   * An empty state for a run counted with `options`.
   *
   * @param options The options the counts depend on (checked and normalised).
   */
  constructor(options: RunOptionsInput) {
    this.#options = normaliseOptions(options);
    const o = this.#options;
    this.#matrix = new ConfusionMatrix(o.numClasses, o);
  }

  /** Number of classes. */
  get numClasses(): number {
    return this.#options.numClasses;
  }

  /** Number of images counted. */
  get numImages(): number {
    return this.#numImages;
  }

  /** The files counted, in name order, with their image counts. */
  get files(): RunFile[] {
    return this.#files.map((f) => ({ name: f.name, images: f.images.length }));
  }

  /** A copy of the dataset confusion matrix. */
  get confusionMatrix(): ConfusionMatrix {
    return this.#matrix.clone();
  }

  /**
   * The per-image statistics in file order (images of a file in their order): what `meanIoU`,
   * `compare` and `explain` take. Built once and cached; do not add images to it.
   */
  get stats(): SegmentationStats {
    if (this.#stats === null) {
      this.#stats = SegmentationStats.fromJSON({
        confusionMatrix: this.#matrix.toJSON(),
        images: this.#files.flatMap((f) =>
          f.images.map((i) => ({ tp: [...i.tp], fp: [...i.fp], fn: [...i.fn] }))
        ),
      });
    }
    return this.#stats;
  }

  /**
   * Counts one image of file `name` (flat arrays of equal length) under the run's policy.
   * Images of one file come one after another; files come in name order.
   *
   * @param name The file's shard-independent name.
   * @param yTrue True class ids.
   * @param yPred Predicted class ids.
   * @returns This state.
   */
  addImage(name: string, yTrue: LabelArray, yPred: LabelArray): this {
    const image = new ConfusionMatrix(this.numClasses, this.#matrix.policy).update(yTrue, yPred);
    return this.addImageMatrix(name, image);
  }

  /**
   * Adds one image of file `name` whose confusion matrix was counted elsewhere (an accelerated
   * backend, a streaming reader), with the run's policy and unweighted.
   *
   * @param name The file's shard-independent name.
   * @param image The image's exact matrix.
   * @returns This state.
   */
  addImageMatrix(name: string, image: ConfusionMatrix): this {
    if (!(image instanceof ConfusionMatrix)) {
      throw new TypeError("Expected image to be a ConfusionMatrix");
    }
    if (!samePolicy(image.policy, this.#matrix.policy)) {
      throw new RangeError(
        "Expected an image matrix counted with the run's numClasses, ignoreIndex and outOfRange",
      );
    }
    if (image.weighted) {
      throw new RangeError(
        "Expected unweighted pixel counts, but found a weighted matrix (weight sums do not merge exactly)",
      );
    }
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`Expected name to be a non-empty string, but found ${String(name)}`);
    }
    const last = this.#files.at(-1);
    if (last === undefined || last.name !== name) {
      if (last !== undefined && !(last.name < name)) {
        throw new RangeError(
          `Expected files in name order, each once, but found '${name}' after '${last.name}'`,
        );
      }
      this.#files.push({ name, images: [] });
    }
    this.#matrix.merge(image); // throws before anything changes if a cell would pass 2^53
    const { tp, fp, fn } = image.classCounts();
    const record: ImageRecord = { tp, fp, fn };
    if (this.#options.imageMatrices) record.cells = sparseCells(image);
    this.#files.at(-1)!.images.push(record);
    this.#numImages++;
    this.#stats = null;
    return this;
  }

  /**
   * The exact matrices of consecutive batches of images, in file order: what a training loop
   * fed batch by batch (Keras `update_state`) receives. Needs `imageMatrices`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RunState } from "./run_state.ts";
   * const run = new RunState({ numClasses: 2, imageMatrices: true });
   * run.addImage("a", [0, 1], [0, 1]).addImage("b", [1], [0]).addImage("c", [0], [0]);
   * const [first, second] = run.batchMatrices(2);
   * assert.deepEqual(first.toArray(), [[1, 0], [1, 1]]);
   * assert.deepEqual(second.toArray(), [[1, 0], [0, 0]]);
   * ```
   *
   * @param batchSize Images per batch (the last batch may be smaller), or the list of sizes.
   * @returns One matrix per batch.
   */
  batchMatrices(batchSize: number | readonly number[]): ConfusionMatrix[] {
    if (!this.#options.imageMatrices) {
      throw new RangeError(
        "Expected a run state with imageMatrices: true for batch matrices, but found per-class counts only",
      );
    }
    const sizes = batchSizeList(batchSize, this.#numImages);
    const images = this.#files.flatMap((f) => f.images);
    const C = this.numClasses;
    const out: ConfusionMatrix[] = [];
    let next = 0;
    for (const size of sizes) {
      const counts = new Float64Array(C * C), missed = new Float64Array(C);
      for (const image of images.slice(next, next + size)) {
        const cells = image.cells!;
        for (let k = 0; k < cells.length; k += 2) {
          const cell = cells[k];
          if (cell < C * C) counts[cell] += cells[k + 1];
          else missed[cell - C * C] += cells[k + 1];
        }
      }
      out.push(new ConfusionMatrix(C, this.#matrix.policy).addCounts(counts, missed));
      next += size;
    }
    return out;
  }

  /** The JSON form (see {@linkcode RunStateJSON}); {@linkcode RunState.fromJSON} reads it back. */
  toJSON(): RunStateJSON {
    return {
      format: RUN_STATE_FORMAT,
      version: RUN_STATE_VERSION,
      options: this.options,
      confusionMatrix: this.#matrix.toJSON(),
      files: this.#files.map((f) => ({
        name: f.name,
        images: f.images.map((i) =>
          i.cells !== undefined
            ? { cells: [...i.cells] }
            : { tp: [...i.tp], fp: [...i.fp], fn: [...i.fn] }
        ),
      })),
    };
  }

  /**
   * Reads a state back from its JSON form, checking every field: format and version, the
   * options, exact shapes, counts that are non-negative safe integers, files in name order, and
   * that the images add up to the dataset matrix. Errors name the bad field.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RunState } from "./run_state.ts";
   * const json = new RunState({ numClasses: 2 }).addImage("a", [0, 1], [0, 0]).toJSON();
   * assert.equal(RunState.fromJSON(json).numImages, 1);
   * const bad = structuredClone(json);
   * (bad.files[0].images[0] as { fn: number[] }).fn[1] = -1;
   * assert.throws(() => RunState.fromJSON(bad), /files\[0\]\.images\[0\]\.fn\[1\]/);
   * ```
   *
   * @param json The output of `toJSON` (possibly through `JSON.parse`).
   * @returns A new state.
   */
  static fromJSON(json: RunStateJSON): RunState {
    const { options, matrix, files } = readRunStateJSON(json);
    const state = new RunState(options);
    for (const file of files) {
      state.#files.push(file);
      state.#numImages += file.images.length;
    }
    state.#matrix.merge(matrix);
    return state;
  }
}

/**
 * Merges the states of shards into the state of one run over all their files: the same options
 * are required (else a `RangeError` names the first option that differs), no file may be in
 * two states, and the files are put in name order, so the result is identical to the state that
 * one run over all the files writes, whatever the grouping and order of the shards.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanIoU } from "../metrics/mean_iou.ts";
 * import { mergeRunStates, RunState } from "./run_state.ts";
 * const options = { numClasses: 2, batchSizes: [2] };
 * const all = new RunState(options).addImage("a", [0, 0], [0, 1]).addImage("b", [1], [1])
 *   .addImage("c", [1, 1], [1, 0]);
 * const shard1 = new RunState(options).addImage("a", [0, 0], [0, 1]).addImage("c", [1, 1], [1, 0]);
 * const shard2 = new RunState(options).addImage("b", [1], [1]);
 * const merged = mergeRunStates([shard2, shard1]);
 * assert.deepEqual(merged.toJSON(), all.toJSON());
 * // per-batch: batches [a, b] and [c], as in the single run
 * assert.equal(
 *   meanIoU(merged.stats, { average: "per-batch", batchSize: 2 }),
 *   meanIoU(all.stats, { average: "per-batch", batchSize: 2 }),
 * );
 * assert.throws(() => mergeRunStates([shard1, shard1]), /'a' in states\[0\] and states\[1\]/);
 * ```
 *
 * @param states At least one state.
 * @returns A new state.
 */
export function mergeRunStates(states: readonly RunState[]): RunState {
  if (!Array.isArray(states) || states.length === 0) {
    throw new RangeError("Expected at least one run state to merge, but found none");
  }
  states.forEach((s, k) => {
    if (!(s instanceof RunState)) {
      throw new TypeError(`Expected states[${k}] to be a RunState, but found ${describe(s)}`);
    }
  });
  const first = states[0].options;
  for (let k = 1; k < states.length; k++) {
    const o = states[k].options;
    for (const key of Object.keys(first) as (keyof RunOptions)[]) {
      const a = JSON.stringify(sortKeys(first[key])), b = JSON.stringify(sortKeys(o[key]));
      if (a !== b) {
        throw new RangeError(
          `Expected states made with the same options, but states[0] has ${key} ${a} and states[${k}] has ${b}`,
        );
      }
    }
  }
  const owner = new Map<string, number>();
  const files: { name: string; json: RunFileJSON }[] = [];
  const jsons = states.map((s) => s.toJSON());
  jsons.forEach((json, k) => {
    for (const file of json.files) {
      const other = owner.get(file.name);
      if (other !== undefined) {
        throw new RangeError(
          `Expected each file in one state only, but found '${file.name}' in states[${other}] and states[${k}]`,
        );
      }
      owner.set(file.name, k);
      files.push({ name: file.name, json: file });
    }
  });
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const matrix = new ConfusionMatrix(first.numClasses, first);
  for (const s of states) matrix.merge(s.confusionMatrix);
  return RunState.fromJSON({
    format: RUN_STATE_FORMAT,
    version: RUN_STATE_VERSION,
    options: first,
    confusionMatrix: matrix.toJSON(),
    files: files.map((f) => f.json),
  });
}

/** The nonzero cells of an image matrix as flat [cell, count] pairs; missed after the C x C. */
function sparseCells(image: ConfusionMatrix): Float64Array {
  const counts = image.counts(), missed = image.missed();
  const out: number[] = [];
  counts.forEach((v, k) => v !== 0 && out.push(k, v));
  missed.forEach((v, t) => v !== 0 && out.push(counts.length + t, v));
  return Float64Array.from(out);
}
