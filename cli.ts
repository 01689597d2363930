/**
 * The `deno run` entry: audits segmentation masks. With no arguments it prints every
 * definition of mean IoU side by side on the built-in demo dataset.
 *
 * Commands: `compare`, `keras`, `explain A B`, `risk`; `--help` after any of them.
 * Exit codes: 0 success, 2 bad usage or bad input (the message names the file and pixel),
 * 1 internal error. Output files (`--out`, `--save-cm`) are written only when everything
 * succeeded, through a temporary file and a rename, so a failed run leaves none behind.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { argmax } from "./lib/core/argmax.ts";
import { pairByName, pixelPosition, toLabelArray } from "./lib/io/dataset.ts";
import {
  analyzeSavedMatrix,
  matrixFromJSON,
  savedMatrix,
  type SavedMatrixReport,
} from "./lib/keras/saved_matrix.ts";
import { compare, type Comparison } from "./lib/metrics/compare.ts";
import type { ConfusionMatrix } from "./lib/core/confusion_matrix.ts";
import { demoDataset } from "./lib/io/demo_dataset.ts";
import { DEFINITION_GRAMMAR, explain, type Explanation } from "./lib/metrics/explain.ts";
import { decodeNpy, encodeNpy, type NpyData, NpyFile, NpyFormatError } from "./lib/io/npy.ts";
// Modules only some runs need are loaded on demand (start-up time of every run):
// lib/io/png.ts (fast-png), lib/keras/audit.ts and lib/keras/risk.ts (the Keras emulation).
import type { KerasAudit, kerasResultOnMatrix, KerasRun, KerasSpec } from "./lib/keras/audit.ts";
import type { KerasBackend } from "./lib/keras/version.ts";
import type { LabelArray } from "./lib/core/labels.ts";
import { meanIoU } from "./lib/metrics/mean_iou.ts";
import type { RiskReport } from "./lib/keras/risk.ts";
import { SegmentationStats } from "./lib/core/segmentation_stats.ts";

// ---------------------------------------------------------------------------------------------
// Errors

/** A problem with the user's input or arguments: printed without a stack, exit code 2. */
export class InputError extends Error {
  /** @param message what was expected and what was found, naming the input */
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

// ---------------------------------------------------------------------------------------------
// Help

const COMMON = `Input flags:
  --true PATH          ground-truth masks: a .npy or .png file, or a folder of them
  --pred PATH          predicted masks (or class scores with --axis): file or folder; folders
                       are read recursively and paired by path without extension (a.png with
                       a.npy, city/a.png with city/a.npy)
  --classes N          number of classes (default: largest label + 1, or the --axis length)
  --ignore L[,L...]    true labels whose pixels are not counted (e.g. 255)
  --out-of-range P     error (default) | drop | miss: labels outside [0, N) that are not ignored
  --axis K             predictions are scores: argmax over axis K of each .npy prediction
                       (axis of the whole file, e.g. -1 for (N, H, W, C), 1 for (N, C, H, W));
                       ties go to the first maximum, as in Keras; PNG files stay labels
  --batch-size B[,B]   batch size(s) for per-batch definitions and Keras (default 8)
Output flags:
  --format F           table (default) | json | csv | markdown
  --out FILE           write the output to FILE (only if the whole run succeeds)
  --save-cm FILE.npy   also save the exact confusion matrix as an int64 .npy
  --quiet              no progress bar (it is shown only when stderr is a terminal)`;

const HELP: Record<string, string> = {
  main: `Usage: deno task cli [COMMAND] [FLAGS]

Audits segmentation masks: the exact mean IoU under every common definition, what Keras would
report, and why the numbers differ.

Commands:
  compare     every definition side by side (default command; no flags: the built-in demo)
  keras       what Keras MeanIoU (by version, backend, eager or compiled) reports for these masks
  explain A B the path from definition A to definition B, one option at a time
  risk        predict float32 count loss of Keras MeanIoU from dataset sizes alone

With no arguments: the built-in synthetic dataset (300 images of 64x64, imbalanced classes, an
absent class, an ignored border), every definition side by side, and what Keras 3.7 and 3.15
report at batch size 8.

Run 'deno task cli COMMAND --help' for a command's flags.

Example:
  deno task cli compare --true gt/ --pred pred/ --classes 21 --ignore 255 --format json
`,
  compare: `Usage: deno task cli compare --true PATH --pred PATH [FLAGS]
       deno task cli compare --cm SAVED.npy|SAVED.json [--format F]

Every definition of mean IoU side by side on the exact counts, with one line each on why it
differs from the dataset mIoU, and what the emulated Keras versions report (one update_state
per batch of --batch-size images), with the gap to exact split into epsilon and float32 parts.
Images are read and counted one at a time.

With --cm: a saved confusion matrix (e.g. Keras total_cm saved with np.save, a JSON nested
array, or this tool's JSON output): the dataset-level definitions and the signs of float32
damage (cells at exactly 2^24 = 16777216, float32 values above 2^24, int32 wraps).

${COMMON}

Keras flags: --keras V[,V...] (default 3.7,3.15; none to skip; left out by default when
--ignore has several labels, which Keras cannot express), --backend B, --compiled (also the
XLA-compiled update); see 'keras --help'.

Example:
  deno task cli compare --true val/gt --pred val/pred --classes 21 --ignore 255 --keras 3.7,3.15
  deno task cli compare --true y_true.npy --pred probs.npy --axis -1 --format json
  deno task cli compare --cm total_cm.npy
`,
  keras: `Usage: deno task cli keras --true PATH --pred PATH [--keras V[,V...]] [--backend B]
                          [--compiled] [--batch-size B] [FLAGS]

What Keras MeanIoU would report for these masks: the bit-exact emulation of each version fed one
update_state per batch of --batch-size consecutive images (file order), as evaluate() does; its
total_cm, result(), and the gap to the exact dataset mIoU split into epsilon and float32 parts.

Keras flags:
  --keras V[,V...]     versions, e.g. 2.15,3.7,3.8,3.15.1 (default 3.7,3.15)
  --backend B          tensorflow (default) | jax | torch | numpy
  --compiled           also the compiled (XLA) update of fit/evaluate with jit_compile: float32
                       cells freeze at 16777216 for good
  --batch-size B       images per update_state call (default 8)

${COMMON}

Example:
  deno task cli keras --true val/gt --pred val/pred --classes 21 --ignore 255 --keras 3.7 \\
    --batch-size 16 --compiled
`,
  explain: `Usage: deno task cli explain A B --true PATH --pred PATH [FLAGS]

The step-by-step path from definition A to definition B: one option changes at a time (absent
classes, empty ground truth, epsilon, smoothing, then the averaging level and batch size), with
the value after each step. A or B may be a Keras: keras-VERSION[-BACKEND][-xla] (batch size
from --batch-size): the steps are then Keras 3's epsilon and float32 counting and arithmetic.

Definition names: ${DEFINITION_GRAMMAR}.

${COMMON}

Example:
  deno task cli explain dataset per-batch-8 --true gt/ --pred pred/ --ignore 255
  deno task cli explain dataset keras-3.7-jax-xla --true gt/ --pred pred/ --batch-size 16
  deno task cli explain image-first-skip-empty-gt dataset-absent-one --true y.npy --pred p.npy
`,
  risk: `Usage: deno task cli risk --image-size HxW (--images N | --pixels P) --batch-size B
                          --classes C [--frequencies f0,f1,...] [--accuracy A] [--format F]

Without data: predicts whether float32 confusion-matrix counting (tf.keras 2.x, Keras 3.0-3.7,
or any Keras 3 MeanIoU(dtype="float32")) loses counts, from which batch, and how much; eager
(update_state, evaluate without XLA) and compiled (JAX, TensorFlow jit_compile=True: the cell
freezes at 2^24 for good); and when the int32 state of Keras 3.8+ on JAX/torch/numpy wraps.
Model: every image holds the class shares --frequencies (default: all pixels in one class, the
worst case), a share --accuracy (default 1) of each predicted right; simulated batch by batch.

Flags:
  --image-size HxW     pixels per image, e.g. 512x512 (or a plain pixel count)
  --images N           number of images per evaluation pass
  --pixels P           total pixels instead of --images (rounded up to whole images)
  --batch-size B       images per update_state call
  --classes C          number of classes
  --frequencies F,...  share of pixels per class (normalised)
  --accuracy A         share of each class's pixels predicted right, in (0, 1]
  --compiled           put the compiled (XLA) figures first in the table
  --format F           table | json | csv | markdown

Example:
  deno task cli risk --images 500 --image-size 512x512 --batch-size 8 --classes 21 \\
    --frequencies 0.6,0.2,0.2
`,
};

// ---------------------------------------------------------------------------------------------
// Argument parsing

type Flags = {
  true?: string;
  pred?: string;
  cm?: string;
  classes?: string;
  ignore?: string;
  "out-of-range"?: string;
  axis?: string;
  "batch-size"?: string;
  format?: string;
  out?: string;
  "save-cm"?: string;
  quiet?: boolean;
  help?: boolean;
  keras?: string;
  backend?: string;
  compiled?: boolean;
  "image-size"?: string;
  images?: string;
  pixels?: string;
  frequencies?: string;
  accuracy?: string;
};

const OPTIONS = {
  true: { type: "string" },
  pred: { type: "string" },
  cm: { type: "string" },
  classes: { type: "string" },
  ignore: { type: "string" },
  "out-of-range": { type: "string" },
  axis: { type: "string" },
  "batch-size": { type: "string" },
  format: { type: "string" },
  out: { type: "string" },
  "save-cm": { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  keras: { type: "string" },
  backend: { type: "string" },
  compiled: { type: "boolean" },
  "image-size": { type: "string" },
  images: { type: "string" },
  pixels: { type: "string" },
  frequencies: { type: "string" },
  accuracy: { type: "string" },
} as const;

function intFlag(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!/^-?[0-9]+$/.test(text.trim()) || !Number.isSafeInteger(v) || v < min) {
    throw new InputError(`Expected --${name} to be an integer >= ${min}, but found '${text}'`);
  }
  return v;
}

function intList(name: string, text: string | undefined, min: number): number[] | undefined {
  if (text === undefined) return undefined;
  return text.split(",").map((t) => intFlag(name, t.trim(), min)!);
}

type Format = "table" | "json" | "csv" | "markdown";

function formatFlag(text: string | undefined): Format {
  const f = text ?? "table";
  if (f !== "table" && f !== "json" && f !== "csv" && f !== "markdown") {
    throw new InputError(`Expected --format to be table, json, csv or markdown, but found '${f}'`);
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// Reading masks

/** One input file: its images (slices along the first axis) read on demand. */
interface Source {
  path: string;
  /** Number of images. */
  count: number;
  /** Shape of one image (scores include the class axis). */
  shape: number[];
  /** Argmax axis within one image, for scores. */
  axis?: number;
  read(i: number): Promise<NpyData | Uint8Array | Uint16Array>;
  close(): void;
}

/** Files up to this size are read whole; bigger (N, ...) stacks are streamed image by image. */
const WHOLE_FILE_LIMIT = (() => {
  try {
    // for tests of the streaming path; read only when --allow-env grants it (never prompts)
    const variable = "SEGMETRICS_WHOLE_FILE_LIMIT";
    if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") {
      return 64 * 1024 * 1024;
    }
    const v = Deno.env.get(variable);
    if (v !== undefined && /^[0-9]+$/.test(v)) return Number(v);
  } catch { /* no env permission */ }
  return 64 * 1024 * 1024;
})();

async function openSource(path: string, scoresAxis: number | undefined): Promise<Source> {
  const lower = path.toLowerCase();
  if (lower.endsWith(".png")) {
    // a PNG always holds labels: --axis applies to .npy scores only
    const { decodePngMask } = await import("./lib/io/png.ts");
    const mask = decodePngMask(await readFile(path), path);
    return {
      path,
      count: 1,
      shape: mask.shape,
      read: () => Promise.resolve(mask.data),
      close() {},
    };
  }
  if (!lower.endsWith(".npy")) {
    throw new InputError(`${path}: expected a .npy or .png file`);
  }
  const size = (await stat(path)).size;
  let header: { shape: number[] } = { shape: [] };
  let read: (i: number, count: number) => Promise<NpyData> = () => Promise.reject();
  let close = () => {};
  const whole = async () => {
    const array = decodeNpy(await readFile(path), path, { share: true }); // bytes are ours
    header = array;
    read = (i, count) => {
      const per = array.data.length / count;
      return Promise.resolve(array.data.subarray(i * per, (i + 1) * per) as NpyData);
    };
  };
  if (size <= WHOLE_FILE_LIMIT) {
    await whole();
  } else {
    // a big file: stream a stack image by image; a single big image is read whole
    const file = await NpyFile.open(path);
    const fs = file.header.shape;
    const stack = scoresAxis === undefined
      ? fs.length === 4 || (fs.length === 3 && fs[2] !== 1)
      : fs.length === 4;
    if (stack) {
      header = file.header;
      read = (i) => file.readSlice(i);
      close = () => file.close();
    } else {
      file.close();
      await whole();
    }
  }
  const shape = header.shape;
  const rank = shape.length;
  if (scoresAxis === undefined) {
    // labels: (H, W), (N, H, W); a singleton channel axis is dropped: (H, W, 1), (N, H, W, 1),
    // (N, 1, H, W) (the C-order data is the same)
    if (rank === 1 || rank === 2) {
      return { path, count: 1, shape, read: () => read(0, 1), close };
    }
    if (rank === 3 && shape[2] === 1) {
      return { path, count: 1, shape: shape.slice(0, 2), read: () => read(0, 1), close };
    }
    if (rank === 3 || (rank === 4 && (shape[3] === 1 || shape[1] === 1))) {
      const image = rank === 3
        ? shape.slice(1)
        : shape[3] === 1
        ? shape.slice(1, 3)
        : shape.slice(2);
      return { path, count: shape[0], shape: image, read: (i) => read(i, shape[0]), close };
    }
    close();
    throw new InputError(
      `${path}: expected labels of shape (H, W) or (N, H, W) (a singleton channel axis is ` +
        `allowed), but found shape (${shape.join(", ")})` +
        (rank === 4 ? "; for class scores pass --axis" : ""),
    );
  }
  if (rank === 3 || rank === 4) {
    if (scoresAxis < -rank || scoresAxis >= rank || (rank === 4 && scoresAxis === 0)) {
      close();
      throw new InputError(
        `${path}: expected --axis to name a class axis of shape (${shape.join(", ")}), but ` +
          `found ${scoresAxis}`,
      );
    }
    if (rank === 3) {
      return {
        path,
        count: 1,
        shape,
        axis: scoresAxis,
        read: () => read(0, 1),
        close,
      };
    }
    const axis = scoresAxis < 0 ? scoresAxis : scoresAxis - 1;
    return {
      path,
      count: shape[0],
      shape: shape.slice(1),
      axis,
      read: (i) => read(i, shape[0]),
      close,
    };
  }
  close();
  throw new InputError(
    `${path}: expected class scores of shape (H, W, C) or (N, H, W, C) (any axis order) with ` +
      `--axis, but found shape (${shape.join(", ")})`,
  );
}

// Files of the next pair are read in the background (Deno's async reads run on other threads)
// while the current pair is counted; a file not prefetched is read synchronously.
const prefetched = new Map<string, Promise<Uint8Array>>();

function prefetch(path: string): void {
  if (prefetched.has(path)) return;
  try {
    if (Deno.statSync(path).size > WHOLE_FILE_LIMIT) return; // big stacks are streamed
  } catch {
    return; // reported when the file is opened
  }
  const pending = Deno.readFile(path);
  pending.catch(() => {}); // a failure is reported when the file is opened, not as unhandled
  prefetched.set(path, pending);
}

function readFile(path: string): Promise<Uint8Array> {
  const pending = prefetched.get(path);
  if (pending !== undefined) {
    prefetched.delete(path);
    return pending.catch((e) => Promise.reject(fileError(path, e)));
  }
  try {
    return Promise.resolve(Deno.readFileSync(path));
  } catch (e) {
    return Promise.reject(fileError(path, e));
  }
}

function stat(path: string): Promise<Deno.FileInfo> {
  try {
    return Promise.resolve(Deno.statSync(path));
  } catch (e) {
    return Promise.reject(fileError(path, e));
  }
}

function fileError(path: string, e: unknown): InputError {
  if (e instanceof Deno.errors.NotFound) return new InputError(`${path}: no such file or folder`);
  if (e instanceof Deno.errors.PermissionDenied) {
    return new InputError(`${path}: permission denied (run with --allow-read)`);
  }
  return new InputError(`${path}: ${(e as Error).message}`);
}

/** Mask files under `dir` (recursively), as paths relative to `dir`, sorted. */
function listMasks(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    if (depth > 32) return;
    const here = rel === "" ? dir : `${dir}/${rel}`;
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(here)];
    } catch (e) {
      throw fileError(here, e);
    }
    for (const entry of entries) {
      const name = entry.name.toLowerCase();
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory) walk(path, depth + 1);
      else if (entry.isFile && (name.endsWith(".npy") || name.endsWith(".png"))) out.push(path);
    }
  };
  try {
    walk("", 0);
  } catch (e) {
    return Promise.reject(e);
  }
  return Promise.resolve(out.sort());
}

