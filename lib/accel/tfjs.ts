/**
 * TensorFlow.js backends (`@tensorflow/tfjs` 4.22.0 on `cpu`, `wasm` or `webgpu`): exact pair
 * counting in chunks, accumulated exactly on the host.
 *
 * Each chunk is uploaded as an int32 tensor, mapped to label codes (see `lib/accel/pair_table.ts`) with
 * tfjs ops, and counted with one of three ops:
 *
 * - `"bincount"` (default on `cpu` and `wasm`): `tf.bincount` with int32 weights, exact up to
 *   2^31 - 1 per cell, so chunks are capped below 2^31 (byte labels skip the mapping: raw byte
 *   pairs are counted in a 256 x 256 table, folded with the codes on the host). Refused on
 *   `webgpu`: int32 results are wrong there (float bit patterns), and its float32 bincount adds
 *   with a compare-exchange loop per pixel that did not finish when millions of pixels share a bin
 *   (one cell of 2^24 + 5 pixels in chunks of 2^22: no answer after six minutes on an NVIDIA
 *   H200, 2026-11-28);
 * - `"matMul"` (default on `webgpu`): the one-hot codes multiplied in float32,
 *   `oneHot(true)^T x oneHot(pred)`. No atomics, so a busy bin costs what any bin costs; every
 *   partial sum is an integer of at most the chunk's pixel count, exact while that is <= 2^24:
 *   chunks are capped at 2^24 pixels (default: 2^24 one-hot values per chunk);
 * - `"confusionMatrix"`: `tf.math.confusionMatrix` (int32; `cpu` only, see {@link checkTfjsOp}).
 *
 * Every chunk's counts are checked to sum to the chunk's pixel count; anything else throws.
 * {@link checkTfjsOp} refuses the combinations known to be wrong or unsupported.
 *
 * tfjs is imported lazily, on first use, so importing this module costs nothing.
 *
 * @module
 */
import { foldByteHistogram, type IntegerLabels, type PairCoding } from "./pair_table.ts";

/** The `@tensorflow/tfjs` namespace, as {@link loadTfjs} returns it. */
export type Tf = typeof import("@tensorflow/tfjs");
type Tensor1D = import("@tensorflow/tfjs").Tensor1D;
// The tfjs classes that public signatures name, under names this package exports (JSR documents
// a signature only through exported types; tfjs's own would be private to it).
/** A tfjs tensor: `tf.Tensor`. */
export type TfTensor = InstanceType<Tf["Tensor"]>;
/** A tfjs layers model: `tf.LayersModel` (what `tf.sequential` and `tf.model` return). */
export type TfLayersModel = InstanceType<Tf["LayersModel"]>;
/** A tfjs training callback: `tf.Callback`, for `model.fit`'s `callbacks` list. */
export type TfCallback = InstanceType<Tf["Callback"]>;

/** A tfjs backend name. */
export type TfjsBackendName = "cpu" | "wasm" | "webgpu";
/**
 * A tfjs counting op: `"bincount"`, `"matMul"` (float32 one-hot product) or `"confusionMatrix"`
 * (`tf.math.confusionMatrix`); see the module documentation.
 */
export type TfjsMethod = "bincount" | "matMul" | "confusionMatrix";

/**
 * Largest exact float32 count: beyond 2^24 float32 increments of 1 are lost, so a tfjs call that
 * counts in float32 may produce at most this many pixels (see {@linkcode checkTfjsOp}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FLOAT32_EXACT_COUNT } from "./tfjs.ts";
 * const below = Math.fround(FLOAT32_EXACT_COUNT - 1);
 * assert.equal(Math.fround(below + 1), FLOAT32_EXACT_COUNT); // still exact
 * assert.equal(Math.fround(FLOAT32_EXACT_COUNT + 1), FLOAT32_EXACT_COUNT); // one pixel lost
 * ```
 */
export const FLOAT32_EXACT_COUNT: number = 2 ** 24;
/**
 * Largest int32 count: a tfjs call that counts in int32 may produce at most this many pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { INT32_MAX } from "./tfjs.ts";
 * assert.equal(Int32Array.of(INT32_MAX)[0], INT32_MAX);
 * assert.equal(Int32Array.of(INT32_MAX + 1)[0], -(2 ** 31)); // wraps around
 * ```
 */
export const INT32_MAX: number = 2 ** 31 - 1;

/**
 * Throws a clear error for a tfjs op that is known to give wrong numbers, or to fail, for the
 * given backend and count dtype; `maxCount` is the largest count one call may produce (the chunk
 * size). Returns nothing when the combination is safe.
 *
 * Known facts (tfjs 4.22.0, measured in Deno): `tf.math.confusionMatrix` throws on wasm (int32
 * BatchMatMul unsupported) and returns float bit patterns as int32 on webgpu; `tf.bincount` with
 * int32 weights returns float bit patterns on webgpu, and with float32 weights it did not finish
 * on an H200 when one bin held millions of pixels (a compare-exchange loop per pixel); float32
 * counts stop at 2^24. `"matMul"` counts in float32 only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkTfjsOp } from "./tfjs.ts";
 * checkTfjsOp("bincount", "cpu", "int32", 2 ** 22); // safe: no error
 * assert.throws(() => checkTfjsOp("confusionMatrix", "wasm", "int32", 10), /not supported/);
 * assert.throws(() => checkTfjsOp("bincount", "webgpu", "int32", 10), /wrong/);
 * assert.throws(() => checkTfjsOp("bincount", "webgpu", "float32", 10), /busy bin/);
 * assert.throws(() => checkTfjsOp("bincount", "cpu", "float32", 2 ** 24 + 1), /2\^24/);
 * checkTfjsOp("matMul", "webgpu", "float32", 2 ** 24); // safe: float32 partial sums <= 2^24
 * assert.throws(() => checkTfjsOp("matMul", "webgpu", "int32", 10), /float32/);
 * ```
 */
