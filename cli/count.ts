/**
 * The exact counts a command starts from: masks read by the dataset reader (lib/io) and
 * counted image by image into {@linkcode SegmentationStats}, with the Keras emulations fed
 * alongside; or a saved confusion matrix. Counting errors are rewritten to name the file and
 * pixel, with the flag that would help.
 *
 * @module
 */

import { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import { SegmentationStats } from "../lib/core/segmentation_stats.ts";
import {
  type MaskPair,
  pairMasks,
  pixelPosition,
  type SkippedFile,
  type SymlinkPolicy,
} from "../lib/io/dataset.ts";
import { inferNumClasses, type MaskImage } from "../lib/io/mask_reader.ts";
import { readMaskPairsParallel } from "../lib/io/parallel_reader.ts";
import { DEFAULT_WHOLE_FILE_LIMIT } from "../lib/io/mask_source.ts";
import { fileError } from "../lib/io/_files.ts";
import { decodeNpy } from "../lib/io/npy.ts";
import { matrixFromJSON, MAX_SAVED_MATRIX_CLASSES } from "../lib/keras/saved_matrix.ts";
import type { KerasAudit } from "../lib/keras/audit.ts";
import {
  classesFlag,
  type Flags,
  gib,
  InputError,
  intFlag,
  MAX_CLASSES,
  symlinksFlag,
} from "./args.ts";

/** How masks are counted: the flags `--classes`, `--ignore`, `--out-of-range`, `--axis`. */
export interface CountOptions {
  /** `--classes`; inferred from the data when absent. */
  numClasses?: number;
  /** `--ignore`: true labels whose pixels are not counted. */
  ignore: number[];
  /** `--out-of-range`. */
  outOfRange: "error" | "drop" | "miss";
  /** `--axis`: predictions are class scores along this axis. */
  axis?: number;
  /** `--max-pixels`: the most values one read decodes (default: the decoders' 2^28). */
  maxPixels?: number;
  /** `--quiet`: no progress bar. */
  quiet: boolean;
  /** `--symlinks`: what the folder walk does with symbolic links (default follow). */
  symlinks?: SymlinkPolicy;
  /** Collects what the folder walk left out (printed on stderr at the end of the run). */
  skipped?: SkippedFile[];
  /** `--jobs`: threads reading and decoding files (default 1: the calling thread). */
  jobs?: number;
  /** Keras emulations fed image by image, made once the number of classes is known. */
  keras?: (numClasses: number) => KerasAudit;
  /** `--shard`: keeps a subset of the sorted pairs (see cli/merge.ts). */
  selectPairs?: (pairs: MaskPair[]) => MaskPair[];
  /** `--save-state`: called with every image and its counts once counted (see cli/merge.ts). */
  onImage?: (image: MaskImage, counts: ConfusionMatrix) => void;
}

/** The counted masks. */
export interface Counted {
  /** The exact state. */
  stats: SegmentationStats;
  /** The Keras emulations, fed every batch (undefined without Keras). */
  keras?: KerasAudit;
  /** The number of classes. */
  numClasses: number;
  /** Whether it was inferred from the data. */
  classesInferred: boolean;
  /** The number of file pairs. */
  files: number;
}

/**
 * The counting flags, checked.
 *
 * @param v the flags
 * @returns the options (without Keras)
 * @throws {InputError} for a bad `--classes`, `--ignore`, `--out-of-range` or `--axis`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countOptions } from "./count.ts";
 * const o = countOptions({ classes: "21", ignore: "255", axis: "-1" });
 * assert.deepEqual([o.numClasses, o.ignore, o.outOfRange, o.axis], [21, [255], "error", -1]);
 * assert.throws(() => countOptions({ "out-of-range": "clip" }), /--out-of-range/);
 * ```
 */
export function countOptions(v: Flags): CountOptions {
  const outOfRange = v["out-of-range"] ?? "error";
  if (outOfRange !== "error" && outOfRange !== "drop" && outOfRange !== "miss") {
    throw new InputError(
      `Expected --out-of-range to be error, drop or miss, but found '${outOfRange}'`,
    );
  }
  const axis = v.axis === undefined ? undefined : Number(v.axis);
  if (axis !== undefined && (!/^-?[0-9]+$/.test(v.axis!.trim()) || !Number.isSafeInteger(axis))) {
    throw new InputError(`Expected --axis to be an integer, but found '${v.axis}'`);
  }
  return {
    numClasses: classesFlag(v.classes),
    ignore: v.ignore === undefined ? [] : v.ignore.split(",").map((t) => {
      const x = Number(t.trim());
      if (!/^-?[0-9]+$/.test(t.trim()) || !Number.isSafeInteger(x)) {
        throw new InputError(`Expected --ignore to be integer labels, but found '${v.ignore}'`);
      }
      return x;
    }),
    outOfRange,
    axis,
    maxPixels: intFlag("max-pixels", v["max-pixels"], 1),
    quiet: v.quiet ?? false,
    jobs: intFlag("jobs", v.jobs, 1) ?? 1,
    symlinks: symlinksFlag(v.symlinks),
    skipped: [],
  };
}

/** Files up to this size are read whole; bigger (N, ...) stacks are streamed image by image. */
const WHOLE_FILE_LIMIT = (() => {
  try {
    // for tests of the streaming path; read only when --allow-env grants it (never prompts)
    const variable = "SEGMETRICS_WHOLE_FILE_LIMIT";
    if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") {
      return DEFAULT_WHOLE_FILE_LIMIT;
    }
    const v = Deno.env.get(variable);
    if (v !== undefined && /^[0-9]+$/.test(v)) return Number(v);
  } catch { /* no env permission */ }
  return DEFAULT_WHOLE_FILE_LIMIT;
})();