interface PathPair {
  truePath: string;
  predPath: string;
}

async function resolvePairs(truePath: string, predPath: string): Promise<PathPair[]> {
  const [t, p] = [await stat(truePath), await stat(predPath)];
  if (t.isDirectory !== p.isDirectory) {
    throw new InputError(
      `Expected --true and --pred to be both files or both folders, but ${truePath} is a ${
        t.isDirectory ? "folder" : "file"
      } and ${predPath} is a ${p.isDirectory ? "folder" : "file"}`,
    );
  }
  if (!t.isDirectory) return [{ truePath, predPath }];
  const tRoot = truePath.replace(/\/+$/, ""), pRoot = predPath.replace(/\/+$/, "");
  const trueFiles = await listMasks(tRoot);
  const predFiles = await listMasks(pRoot);
  let pairing;
  try {
    pairing = pairByName(trueFiles, predFiles); // by the path relative to each root
  } catch (e) {
    throw new InputError(`${tRoot}, ${pRoot}: ${(e as Error).message}`);
  }
  const pairs = pairing.pairs.map((x) => ({
    truePath: `${tRoot}/${x.truePath}`,
    predPath: `${pRoot}/${x.predPath}`,
  }));
  const unpairedTrue = pairing.unpairedTrue.map((f) => `${tRoot}/${f}`);
  const unpairedPred = pairing.unpairedPred.map((f) => `${pRoot}/${f}`);
  if (unpairedTrue.length > 0 || unpairedPred.length > 0) {
    const show = (xs: string[]) =>
      xs.slice(0, 20).join(", ") + (xs.length > 20 ? `, and ${xs.length - 20} more` : "");
    const parts = [];
    if (unpairedTrue.length > 0) {
      parts.push(
        `ground truth without a prediction (${unpairedTrue.length}): ${show(unpairedTrue)}`,
      );
    }
    if (unpairedPred.length > 0) {
      parts.push(
        `predictions without a ground truth (${unpairedPred.length}): ${show(unpairedPred)}`,
      );
    }
    throw new InputError(
      `Expected every file to have a partner with the same name; ${parts.join("; ")}`,
    );
  }
  if (pairs.length === 0) {
    throw new InputError(
      `Expected .npy or .png masks in ${truePath} and ${predPath}, but found none`,
    );
  }
  return pairs;
}