export function checkTfjsOp(
  op: TfjsMethod,
  backend: TfjsBackendName,
  countDtype: "int32" | "float32",
  maxCount: number,
): void {
  if (op === "confusionMatrix" && backend === "wasm") {
    throw new Error(
      'tf.math.confusionMatrix is not supported by the tfjs wasm backend (int32 BatchMatMul); use method "bincount"',
    );
  }
  if (op === "matMul" && countDtype !== "float32") {
    throw new Error(`tfjs "matMul" counting runs in float32 only, but found ${countDtype}`);
  }
  if (backend === "webgpu" && op === "bincount" && countDtype === "float32") {
    throw new Error(
      'tf.bincount on tfjs-webgpu 4.22.0 adds float32 counts with a compare-exchange loop per pixel, which did not finish when one busy bin held millions of pixels; use method "matMul" (the webgpu default)',
    );
  }
  if (backend === "webgpu" && countDtype === "int32") {
    throw new Error(
      `tfjs-webgpu 4.22.0 returns wrong int32 results for ${
        op === "confusionMatrix" ? "tf.math.confusionMatrix" : "tf.bincount"
      } (float bit patterns read as int32); refusing rather than returning a wrong count`,
    );
  }
  if (countDtype === "float32" && maxCount > FLOAT32_EXACT_COUNT) {
    throw new RangeError(
      `Expected float32 counts of at most 2^24 (${FLOAT32_EXACT_COUNT}) per call, but found a chunk of ${maxCount} pixels; float32 counting stops at 2^24`,
    );
  }
  if (countDtype === "int32" && maxCount > INT32_MAX) {
    throw new RangeError(
      `Expected int32 counts of at most 2^31 - 1 per call, but found a chunk of ${maxCount} pixels`,
    );
  }
}

let tfPromise: Promise<Tf> | null = null;
const ready = new Map<TfjsBackendName, Promise<boolean>>();

/**
 * Loads tfjs (once, with `tf.enableProdMode()`), makes `backend` the active tfjs backend and
 * returns the `tf` namespace. Throws a clear error when the backend cannot start.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTfjs } from "./tfjs.ts";
 * const tf = await loadTfjs("cpu");
 * assert.equal(tf.getBackend(), "cpu");
 * ```
 */
export async function loadTfjs(backend: TfjsBackendName): Promise<Tf> {
  if (tfPromise === null) {
    tfPromise = import("@tensorflow/tfjs").then((tf) => {
      tf.enableProdMode();
      return tf;
    });
  }
  const tf = await tfPromise;
  let ok = ready.get(backend);
  if (ok === undefined) {
    ok = (async () => {
      try {
        if (backend === "wasm") await import("@tensorflow/tfjs-backend-wasm");
        if (backend === "webgpu") {
          const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
          if (gpu === undefined || (await gpu.requestAdapter()) === null) return false;
          await import("@tensorflow/tfjs-backend-webgpu");
        }
        return await tf.setBackend(backend);
      } catch {
        return false;
      }
    })();
    ready.set(backend, ok);
  }
  if (!(await ok)) {
    throw new Error(`Expected the tfjs "${backend}" backend to start, but it could not here`);
  }
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
  await tf.ready();
  return tf;
}

/**
 * Returns true when the tfjs backend starts here (wasm needs read permission for its .wasm file;
 * webgpu needs an adapter).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tfjsBackendWorks } from "./tfjs.ts";
 * assert.equal(await tfjsBackendWorks("cpu"), true);
 * ```
 */
export async function tfjsBackendWorks(backend: TfjsBackendName): Promise<boolean> {
  try {
    await loadTfjs(backend);
    return true;
  } catch {
    return false;
  }
}

/** Options of {@link tfjsCountPairs}. */
export interface TfjsCountOptions {
  /** tfjs backend. */
  backend: TfjsBackendName;
  /** Counting op (default `"matMul"` on webgpu, `"bincount"` elsewhere). */
  method?: TfjsMethod;
  /**
   * Pixels per tfjs call (default 2^22; for `"matMul"`, 2^24 one-hot values per call); checked
   * by {@link checkTfjsOp}.
   */
  chunkPixels?: number;
}