/**
 * The images of `pairs`, read by the dataset reader: the one place the CLI reads masks (a
 * parallel reader goes here).
 */
function readImages(
  pairs: MaskPair[],
  o: CountOptions,
  numClasses: number,
): { images: AsyncGenerator<MaskImage>; end(): void } {
  const bar = progressBar(o.quiet);
  return {
    // --jobs: files read and decoded on worker threads, images back in file order, so the
    // counts below are the same whatever the number of jobs (lib/io/parallel_reader.ts)
    images: readMaskPairsParallel(pairs, {
      axis: o.axis,
      maxPixels: o.maxPixels,
      wholeFileLimit: WHOLE_FILE_LIMIT,
      onProgress: bar.tick,
      jobs: o.jobs ?? 1,
      // the workers count the images they read; the counts below merge them in file order
      count: { numClasses, counting: { ignoreIndex: o.ignore, outOfRange: o.outOfRange } },
    }),
    end: bar.end,
  };
}

/**
 * Counts the masks of `--true` and `--pred` (files or folders) into the exact state, and feeds
 * the Keras emulations the same batches.
 *
 * @param truePath `--true`
 * @param predPath `--pred`
 * @param o the counting options
 * @returns the counts
 * @throws {InputError} for bad files, unpaired files, or labels the options refuse (naming the
 *   file and pixel)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNpy } from "../lib/io/npy.ts";
 * import { countMasks } from "./count.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/t.npy`, encodeNpy({ shape: [2, 2], data: new Uint8Array([0, 1, 1, 1]) }));
 * await Deno.writeFile(`${dir}/p.npy`, encodeNpy({ shape: [2, 2], data: new Uint8Array([0, 1, 0, 1]) }));
 * const c = await countMasks(`${dir}/t.npy`, `${dir}/p.npy`, { ignore: [], outOfRange: "error", quiet: true });
 * assert.deepEqual(c.stats.confusionMatrix.toArray(), [[1, 0], [1, 2]]);
 * assert.equal(c.classesInferred, true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function countMasks(
  truePath: string,
  predPath: string,
  o: CountOptions,
): Promise<Counted> {
  const all = await pairMasks(truePath, predPath, { symlinks: o.symlinks, skipped: o.skipped });
  const pairs = o.selectPairs?.(all) ?? all;
  let numClasses = o.numClasses;
  const inferred = numClasses === undefined;
  if (numClasses === undefined) {
    // scores: the class axis; labels: a first pass for the largest label
    numClasses = await inferNumClasses(pairs, {
      axis: o.axis,
      ignore: o.ignore,
      maxPixels: o.maxPixels,
      wholeFileLimit: WHOLE_FILE_LIMIT,
    });
    if (numClasses > MAX_CLASSES) throw tooManyClasses(numClasses, truePath, predPath, o.axis);
  }
  let stats: SegmentationStats;
  try {
    stats = new SegmentationStats(numClasses, { ignoreIndex: o.ignore, outOfRange: o.outOfRange });
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const keras = o.keras?.(numClasses);
  // With every counted pixel in range (outOfRange "error"), Keras needs only each batch's exact
  // counts: the difference of the running matrix between batch ends, no second count. Other
  // policies feed the pixels, because Keras versions treat out-of-range ids differently.
  const byCounts = keras !== undefined && o.outOfRange === "error";
  let before: Float64Array = new Float64Array(numClasses * numClasses);
  let inBatch = 0;
  const flushCounts = () => {
    const now = stats.confusionMatrix.counts();
    const delta = now.map((v, k) => v - before[k]);
    keras!.addBatchCounts(delta);
    before = now;
    inBatch = 0;
  };
  const reading = readImages(pairs, o, numClasses);
  try {
    for await (const img of reading.images) {
      let image: ConfusionMatrix;
      try {
        image = img.counts ??
          new ConfusionMatrix(numClasses, stats.confusionMatrix.policy).update(
            img.yTrue,
            img.yPred,
          );
        stats.addImageMatrix(image);
      } catch (e) {
        throw labelError(e, img.pair, img.index, img.count, img.shape);
      }
      o.onImage?.(img, image);
      if (byCounts) {
        if (++inBatch === keras.batchSize) flushCounts();
      } else keras?.addImage(img.yTrue, img.yPred);
    }
    if (byCounts && inBatch > 0) flushCounts();
  } finally {
    reading.end();
  }
  if (stats.numImages === 0) throw new InputError("Expected at least one image, but found none");
  return { stats, keras, numClasses, classesInferred: inferred, files: pairs.length };
}

/** The refusal of an inferred class count above MAX_CLASSES, naming the inputs and --classes. */
function tooManyClasses(
  numClasses: number,
  truePath: string,
  predPath: string,
  axis: number | undefined,
): InputError {
  const what = axis !== undefined
    ? `the class axis (--axis ${axis}) of ${predPath} has ${numClasses} entries`
    : `the largest label in ${truePath} and ${predPath} is ${numClasses - 1}, which implies ` +
      `${numClasses} classes`;
  return new InputError(
    `Expected at most ${MAX_CLASSES} classes, but ${what} (a ${numClasses} x ${numClasses} ` +
      `matrix of ${gib(numClasses)}); pass --classes N (at most ${MAX_CLASSES}) with ` +
      `--out-of-range drop or miss, or --ignore LABEL for a label that marks pixels to leave out`,
  );
}