/** Rewrites a counting error ("... at index 12") into one that names the file and pixel. */
function labelError(
  e: unknown,
  pair: PathPair,
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
interface Progress {
  /** Sets the total and its unit ("files", or "images" for one stacked file). */
  start(total: number, unit: string): void;
  tick(done: number): void;
  end(): void;
}

function progress(quiet: boolean): Progress {
  let enabled = false;
  try {
    enabled = !quiet && Deno.stderr.isTerminal();
  } catch {
    enabled = false;
  }
  if (!enabled) return { start() {}, tick() {}, end() {} };
  const encoder = new TextEncoder();
  let last = 0, total = 0, unit = "files", drawn = false;
  const draw = (done: number) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    drawn = true;
    Deno.stderr.writeSync(
      encoder.encode(
        `\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} ${unit}`,
      ),
    );
  };
  return {
    start(n, u) {
      total = n;
      unit = u;
    },
    tick(done) {
      const now = Date.now();
      if (total > 1 && (now - last > 100 || done === total)) {
        last = now;
        draw(done);
      }
    },
    end() {
      if (drawn) Deno.stderr.writeSync(encoder.encode("\r" + " ".repeat(60) + "\r"));
    },
  };
}

interface CountOptions {
  numClasses?: number;
  ignore: number[];
  outOfRange: "error" | "drop" | "miss";
  axis?: number;
  quiet: boolean;
  /** Keras emulations fed image by image, made once the number of classes is known. */
  keras?: (numClasses: number) => KerasAudit;
}

interface Counted {
  stats: SegmentationStats;
  keras?: KerasAudit;
  numClasses: number;
  classesInferred: boolean;
  files: number;
}

/** Reads pairs image by image and yields (true labels, predicted labels, shape). */
async function* images(
  pairs: PathPair[],
  axis: number | undefined,
  bar: Progress,
): AsyncGenerator<
  {
    pair: PathPair;
    index: number;
    count: number;
    yTrue: LabelArray;
    yPred: LabelArray;
    shape: number[];
  }