/**
 * Counts the code pairs of `yTrue` and `yPred` (see `lib/accel/pair_table.ts`) with tfjs and returns
 * the exact table (float64), or throws a clear error (never a wrong count).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tfjsCountPairs } from "./tfjs.ts";
 * import { pairCoding } from "./pair_table.ts";
 * const coding = pairCoding(2, [])!;
 * const table = await tfjsCountPairs(new Uint8Array([0, 1, 1]), new Uint8Array([0, 1, 0]), coding, {
 *   backend: "cpu",
 * });
 * assert.deepEqual([...table.subarray(0, 6)], [1, 0, 0, 1, 1, 0]);
 * ```
 */
export async function tfjsCountPairs(
  yTrue: IntegerLabels,
  yPred: IntegerLabels,
  coding: PairCoding,
  options: TfjsCountOptions,
): Promise<Float64Array> {
  const backend = options.backend;
  const method = options.method ?? (backend === "webgpu" ? "matMul" : "bincount");
  const H0 = coding.height, W0 = coding.width;
  const chunk = options.chunkPixels ??
    (method === "matMul" ? Math.floor(2 ** 24 / (H0 + W0)) : 2 ** 22);
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw new RangeError(`Expected chunkPixels to be a positive integer, but found ${chunk}`);
  }
  // tf.math.confusionMatrix always counts in int32, matMul in float32; bincount in int32
  const countDtype = method === "matMul" || (method === "bincount" && backend === "webgpu")
    ? "float32"
    : "int32";
  checkTfjsOp(method, backend, countDtype, chunk);
  if (yTrue.length !== yPred.length) {
    throw new RangeError(
      `Expected yPred to have the length of yTrue (${yTrue.length}), but found ${yPred.length}`,
    );
  }
  const tf = await loadTfjs(backend);
  const C = coding.numClasses, W = coding.width, H = coding.height, K = H * W;
  const sum = new Float64Array(K);
  const n = yTrue.length;
  // Byte labels (the common mask format): count raw (t, p) byte pairs in a 256 x 256 table with
  // two elementwise ops and one bincount, and fold that table with the codes on the host.
  const bytes = method === "bincount" && yTrue instanceof Uint8Array &&
    yPred instanceof Uint8Array;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const tArr = asInt32(yTrue, start, end), pArr = asInt32(yPred, start, end);
    const out = tf.tidy(() => {
      const t = tf.tensor1d(tArr, "int32"), p = tf.tensor1d(pArr, "int32");
      if (bytes) {
        const raw = tf.add(tf.mul(t, tf.scalar(256, "int32")), p) as Tensor1D;
        return tf.bincount(raw, tf.tensor1d([], countDtype), 65536);
      }
      const cI = tf.scalar(C, "int32");
      const zero = tf.scalar(0, "int32");
      const outT = tf.fill([end - start], C, "int32");
      let tc = tf.where(
        tf.logicalAnd(tf.greaterEqual(t, zero), tf.less(t, cI)),
        t,
        outT,
      ) as Tensor1D;
      for (const v of coding.ignore) {
        tc = tf.where(
          tf.equal(t, tf.scalar(v, "int32")),
          tf.fill([end - start], C + 1, "int32"),
          tc,
        ) as Tensor1D;
      }
      const pc = tf.where(
        tf.logicalAnd(tf.greaterEqual(p, zero), tf.less(p, cI)),
        p,
        outT,
      ) as Tensor1D;
      if (method === "confusionMatrix") {
        return tf.math.confusionMatrix(tc, pc, H); // H x H, columns >= W stay empty
      }
      if (method === "matMul") {
        // H x W: cell (r, c) = sum over pixels of [tc = r] * [pc = c], integers <= chunk <= 2^24
        // (int32 one-hot then a cast: tfjs-wasm 4.22.0's float32 oneHot writes the int32 bits of 1)
        const oneT = tf.cast(tf.oneHot(tc, H), "float32");
        const oneP = tf.cast(tf.oneHot(pc, W), "float32");
        return tf.reshape(tf.matMul(oneT, oneP, true, false), [K]);
      }
      const idx = tf.add(tf.mul(tc, tf.scalar(W, "int32")), pc) as Tensor1D;
      const weights = tf.tensor1d([], countDtype);
      return tf.bincount(idx, weights, K);
    });
    const data = await out.data();
    out.dispose();
    let total = 0;
    if (bytes) {
      for (let k = 0; k < 65536; k++) total += data[k];
      foldByteHistogram(data, coding, sum);
    } else if (method === "confusionMatrix") {
      for (let r = 0; r < H; r++) {
        for (let c = 0; c < H; c++) {
          const v = data[r * H + c];
          if (c < W) sum[r * W + c] += v;
          total += v;
        }
      }
    } else {
      for (let k = 0; k < K; k++) {
        sum[k] += data[k];
        total += data[k];
      }
    }
    if (total !== end - start) {
      throw new Error(
        `tfjs ${backend} ${method} returned counts summing to ${total} for a chunk of ${
          end - start
        } pixels; refusing a wrong result`,
      );
    }
  }
  return sum;
}

function asInt32(a: IntegerLabels, start: number, end: number): Int32Array {
  if (a instanceof Int32Array) return a.subarray(start, end);
  const out = new Int32Array(end - start);
  out.set(a.subarray(start, end));
  return out;
}