/** Rewrites a counting error ("... at index 12") into one that names the file and pixel. */
function labelError(
  e: unknown,
  pair: MaskPair,
  image: number,
  count: number,
  shape: number[],
): InputError {
  if (e instanceof InputError) return e;
  const message = (e as Error).message ?? String(e);
  const where = count > 1 ? ` (image ${image})` : "";
  const m = /^Expected (yTrue|yPred) (.*) at index ([0-9]+)(.*)$/.exec(message);
  if (m) {
    const file = m[1] === "yTrue" ? pair.truePath : pair.predPath;
    const what = m[1] === "yTrue" ? "true labels" : "predicted labels";
    const body = m[2].replace(/^values /, "");
    const found = /but found (-?[0-9]+)$/.exec(body);
    const hint = m[1] === "yPred" && /integer/.test(body)
      ? "; for class scores pass --axis"
      : m[1] === "yTrue" && found
      ? `; pass --ignore ${found[1]} if it marks pixels to leave out, or --classes`
      : m[1] === "yPred" && found
      ? "; pass --classes, or --out-of-range drop|miss"
      : "";
    return new InputError(
      `${file}${where}: Expected ${what} ${body} at ${pixelPosition(Number(m[3]), shape)}${
        m[4]
      }${hint}`,
    );
  }
  return new InputError(`${pair.truePath} / ${pair.predPath}${where}: ${message}`);
}