> {
  let done = 0;
  if (pairs.length > 1) bar.start(pairs.length, "files");
  for (let k = 0; k < pairs.length; k++) {
    const pair = pairs[k];
    const t = await openInput(pair.truePath, undefined);
    let p: Source;
    try {
      p = await openInput(pair.predPath, axis);
    } catch (e) {
      t.close();
      throw e;
    }
    if (k + 1 < pairs.length) {
      prefetch(pairs[k + 1].truePath);
      prefetch(pairs[k + 1].predPath);
    }
    try {
      if (t.count !== p.count) {
        throw new InputError(
          `Expected the same number of images in ${pair.truePath} (${t.count}) and ` +
            `${pair.predPath} (${p.count})`,
        );
      }
      if (pairs.length === 1) bar.start(t.count, "images");
      for (let i = 0; i < t.count; i++) {
        const yTrue = toLabelArray(await t.read(i) as NpyData);
        let yPred: LabelArray;
        let predShape: number[];
        if (p.axis !== undefined) {
          let r;
          try {
            r = argmax({ shape: p.shape, data: await p.read(i) }, p.axis, {
              source: p.count > 1 ? `${p.path} (image ${i})` : p.path,
            });
          } catch (e) {
            const where = p.count > 1 ? ` (image ${i})` : "";
            throw new InputError(`${p.path}${where}: ${(e as Error).message}`);
          }
          yPred = r.data;
          predShape = r.shape;
        } else {
          yPred = toLabelArray(await p.read(i) as NpyData);
          predShape = p.shape;
        }
        if (predShape.join(",") !== t.shape.join(",")) {
          const where = t.count > 1 ? ` (image ${i})` : "";
          throw new InputError(
            `Expected ${pair.predPath}${where} to have the shape of ${pair.truePath}: ` +
              `(${t.shape.join(", ")}), but found (${predShape.join(", ")})` +
              (p.axis !== undefined ? ` after argmax over axis ${axis}` : ""),
          );
        }
        yield { pair, index: i, count: t.count, yTrue, yPred, shape: t.shape };
        if (pairs.length === 1) bar.tick(i + 1);
      }
    } finally {
      t.close();
      p.close();
    }
    if (pairs.length > 1) bar.tick(++done);
  }
}

async function openInput(path: string, axis: number | undefined): Promise<Source> {
  try {
    return await openSource(path, axis);
  } catch (e) {
    if (e instanceof NpyFormatError || (e as Error)?.name === "PngMaskError") {
      throw new InputError((e as Error).message);
    }
    throw e;
  }
}