/** A progress bar on stderr, drawn only when stderr is a terminal. */
function progressBar(
  quiet: boolean,
): { tick(done: number, total: number, unit: string): void; end(): void } {
  let enabled = false;
  try {
    enabled = !quiet && Deno.stderr.isTerminal();
  } catch {
    enabled = false;
  }
  if (!enabled) return { tick() {}, end() {} };
  const encoder = new TextEncoder();
  let last = 0, drawn = false;
  const width = 30;
  return {
    tick(done, total, unit) {
      const now = Date.now();
      if (total > 1 && (now - last > 100 || done === total)) {
        last = now;
        const filled = Math.round((done / total) * width);
        drawn = true;
        Deno.stderr.writeSync(
          encoder.encode(
            `\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} ${unit}`,
          ),
        );
      }
    },
    end() {
      if (drawn) Deno.stderr.writeSync(encoder.encode("\r" + " ".repeat(60) + "\r"));
    },
  };
}

/**
 * The largest file `--cm` reads: 4096 x 4096 cells of 24 characters of JSON each (a count
 * below 2^53 has at most 16 digits) plus 1 MiB of header or surrounding JSON, 385 MiB. A .npy
 * matrix of 4096 classes (16 bytes a cell at most) is well within it.
 */
const SAVED_MATRIX_MAX_BYTES = MAX_SAVED_MATRIX_CLASSES ** 2 * 24 + 2 ** 20;

/** A saved confusion matrix: its cells (row-major), size and stored dtype ("json" for JSON). */
export interface SavedCounts {
  /** Cells, row-major. */
  counts: ArrayLike<number>;
  /** Number of classes (rows). */
  numClasses: number;
  /** The .npy dtype, or "json". */
  dtype: string;
}

/**
 * Reads a saved confusion matrix (`--cm`): a square .npy array (e.g. Keras' total_cm saved by
 * np.save) or JSON (a nested array, or this tool's JSON output).
 *
 * @param path the file
 * @returns the cells, size and dtype
 * @throws {InputError} for a missing, malformed or non-square file
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadSavedMatrix } from "./count.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/cm.json`, "[[5, 1], [2, 7]]");
 * const m = await loadSavedMatrix(`${dir}/cm.json`);
 * assert.deepEqual([Array.from(m.counts), m.numClasses, m.dtype], [[5, 1, 2, 7], 2, "json"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadSavedMatrix(path: string): Promise<SavedCounts> {
  let bytes: Uint8Array;
  try {
    // refuse a file no matrix of MAX_SAVED_MATRIX_CLASSES could fill before reading it whole
    const size = (await Deno.stat(path)).size;
    if (size > SAVED_MATRIX_MAX_BYTES) {
      throw new InputError(
        `${path}: Expected a saved confusion matrix of at most ${MAX_SAVED_MATRIX_CLASSES} ` +
          `classes (at most ${SAVED_MATRIX_MAX_BYTES} bytes), but the file holds ${size} bytes`,
      );
    }
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw e instanceof InputError ? e : fileError(path, e);
  }
  if (path.toLowerCase().endsWith(".json")) {
    let json;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
    }
    try {
      return { ...matrixFromJSON(json, path), dtype: "json" };
    } catch (e) {
      throw new InputError((e as Error).message);
    }
  }
  if (!path.toLowerCase().endsWith(".npy")) {
    throw new InputError(`${path}: expected a saved confusion matrix in a .npy or .json file`);
  }
  let array;
  try {
    array = decodeNpy(bytes, path);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const s = array.shape;
  if (s.length !== 2 || s[0] !== s[1] || s[0] < 2) {
    throw new InputError(
      `${path}: expected a square confusion matrix of shape (C, C) with C >= 2, but found ` +
        `shape (${s.join(", ")})`,
    );
  }
  return { counts: array.data, numClasses: s[0], dtype: array.dtype };
}