async function countMasks(truePath: string, predPath: string, o: CountOptions): Promise<Counted> {
  const pairs = await resolvePairs(truePath, predPath);
  let numClasses = o.numClasses;
  let inferred = false;
  if (numClasses === undefined && o.axis !== undefined) {
    // scores: the class axis gives the number of classes
    const first = await openInput(pairs[0].predPath, o.axis);
    first.close();
    const a = first.axis!;
    numClasses = first.shape[a < 0 ? a + first.shape.length : a];
    inferred = true;
  } else if (numClasses === undefined) {
    // a first pass for the largest label (scores: the class axis gives it)
    let max = 1;
    const ignored = new Set(o.ignore);
    for await (const { yTrue, yPred } of images(pairs, o.axis, progress(true))) {
      for (let k = 0; k < yTrue.length; k++) {
        const v = yTrue[k];
        if (v > max && !ignored.has(v)) max = v;
      }
      for (let k = 0; k < yPred.length; k++) if (yPred[k] > max) max = yPred[k];
    }
    if (!Number.isInteger(max) || max > 65535) {
      throw new InputError(
        `Expected integer class ids below 65536 to infer the number of classes, but found ${max}; ` +
          `pass --classes`,
      );
    }
    numClasses = max + 1;
    inferred = true;
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
  const bar = progress(o.quiet);
  try {
    for await (const img of images(pairs, o.axis, bar)) {
      try {
        stats.addImage(img.yTrue, img.yPred);
      } catch (e) {
        throw labelError(e, img.pair, img.index, img.count, img.shape);
      }
      if (byCounts) {
        if (++inBatch === keras.batchSize) flushCounts();
      } else keras?.addImage(img.yTrue, img.yPred);
    }
    if (byCounts && inBatch > 0) flushCounts();
  } finally {
    bar.end();
  }
  if (stats.numImages === 0) throw new InputError("Expected at least one image, but found none");
  return { stats, keras, numClasses, classesInferred: inferred, files: pairs.length };
}

async function loadSavedMatrix(
  path: string,
): Promise<{ counts: ArrayLike<number>; numClasses: number; dtype: string }> {
  const bytes = await readFile(path);
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

// ---------------------------------------------------------------------------------------------
// Output

interface Table {
  columns: string[];
  rows: (string | number | null)[][];
}

interface Rendered {
  /** The JSON document. */
  json: unknown;
  /** Lines printed above the tables in table/markdown form. */
  header: string[];
  /** Tables; csv prints the first one. */
  tables: Table[];
  /** Lines printed below the tables. */
  footer: string[];
}

function num(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "NaN";
  if (Number.isInteger(x)) return String(x);
  return x.toFixed(digits);
}

function render(r: Rendered, format: Format): string {
  if (format === "json") return JSON.stringify(r.json, null, 2) + "\n";
  if (format === "csv") {
    const t = r.tables[0];
    const cell = (v: string | number | null) => {
      const s = v === null ? "" : typeof v === "number" ? (Number.isNaN(v) ? "NaN" : String(v)) : v;
      return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    };
    return [t.columns, ...t.rows].map((row) => row.map(cell).join(",")).join("\n") + "\n";
  }
  const text = (v: string | number | null) => typeof v === "number" ? num(v) : v ?? "";
  const out: string[] = [...r.header];
  for (const t of r.tables) {
    if (out.length > 0) out.push("");
    if (format === "markdown") {
      out.push(`| ${t.columns.join(" | ")} |`);
      out.push(`|${t.columns.map(() => "---").join("|")}|`);
      for (const row of t.rows) {
        out.push(`| ${row.map((v) => text(v).replaceAll("|", "\\|")).join(" | ")} |`);
      }
    } else {
      const widths = t.columns.map((c, j) =>
        Math.max(c.length, ...t.rows.map((row) => text(row[j]).length))
      );
      const line = (row: string[]) =>
        row.map((v, j) => j === row.length - 1 ? v : v.padEnd(widths[j])).join("  ").trimEnd();
      out.push(line(t.columns));
      for (const row of t.rows) out.push(line(row.map(text)));
    }
  }
  if (r.footer.length > 0) out.push("", ...r.footer);
  return out.join("\n") + "\n";
}

function nanToNull(xs: number[]): (number | null)[] {
  return xs.map((x) => (Number.isNaN(x) ? null : x));
}

function comparisonOutput(
  c: Comparison,
  input: Record<string, unknown>,
  saved?: SavedMatrixReport & { kerasResults: ReturnType<typeof kerasResultOnMatrix>[] },
  keras: KerasRun[] = [],
): Rendered {
  const values: Record<string, number | null> = {};
  const definitions = c.definitions.map((d) => {
    const value = Number.isNaN(d.value) ? null : d.value;
    values[d.name] = value;
    return {
      name: d.name,
      value,
      options: d.options,
      formula: d.formula,
      why: d.why,
      usedBy: d.usedBy,
    };
  });
  const json: Record<string, unknown> = {
    command: "compare",
    input,
    numClasses: c.numClasses,
    numImages: c.numImages,
    pixels: c.pixels,
    confusionMatrix: c.confusionMatrix,
    perClassIoU: nanToNull(c.perClassIoU),
    absentClasses: c.absentClasses,
    predictedOnlyClasses: c.predictedOnlyClasses,
    values,
    definitions,
  };
  for (const r of keras) values[kerasName(r)] = r.value;
  json.keras = keras.map((r) => ({ name: kerasName(r), ...r }));
  json.libraries = (c.libraries ?? []).map((l) => ({
    ...l,
    value: Number.isNaN(l.value) ? null : l.value,
  }));
  if (saved) json.savedMatrix = saved;
  const header = [
    c.numImages > 0
      ? `${c.numImages} images, ${c.pixels} counted pixels, ${c.numClasses} classes`
      : `saved confusion matrix: ${c.pixels} pixels, ${c.numClasses} classes (dataset-level ` +
        `definitions only)`,
    `absent classes: ${c.absentClasses.join(", ") || "none"}; predicted-only classes: ${
      c.predictedOnlyClasses.join(", ") || "none"
    }`,
  ];
  const footer = [
    "per-class IoU (dataset): " +
    c.perClassIoU.map((v, k) => `${k}: ${Number.isNaN(v) ? "absent" : v.toFixed(4)}`).join("  "),
  ];
  if (saved) {
    footer.push("", `saved matrix (${saved.dtype}): ${saved.verdict}`);
    for (const f of saved.findings) footer.push(`- ${f}`);
    for (const k of saved.kerasResults) {
      footer.push(
        `- Keras ${k.version} (${k.backend}) result() with this total_cm: ${
          k.value === null ? `raises ${k.error}` : num(k.value, 8)
        }`,
      );
    }
  }
  const libraries = c.libraries ?? [];
  return {
    json,
    header,
    tables: [
      {
        columns: ["definition", "value", "why"],
        rows: [
          ...c.definitions.map((d) => [d.name, d.value, d.why] as (string | number | null)[]),
          ...keras.map((r) => [kerasName(r), r.value, kerasWhy(r)]),
        ],
      },
      ...(libraries.length === 0 ? [] : [{
        columns: ["library", "versions", "value", "what it computes"],
        rows: libraries.map((l) => [
          l.name,
          l.versions,
          Number.isNaN(l.value) ? (l.error ?? "n/a") : l.value,
          l.description,
        ]),
      }]),
    ],
    footer,
  };
}

// ---------------------------------------------------------------------------------------------
// Commands

/**
 * Writes every file to a temporary name beside it first, and renames them into place only when
 * all were written: a failed run leaves neither a partial file nor half of the outputs.
 */
async function writeAllAtomic(files: { path: string; data: Uint8Array }[]): Promise<void> {
  const tmps: string[] = [];
  try {
    for (const { path, data } of files) {
      const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : ".";
      const tmp = `${dir}/.${path.slice(path.lastIndexOf("/") + 1)}.tmp-${Deno.pid}`;
      tmps.push(tmp);
      try {
        await Deno.writeFile(tmp, data);
      } catch (e) {
        throw new InputError(`${path}: cannot write (${(e as Error).message})`);
      }
    }
    for (let k = 0; k < files.length; k++) await Deno.rename(tmps[k], files[k].path);
  } catch (e) {
    for (const tmp of tmps) await Deno.remove(tmp).catch(() => {});
    throw e instanceof InputError ? e : new InputError(`cannot write (${(e as Error).message})`);
  }
}

function countOptions(v: Flags): CountOptions {
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
    numClasses: intFlag("classes", v.classes, 2),
    ignore: v.ignore === undefined ? [] : v.ignore.split(",").map((t) => {
      const x = Number(t.trim());
      if (!/^-?[0-9]+$/.test(t.trim()) || !Number.isSafeInteger(x)) {
        throw new InputError(`Expected --ignore to be integer labels, but found '${v.ignore}'`);
      }
      return x;
    }),
    outOfRange,
    axis,
    quiet: v.quiet ?? false,
  };
}

function requireMasks(v: Flags, command: string): { t: string; p: string } {
  if (v.true === undefined || v.pred === undefined) {
    throw new InputError(
      `Expected --true and --pred for '${command}', but ${
        v.true === undefined ? "--true" : "--pred"
      } is missing (see 'deno task cli ${command} --help')`,
    );
  }
  return { t: v.true, p: v.pred };
}

/** The Keras configurations asked for: versions x (eager, and compiled with --compiled). */
async function kerasSpecs(v: Flags, defaults: string): Promise<KerasSpec[]> {
  const text = v.keras ?? defaults;
  if (text === "" || text === "none") {
    if (v.backend !== undefined || v.compiled) {
      throw new InputError("Expected --keras VERSION[,VERSION] with --backend or --compiled");
    }
    return [];
  }
  const backend = (v.backend ?? "tensorflow") as KerasBackend;
  const specs: KerasSpec[] = [];
  for (const version of text.split(",").map((x) => x.trim())) {
    specs.push({ version, backend, compiled: false });
    if (v.compiled) specs.push({ version, backend, compiled: true });
  }
  try {
    const { KerasAudit } = await import("./lib/keras/audit.ts");
    new KerasAudit(2, specs); // refuses unknown versions, backends and modes before any reading
  } catch (e) {
    throw new InputError(`--keras/--backend/--compiled: ${(e as Error).message}`);
  }
  return specs;
}

async function kerasFactory(
  specs: KerasSpec[],
  o: CountOptions,
  batchSize: number,
): Promise<((numClasses: number) => KerasAudit) | undefined> {
  if (specs.length === 0) return undefined;
  if (o.ignore.length > 1) {
    throw new InputError(
      `Expected one --ignore label with --keras (Keras ignore_class takes one), but found ` +
        `${o.ignore.length}`,
    );
  }
  const { KerasAudit } = await import("./lib/keras/audit.ts");
  return (numClasses) =>
    new KerasAudit(numClasses, specs, { batchSize, ignoreClass: o.ignore[0] ?? null });
}

function kerasName(r: KerasRun): string {
  return `keras-${r.version}-${r.backend}${r.compiled ? "-xla" : ""}`;
}

function kerasWhy(r: KerasRun): string {
  if (r.error !== null) return `raises ${r.error}`;
  const parts = [`${signed(r.difference!)} vs exact dataset`];
  if (r.epsilonPart !== 0) parts.push(`epsilon ${signed(r.epsilonPart!)}`);
  parts.push(`float32 counting and arithmetic ${signed(r.precisionPart!)}`);
  if (r.changedCells > 0) {
    parts.push(
      `total_cm (${r.stateDtype}) wrong in ${r.changedCells} cell(s), by up to ${r.maxCellError} ` +
        `pixels`,
    );
  }
  return parts.join("; ");
}

function signed(x: number): string {
  if (x === 0) return "0";
  const t = Math.abs(x) < 1e-5 ? x.toExponential(2) : x.toFixed(6);
  return x > 0 ? `+${t}` : t;
}

async function runCompare(v: Flags): Promise<{ rendered: Rendered; cm?: ConfusionMatrix }> {
  const batchSizes = intList("batch-size", v["batch-size"], 1) ?? [8];
  if (v.cm !== undefined) {
    if (v.keras !== undefined || v.compiled || v.backend !== undefined) {
      throw new InputError(
        "Expected no --keras with --cm: Keras is emulated from masks (a saved matrix has lost " +
          "the batches)",
      );
    }
    if (v.true !== undefined || v.pred !== undefined) {
      throw new InputError("Expected either --cm or --true/--pred, but found both");
    }
    const saved = await loadSavedMatrix(v.cm);
    let report, cm;
    try {
      report = analyzeSavedMatrix(saved.counts, saved.numClasses, saved.dtype);
      cm = savedMatrix(saved.counts, saved.numClasses);
    } catch (e) {
      throw new InputError(`${v.cm}: ${(e as Error).message}`);
    }
    const c = compare(cm);
    // what Keras's result() gives on this state: the generations whose total_cm has this dtype
    const versions = saved.dtype === "float32"
      ? ["2.15", "3.7"]
      : saved.dtype.startsWith("int") || saved.dtype.startsWith("uint")
      ? ["3.15"]
      : ["3.7", "3.15"];
    const kerasResults = report.integerCounts || saved.dtype === "float32"
      ? await Promise.all(versions.map(async (ver) => {
        const { kerasResultOnMatrix } = await import("./lib/keras/audit.ts");
        return kerasResultOnMatrix(saved.counts, saved.numClasses, ver);
      }))
      : [];
    return {
      rendered: comparisonOutput(c, { cm: v.cm, dtype: saved.dtype }, {
        ...report,
        kerasResults,
      }),
      cm,
    };
  }
  const { t, p } = requireMasks(v, "compare");
  const o = countOptions(v);
  // Keras 3.7 and 3.15 by default (free: Keras gets each batch's counts); several ignore labels
  // have no Keras equivalent, so the default is dropped then (an explicit --keras is an error)
  const defaultKeras = v.keras === undefined && o.ignore.length > 1 ? "none" : "3.7,3.15";
  o.keras = await kerasFactory(await kerasSpecs(v, defaultKeras), o, batchSizes[0]);
  const counted = await countMasks(t, p, o);
  const c = compare(counted.stats, { batchSizes });
  const keras = counted.keras?.finish(counted.stats.confusionMatrix) ?? [];
  return {
    rendered: comparisonOutput(
      c,
      {
        true: t,
        pred: p,
        files: counted.files,
        numClasses: counted.numClasses,
        classesInferred: counted.classesInferred,
        ignore: o.ignore,
        outOfRange: o.outOfRange,
        axis: o.axis ?? null,
        batchSizes,
      },
      undefined,
      keras,
    ),
    cm: counted.stats.confusionMatrix,
  };
}

const KERAS_NAME = /^keras-([0-9]+\.[0-9]+(?:\.[0-9]+)?)(?:-(tensorflow|jax|torch|numpy))?(-xla)?$/;

function parseKerasName(name: string, v: Flags): KerasSpec | undefined {
  const m = KERAS_NAME.exec(name);
  if (!m) return undefined;
  return {
    version: m[1],
    backend: (m[2] ?? v.backend ?? "tensorflow") as KerasBackend,
    compiled: m[3] !== undefined,
  };
}

async function runExplain(
  v: Flags,
  positionals: string[],
): Promise<{ rendered: Rendered; cm?: ConfusionMatrix }> {
  if (positionals.length !== 2) {
    throw new InputError(
      `Expected two definition names after 'explain' (e.g. 'explain dataset per-batch-8'), but ` +
        `found ${positionals.length}`,
    );
  }
  if (v.keras !== undefined || v.compiled) {
    throw new InputError(
      "Expected Keras as a definition name for 'explain' (e.g. keras-3.7-tensorflow-xla), not " +
        "--keras or --compiled",
    );
  }
  const [a, b] = positionals;
  const ka = parseKerasName(a, v), kb = parseKerasName(b, v);
  const specs = [ka, kb].filter((x): x is KerasSpec => x !== undefined);
  let stats: SegmentationStats | ConfusionMatrix;
  let runs: KerasRun[] = [];
  if (v.cm !== undefined) {
    if (specs.length > 0) {
      throw new InputError("Expected masks (--true/--pred) to explain Keras: --cm has no batches");
    }
    const saved = await loadSavedMatrix(v.cm);
    try {
      stats = savedMatrix(saved.counts, saved.numClasses);
    } catch (e) {
      throw new InputError(`${v.cm}: ${(e as Error).message}`);
    }
  } else {
    const { t, p } = requireMasks(v, "explain");
    const o = countOptions(v);
    if (specs.length > 0) {
      try {
        const { KerasAudit } = await import("./lib/keras/audit.ts");
        new KerasAudit(2, specs);
      } catch (e) {
        throw new InputError(`${(e as Error).message}`);
      }
      const batchSize = (intList("batch-size", v["batch-size"], 1) ?? [8])[0];
      o.keras = await kerasFactory(specs, o, batchSize);
    }
    const counted = await countMasks(t, p, o);
    stats = counted.stats;
    runs = counted.keras?.finish(counted.stats.confusionMatrix) ?? [];
  }
  const cm = stats instanceof SegmentationStats ? stats.confusionMatrix : stats;
  const explainOrFail = (x: string, y: string): Explanation => {
    try {
      return explain(stats, x, y);
    } catch (err) {
      throw new InputError((err as Error).message);
    }
  };
  // Keras = dataset mIoU + epsilon (Keras 3) + float32 counting and arithmetic
  const kerasSteps = (r: KerasRun, name: string): Explanation["steps"] => {
    const exact = meanIoU(cm);
    const out: Explanation["steps"] = [];
    let value = exact;
    if (r.epsilonPart !== null && r.epsilonPart !== 0) {
      const withEps = exact + r.epsilonPart;
      out.push({
        option: "epsilon",
        from: "0",
        to: "1e-7",
        value: withEps,
        delta: withEps - value,
        why: "Keras 3 adds epsilon() = 1e-7 to every denominator",
      });
      value = withEps;
    }
    out.push({
      option: "keras",
      from: "exact float64",
      to: `${name} (${r.stateDtype} total_cm, batch ${r.batchSize})`,
      value: r.value ?? NaN,
      delta: (r.value ?? NaN) - value,
      why: kerasWhy(r),
    });
    return out;
  };
  const reverse = (steps: Explanation["steps"], start: number): Explanation["steps"] => {
    // the same steps walked backwards: values[j] is the value before original step j
    const values = [start, ...steps.map((s) => s.value)];
    const out: Explanation["steps"] = [];
    for (let j = steps.length - 1; j >= 0; j--) {
      const s = steps[j];
      out.push({
        ...s,
        from: s.to,
        to: s.from,
        value: values[j],
        delta: values[j] - values[j + 1],
      });
    }
    return out;
  };
  let e: Explanation;
  if (ka === undefined && kb === undefined) {
    e = explainOrFail(a, b);
  } else if (ka !== undefined && kb !== undefined) {
    const [ra, rb] = runs;
    e = {
      from: { name: a, value: ra.value ?? NaN },
      to: { name: b, value: rb.value ?? NaN },
      steps: [{
        option: "keras",
        from: a,
        to: b,
        value: rb.value ?? NaN,
        delta: (rb.value ?? NaN) - (ra.value ?? NaN),
        why: `${kerasWhy(rb)} (against ${kerasWhy(ra)})`,
      }],
    };
  } else if (kb !== undefined) {
    const toDataset = explainOrFail(a, "dataset");
    const r = runs[0];
    e = {
      from: toDataset.from,
      to: { name: b, value: r.value ?? NaN },
      steps: [...toDataset.steps, ...kerasSteps(r, b)],
    };
  } else {
    const r = runs[0];
    const fromDataset = explainOrFail("dataset", b);
    const back = reverse(kerasSteps(r, a), meanIoU(cm));
    e = {
      from: { name: a, value: r.value ?? NaN },
      to: fromDataset.to,
      steps: [...back, ...fromDataset.steps],
    };
  }
  const json = {
    command: "explain",
    from: { name: e.from.name, value: nanOrNull(e.from.value) },
    to: { name: e.to.name, value: nanOrNull(e.to.value) },
    steps: e.steps.map((s) => ({ ...s, value: nanOrNull(s.value), delta: nanOrNull(s.delta) })),
    keras: runs.map((r) => ({ name: kerasName(r), ...r })),
  };
  return {
    rendered: {
      json,
      header: [`${e.from.name} = ${num(e.from.value)}  ->  ${e.to.name} = ${num(e.to.value)}`],
      tables: [{
        columns: ["step", "option", "from", "to", "value", "change", "why"],
        rows: [
          [0, "start", "", "", e.from.value, null, e.from.name],
          ...e.steps.map((s, k) => [
            k + 1,
            s.option,
            s.from,
            s.to,
            s.value,
            Number.isNaN(s.delta) ? "NaN" : signed(s.delta),
            s.why,
          ]),
        ],
      }],
      footer: [],
    },
    cm,
  };
}

async function runKeras(v: Flags): Promise<{ rendered: Rendered; cm?: ConfusionMatrix }> {
  if (v.cm !== undefined) {
    throw new InputError("Expected masks (--true/--pred) for 'keras': --cm has no batches");
  }
  const { t, p } = requireMasks(v, "keras");
  const o = countOptions(v);
  const batchSizes = intList("batch-size", v["batch-size"], 1) ?? [8];
  if (batchSizes.length !== 1) {
    throw new InputError(`Expected one --batch-size for 'keras', but found ${batchSizes.length}`);
  }
  const specs = await kerasSpecs(v, "3.7,3.15");
  if (specs.length === 0) throw new InputError("Expected at least one version in --keras");
  o.keras = await kerasFactory(specs, o, batchSizes[0]);
  const counted = await countMasks(t, p, o);
  const runs = counted.keras!.finish(counted.stats.confusionMatrix);
  const exact = counted.stats.confusionMatrix;
  const footer: string[] = [];
  for (const r of runs) {
    if (r.warnings.length > 0) footer.push(`${kerasName(r)} warns: ${r.warnings.join(" | ")}`);
    if (r.caveats.length > 0) footer.push(`${kerasName(r)} caveat: ${r.caveats.join(" | ")}`);
    if (r.totalCm && r.changedCells > 0 && exact.numClasses <= 12) {
      footer.push(`${kerasName(r)} total_cm (exact in brackets where it differs):`);
      const ex = exact.toArray();
      for (let i = 0; i < exact.numClasses; i++) {
        footer.push(
          "  " + r.totalCm[i].map((x, j) => (x === ex[i][j] ? `${x}` : `${x} [${ex[i][j]}]`))
            .join("  "),
        );
      }
    }
  }
  return {
    rendered: {
      json: {
        command: "keras",
        input: {
          true: t,
          pred: p,
          numClasses: counted.numClasses,
          classesInferred: counted.classesInferred,
          ignore: o.ignore,
          batchSize: batchSizes[0],
        },
        numImages: counted.stats.numImages,
        pixels: exact.total,
        exact: meanIoU(exact),
        confusionMatrix: exact.toArray(),
        keras: runs.map((r) => ({ name: kerasName(r), ...r })),
      },
      header: [
        `${counted.stats.numImages} images, ${exact.total} counted pixels, ${counted.numClasses} ` +
        `classes, batch size ${batchSizes[0]} (${runs[0].batches} update_state calls)`,
        `exact dataset mIoU: ${num(meanIoU(exact))}`,
      ],
      tables: [{
        columns: [
          "keras",
          "total_cm",
          "result()",
          "vs exact",
          "epsilon",
          "float32",
          "wrong cells",
          "max cell error",
          "lost pixels",
        ],
        rows: runs.map((r) => [
          kerasName(r),
          r.stateDtype,
          r.error ?? r.value,
          r.difference === null ? null : signed(r.difference),
          r.epsilonPart === null ? null : signed(r.epsilonPart),
          r.precisionPart === null ? null : signed(r.precisionPart),
          r.changedCells,
          r.maxCellError,
          r.lostPixels,
        ]),
      }],
      footer,
    },
    cm: exact,
  };
}

function nanOrNull(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}

async function runRisk(v: Flags): Promise<{ rendered: Rendered }> {
  if (v.keras !== undefined || v.backend !== undefined) {
    throw new InputError("Expected no --keras or --backend for 'risk': it covers every version");
  }
  const sizeText = v["image-size"];
  if (sizeText === undefined) throw new InputError("Expected --image-size HxW for 'risk'");
  const m = /^([0-9]+)(?:x([0-9]+))?$/.exec(sizeText.trim());
  if (!m) throw new InputError(`Expected --image-size like 512x512, but found '${sizeText}'`);
  const imagePixels = Number(m[1]) * (m[2] === undefined ? 1 : Number(m[2]));
  if (!(imagePixels >= 1) || !Number.isSafeInteger(imagePixels)) {
    throw new InputError(`Expected --image-size of at least one pixel, but found '${sizeText}'`);
  }
  const images = intFlag("images", v.images, 1);
  const pixels = intFlag("pixels", v.pixels, 1);
  if ((images === undefined) === (pixels === undefined)) {
    throw new InputError("Expected exactly one of --images and --pixels for 'risk'");
  }
  const numImages = images ?? Math.ceil(pixels! / imagePixels);
  const batchSize = intFlag("batch-size", v["batch-size"], 1);
  if (batchSize === undefined) throw new InputError("Expected --batch-size for 'risk'");
  const numClasses = intFlag("classes", v.classes, 2);
  if (numClasses === undefined) throw new InputError("Expected --classes for 'risk'");
  const frequencies = v.frequencies?.split(",").map((t) => {
    const x = Number(t.trim());
    if (t.trim() === "" || !(x >= 0) || !Number.isFinite(x)) {
      throw new InputError(
        `Expected --frequencies to be numbers >= 0, but found '${v.frequencies}'`,
      );
    }
    return x;
  });
  const accuracy = v.accuracy === undefined ? undefined : Number(v.accuracy);
  let r: RiskReport;
  try {
    const { float32Risk } = await import("./lib/keras/risk.ts");
    r = float32Risk({
      numImages,
      imagePixels,
      batchSize,
      numClasses,
      classFrequencies: frequencies,
      accuracy,
    });
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const b = (x: number | null) => (x === null ? "never" : `batch ${x}`);
  const eagerLine = r.eagerLoses
    ? `eager float32 (evaluate/update_state without XLA): counts can be lost from ${
      b(r.eagerFirstRiskBatch)
    } on; error ${r.eagerError} pixels in one cell for identical images, at most ${r.eagerWorstCase}`
    : "eager float32: exact (no cell passes 2^24)";
  const compiledLine = r.compiledLoses
    ? `compiled float32 (JAX, TF jit_compile=True): a cell freezes at 16777216 in ${
      b(r.compiledFreezeBatch)
    }; error ${r.compiledError} pixels (${
      ((100 * r.compiledError) / Math.max(...r.cells.map((c) => c.exact))).toFixed(1)
    }% of the largest cell)`
    : "compiled float32: exact (no cell reaches 2^24)";
  const lines = [
    `${numImages} images of ${imagePixels} pixels, batch size ${batchSize}: ${r.numBatches} ` +
    `batches of ${r.pixelsPerBatch} pixels, ${r.pixels} pixels in all`,
    r.withinBatchSaturationPossible
      ? `one batch holds more than 2^24 pixels: a cell can saturate inside a batch (batch size ` +
        `<= ${r.safeBatchSize} avoids it)`
      : `no batch holds more than 2^24 pixels (any batch size <= ${r.safeBatchSize} is safe within a batch)`,
    ...(v.compiled ? [compiledLine, eagerLine] : [eagerLine, compiledLine]),
    `mean IoU after the last batch under the model (accuracy ${accuracy ?? 1}): exact ${
      num(r.meanIoU.exact)
    }, eager Keras 3.7 ${num(r.meanIoU.eager)}, compiled Keras 3.7 ${num(r.meanIoU.compiled)}` +
    (accuracy === undefined ? " (pass --accuracy below 1 to see the effect on IoU)" : ""),
    r.int32WrapBatch === null
      ? "Keras 3.8+ integer state: exact (no cell passes 2^31 - 1)"
      : `Keras 3.8+ on JAX/torch/numpy (int32 state): a cell wraps after ${b(r.int32WrapBatch)}`,
    'Affected: tf.keras 2.x, Keras 3.0-3.7 by default, any Keras 3 with dtype="float32"; ' +
    "Keras 3.8+ counts in integers by default.",
  ];
  return {
    rendered: {
      json: {
        command: "risk",
        input: {
          numImages,
          imagePixels,
          batchSize,
          numClasses,
          frequencies: frequencies ?? null,
          accuracy: accuracy ?? 1,
        },
        ...r,
      },
      header: lines,
      tables: [{
        columns: [
          "class",
          "per batch",
          "exact",
          "eager f32",
          "compiled f32",
          "eager loss from",
          "compiled freeze",
          "int32 wrap",
        ],
        rows: r.cells.map((c) => [
          c.class,
          c.perBatch,
          c.exact,
          c.eager,
          c.compiled,
          c.eagerFirstLossBatch === null ? "never" : `batch ${c.eagerFirstLossBatch}`,
          c.compiledFreezeBatch === null ? "never" : `batch ${c.compiledFreezeBatch}`,
          c.int32WrapBatch === null ? "never" : `batch ${c.int32WrapBatch}`,
        ]),
      }],
      footer: [],
    },
  };
}

async function runDemo(v: Flags): Promise<{ rendered: Rendered; cm?: ConfusionMatrix }> {
  const demo = demoDataset();
  const stats = new SegmentationStats(demo.numClasses, { ignoreIndex: demo.ignoreIndex });
  const batchSizes = intList("batch-size", v["batch-size"], 1) ?? [8, 32];
  const specs = await kerasSpecs(v, "3.7,3.15");
  const { KerasAudit } = await import("./lib/keras/audit.ts");
  const keras = specs.length === 0 ? undefined : new KerasAudit(demo.numClasses, specs, {
    batchSize: batchSizes[0],
    ignoreClass: demo.ignoreIndex,
  });
  for (const image of demo.images) {
    stats.addImage(image.yTrue, image.yPred);
    keras?.addImage(image.yTrue, image.yPred);
  }
  const c = compare(stats, { batchSizes });
  return {
    rendered: comparisonOutput(
      c,
      {
        demo: true,
        numClasses: demo.numClasses,
        ignore: [demo.ignoreIndex],
        batchSizes,
      },
      undefined,
      keras?.finish(stats.confusionMatrix) ?? [],
    ),
    cm: stats.confusionMatrix,
  };
}

/**
 * Runs the CLI on `args` and returns the exit code: 0 success, 2 bad usage or input, 1 internal
 * error. Output goes to stdout (or `--out`), messages to stderr.
 *
 * @param args command-line arguments (without the program name)
 * @returns the exit code
 */
export async function main(args: string[]): Promise<number> {
  const commands = ["compare", "keras", "explain", "risk"];
  let command = "demo";
  let rest = args;
  if (args.length > 0 && !args[0].startsWith("-")) {
    if (!commands.includes(args[0])) {
      console.error(
        `error: Expected a command (${commands.join(", ")}), but found '${
          args[0]
        }'\n\n${HELP.main}`,
      );
      return 2;
    }
    command = args[0];
    rest = args.slice(1);
  }
  // "--axis -1": join a negative number to its flag, which parseArgs would take for a flag
  const joined: string[] = [];
  for (let k = 0; k < rest.length; k++) {
    const name = rest[k].startsWith("--") ? rest[k].slice(2) : "";
    const opt = (OPTIONS as Record<string, { type: string }>)[name];
    if (opt?.type === "string" && /^-[0-9]/.test(rest[k + 1] ?? "")) {
      joined.push(`${rest[k]}=${rest[k + 1]}`);
      k++;
    } else joined.push(rest[k]);
  }
  let values: Flags, positionals: string[];
  try {
    const parsed = parseArgs({
      args: joined,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    values = parsed.values as Flags;
    positionals = parsed.positionals;
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\nRun with --help for usage.`);
    return 2;
  }
  if (values.help) {
    console.log(HELP[command === "demo" ? "main" : command]);
    return 0;
  }
  try {
    if (command !== "explain" && positionals.length > 0) {
      throw new InputError(`Expected flags only, but found '${positionals[0]}'`);
    }
    const format = formatFlag(values.format);
    let result: { rendered: Rendered; cm?: ConfusionMatrix };
    if (command === "demo") {
      result = values.true !== undefined || values.pred !== undefined || values.cm !== undefined
        ? await runCompare(values)
        : await runDemo(values);
    } else if (command === "compare") result = await runCompare(values);
    else if (command === "explain") result = await runExplain(values, positionals);
    else if (command === "risk") result = await runRisk(values);
    else result = await runKeras(values);
    const text = render(result.rendered, format);
    const files: { path: string; data: Uint8Array }[] = [];
    if (values["save-cm"] !== undefined) {
      if (!result.cm) {
        throw new InputError("Expected --save-cm with masks or --cm, not with 'risk'");
      }
      const cm = result.cm;
      files.push({
        path: values["save-cm"],
        data: encodeNpy({
          shape: [cm.numClasses, cm.numClasses],
          data: cm.counts(),
          dtype: cm.weighted ? "float64" : "int64",
        }),
      });
    }
    if (values.out !== undefined) {
      files.push({ path: values.out, data: new TextEncoder().encode(text) });
    }
    await writeAllAtomic(files);
    if (values.out === undefined) {
      const bytes = new TextEncoder().encode(text);
      for (let o = 0; o < bytes.length;) o += await Deno.stdout.write(bytes.subarray(o));
    }
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof NpyFormatError || (error as Error)?.name === "PngMaskError") {
      console.error(`error: ${(error as Error).message}`);
      return 2;
    }
    console.error(`internal error: ${(error as Error)?.message ?? error}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
