/**
 * Exact mean IoU inside tfjs training: a `model.fit` callback and an `evaluate` companion that
 * count the validation set's exact integer confusion matrix, so the number that early stopping
 * watches is the dataset mIoU rather than the per-batch average tfjs computes for every metric.
 *
 * Why: tfjs 4.22 has no `MeanIoU`, and `model.fit` / `model.evaluate` compute every metric
 * batch by batch and average the batch values, weighted by batch size (see `testLoop` and
 * `BaseLogger` in `@tensorflow/tfjs-layers`). A mean IoU written as a tfjs metric is therefore
 * the mean of per-batch mIoUs, which is not the dataset mIoU and moves with the batch size.
 *
 * How tfjs callbacks behave (read in `@tensorflow/tfjs-layers` 4.22.0, `base_callbacks.js`,
 * `engine/training.js`): `fit` builds one `logs` object per epoch, fills it with the
 * `val_*` metrics, then calls every callback's `onEpochEnd(epoch, logs)` in list order with that
 * same object. Keys written by one callback are seen by the callbacks after it, and by the
 * `History` that `fit` returns (it is always last). So the callback of
 * {@linkcode exactIoUCallback} must come before `tf.callbacks.earlyStopping` in the list.
 * `model.evaluate` takes no callbacks at all, hence {@linkcode evaluateExactIoU}.
 *
 * Counting: the argmax is always taken on the model's tfjs backend. With `"host"` (default) it is
 * downloaded (int32) and counted image by image with the core's `ConfusionMatrix`. With `"tfjs"`
 * the per-image confusion matrices are counted there too, with one `tf.bincount` per batch
 * on cpu and wasm, int32 counts, exact up to 2^31 - 1 per cell; elsewhere (webgpu) one float32
 * one-hot `matMul` per batch instead, since tfjs-webgpu's float32 bincount did not finish on a busy
 * bin (exact to 2^24, so images of more than 2^24 pixels are refused; batches of more than 2^26
 * one-hot values are counted on the host), every image's counts checked to add up to its pixel count,
 * and only C x C counts per image come back. Both give the same integers or throw. The host is
 * the default because it was never slower. On the cpu backend the two took about the same time
 * (64 images of 128 x 128, 21 classes, batches of 16, third round on a shared 2-core machine:
 * 337 ms with `"tfjs"`, 316 ms with `"host"`, 251 ms for predict and argmax alone). On an
 * NVIDIA H200 (tfjs-webgpu, Deno's WebGPU on Vulkan, driver 580.159.04, 2026-12-04), with the
 * model on the GPU: 32 images of 64 x 64 with random labels over 21 classes, 107 ms on the host
 * and 127 ms with `"tfjs"` (second round), identical counts; 32 images of 256 x 256 whose
 * pixels all fall in one cell, 587 ms and 2556 ms: tfjs-webgpu's float32 bincount serialises on
 * a busy bin, and segmentation masks, mostly background, make busy bins (measured with bincount;
 * the `matMul` count that replaced it has not been measured on a GPU).
 *
 * tfjs is imported lazily (by {@linkcode exactIoUCallback} and {@linkcode evaluateExactIoU}), so
 * importing this module costs nothing.
 *
 * @module
 */
import type { Logs } from "@tensorflow/tfjs";
import { type ClassCounts, ConfusionMatrix } from "../core/confusion_matrix.ts";
import { type CountingOptions, countingPolicy, type LabelArray } from "../core/labels.ts";
import { SegmentationStats } from "../core/segmentation_stats.ts";
import { meanIoU, perClassIoU } from "../metrics/mean_iou.ts";
import {
  checkTfjsOp,
  FLOAT32_EXACT_COUNT,
  INT32_MAX,
  type TfCallback,
  type TfLayersModel,
  type TfTensor,
} from "./tfjs.ts";

/**
 * Log key (after the prefix, `"val_"` by default) of the exact dataset mean IoU.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { EXACT_MIOU_KEY, exactIoUCallback } from "./tfjs_callback.ts";
 * await tf.setBackend("cpu");
 * // a 1x1 convolution that copies its 2 input channels: the argmax is the larger channel
 * const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [1, 2, 2], filters: 2,
 *   kernelSize: 1, useBias: false, weights: [tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2])] })] });
 * const x = tf.tensor4d([[[[1, 0], [0, 1]]], [[[1, 0], [1, 0]]]]); // predicted: [0, 1], [0, 0]
 * const exact = await exactIoUCallback({ numClasses: 2, validationData: [x, [0, 1, 0, 1]] });
 * exact.setModel(model);
 * const logs: Record<string, number> = {};
 * await exact.onEpochEnd(0, logs); // as model.fit does at the end of an epoch
 * // class 0: TP 2, FP 1 (2/3); class 1: TP 1, FN 1 (1/2)
 * assert.equal(logs[`val_${EXACT_MIOU_KEY}`], (2 / 3 + 1 / 2) / 2);
 * ```
 */
export const EXACT_MIOU_KEY = "exact_miou";
/**
 * Log key (after the prefix) of what tfjs would report for a per-batch mIoU metric: each
 * batch's mIoU, averaged over batches weighted by batch size, as `fit` and `evaluate` do.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { BATCH_MEAN_MIOU_KEY, exactIoUCallback } from "./tfjs_callback.ts";
 * await tf.setBackend("cpu");
 * // a 1x1 convolution that copies its 2 input channels: the argmax is the larger channel
 * const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [1, 2, 2], filters: 2,
 *   kernelSize: 1, useBias: false, weights: [tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2])] })] });
 * const x = tf.tensor4d([[[[1, 0], [0, 1]]], [[[1, 0], [1, 0]]]]); // predicted: [0, 1], [0, 0]
 * const exact = await exactIoUCallback({ numClasses: 2, validationData: [x, [0, 1, 0, 1]], batchSize: 1 });
 * exact.setModel(model);
 * const logs: Record<string, number> = {};
 * await exact.onEpochEnd(0, logs); // as model.fit does at the end of an epoch
 * // image 1 is right (1); image 2 scores (1/2 + 0) / 2: not the dataset's (2/3 + 1/2) / 2
 * assert.equal(logs[`val_${BATCH_MEAN_MIOU_KEY}`], (1 + 1 / 4) / 2);
 * ```
 */
export const BATCH_MEAN_MIOU_KEY = "batch_mean_miou";
/**
 * Log key stem (after the prefix) of the exact per-class IoU: `exact_iou_0`, `exact_iou_1`...,
 * written with the option `perClass`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { EXACT_IOU_CLASS_KEY, exactIoUCallback } from "./tfjs_callback.ts";
 * await tf.setBackend("cpu");
 * // a 1x1 convolution that copies its 2 input channels: the argmax is the larger channel
 * const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [1, 2, 2], filters: 2,
 *   kernelSize: 1, useBias: false, weights: [tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2])] })] });
 * const x = tf.tensor4d([[[[1, 0], [0, 1]]], [[[1, 0], [1, 0]]]]); // predicted: [0, 1], [0, 0]
 * const exact = await exactIoUCallback({ numClasses: 2, validationData: [x, [0, 1, 0, 1]], perClass: true });
 * exact.setModel(model);
 * const logs: Record<string, number> = {};
 * await exact.onEpochEnd(0, logs); // as model.fit does at the end of an epoch
 * assert.equal(logs[`val_${EXACT_IOU_CLASS_KEY}0`], 2 / 3);
 * assert.equal(logs[`val_${EXACT_IOU_CLASS_KEY}1`], 1 / 2);
 * ```
 */
export const EXACT_IOU_CLASS_KEY = "exact_iou_";

/** Where the confusion matrices are counted; see the module documentation. */
export type ExactIoUCounting = "tfjs" | "host";

/** Options of {@linkcode evaluateExactIoU}. */
export interface ExactIoUOptions extends CountingOptions {
  /** Number of classes: the model's last output axis (an integer >= 2). */
  numClasses: number;
  /** Images per `predict` call, which is also the batch of the per-batch average (default 32). */
  batchSize?: number;
  /** Where to count (default `"host"`). */
  counting?: ExactIoUCounting;
}

/** The result of {@linkcode evaluateExactIoU}. */
export interface ExactIoUResult {
  /** The exact dataset mean IoU (absent classes excluded): `meanIoU(stats)`. */
  meanIoU: number;
  /** The IoU of each class from the dataset counts (NaN for an absent class). */
  perClassIoU: number[];
  /**
   * What a per-batch mIoU metric in tfjs reports: the mIoU of each batch's confusion matrix,
   * averaged with the batch sizes as weights (tfjs does the same in float32). When every batch
   * has the same size this is `meanIoU(stats, { average: "per-batch", batchSize })`.
   */
  batchMeanIoU: number;
  /** The batch sizes, in order. */
  batchSizes: number[];
  /** The exact state: per-image counts in data order, and the dataset confusion matrix. */
  stats: SegmentationStats;
}

type Tf = typeof import("@tensorflow/tfjs");

/**
 * Runs `model` on `x` batch by batch (inference mode, as `model.evaluate` does), takes the
 * argmax over the last axis and counts it against `y` exactly, image by image. This is the
 * `evaluate` counterpart of {@linkcode exactIoUCallback}: tfjs's `evaluate` has no callback hook.
 *
 * `y` holds class ids (not one-hot: pass `tf.argMax(y, -1)` for one-hot targets), as a tensor of
 * shape `[N, ...spatial]` or `[N, ...spatial, 1]` or as a flat array of N x pixels values; the
 * `ignoreIndex` and `outOfRange` options apply to it as in the core's `ConfusionMatrix`. A NaN
 * score in the model's output is refused (its argmax would be backend-dependent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { evaluateExactIoU } from "./tfjs_callback.ts";
 * await tf.setBackend("cpu");
 * // a 1x1 convolution that copies its 2 input channels: the argmax is the larger channel
 * const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [1, 2, 2], filters: 2,
 *   kernelSize: 1, useBias: false, weights: [tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2])] })] });
 * const x = tf.tensor4d([[[[1, 0], [0, 1]]], [[[1, 0], [1, 0]]]]); // 2 images of 1 x 2 pixels
 * const y = tf.tensor3d([[[0, 1]], [[0, 1]]]);
 * const r = await evaluateExactIoU(model, x, y, { numClasses: 2, batchSize: 1 });
 * // dataset: class 0 = 2/3, class 1 = 1/2; batch 1 is perfect (1), batch 2 scores (1/2 + 0) / 2
 * assert.equal(r.meanIoU, (2 / 3 + 1 / 2) / 2);
 * assert.equal(r.batchMeanIoU, (1 + 1 / 4) / 2);
 * ```
 *
 * @param model A tfjs model whose output's last axis holds `numClasses` scores.
 * @param x The inputs, N images along the first axis.
 * @param y The true class ids.
 * @param options Classes, label policies, batch size, where to count.
 * @returns The exact dataset mIoU, per-class IoU, the per-batch average, and the exact state.
 */
export async function evaluateExactIoU(
  model: TfLayersModel,
  x: TfTensor,
  y: TfTensor | LabelArray,
  options: ExactIoUOptions,
): Promise<ExactIoUResult> {
  const tf = await import("@tensorflow/tfjs");
  const labels = isTensor(y) ? await y.data() as Float32Array | Int32Array : y;
  return await evaluateLabels(tf, model, x, labels, checkOptions(options));
}

interface Checked {
  numClasses: number;
  counting: CountingOptions;
  batchSize: number;
  where: ExactIoUCounting;
}

function checkOptions(options: ExactIoUOptions): Checked {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected options with numClasses, but found ${options}`);
  }
  const policy = countingPolicy(options.numClasses, options);
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`Expected batchSize to be an integer >= 1, but found ${batchSize}`);
  }
  const where = options.counting ?? "host";
  if (where !== "tfjs" && where !== "host") {
    throw new RangeError(`Expected counting to be "tfjs" or "host", but found "${where}"`);
  }
  return {
    numClasses: policy.numClasses,
    counting: { ignoreIndex: policy.ignoreIndex, outOfRange: policy.outOfRange },
    batchSize,
    where,
  };
}

/** Bins of one tfjs bincount call beyond which counting moves to the host (memory, int32 ids). */
const MAX_DEVICE_BINS = 2 ** 24;
/** One-hot values of one float32 matMul count (webgpu) beyond which counting moves to the host. */
const MAX_DEVICE_ONE_HOT = 2 ** 26;

async function evaluateLabels(
  tf: Tf,
  model: TfLayersModel,
  x: TfTensor,
  labels: LabelArray,
  o: Checked,
): Promise<ExactIoUResult> {
  const C = o.numClasses;
  const N = x.shape[0];
  if (!(typeof N === "number" && N >= 1)) {
    throw new RangeError(`Expected x to hold at least one image, but found shape [${x.shape}]`);
  }
  if (labels.length % N !== 0 || labels.length === 0) {
    throw new RangeError(
      `Expected y to hold the same number of pixels for each of the ${N} images of x, but found ${labels.length} values`,
    );
  }
  const P = labels.length / N;
  // The core's own check of the labels, so bad labels fail with its message before any predict.
  new ConfusionMatrix(C, o.counting).update(labels, labels);
  if (o.where === "tfjs") {
    // one image's pixels bound every cell of its table: refuse before any predict
    const dtype = deviceCountDtype(tf);
    const limit = dtype === "int32" ? INT32_MAX : FLOAT32_EXACT_COUNT;
    if (P > limit) {
      throw new RangeError(
        `Expected images of at most ${limit} pixels for counting "tfjs" on the ${tf.getBackend()} backend (${dtype} counts), but found ${P}; use counting "host"`,
      );
    }
  }
  const policy = countingPolicy(C, o.counting);
  const perImage: ClassCounts[] = [];
  const dataset = new ConfusionMatrix(C, o.counting);
  const batchSizes: number[] = [];
  let batchWeighted = 0;
  const K = (C + 1) * C; // row C collects the pixels that are not counted (ignored, dropped)
  for (let start = 0; start < N; start += o.batchSize) {
    const b = Math.min(o.batchSize, N - start);
    const { argmax, nan } = tf.tidy(() => {
      const scores = model.predict(x.slice(start, b)) as TfTensor;
      const shape = scores.shape;
      if (shape[shape.length - 1] !== C || scores.size !== b * P * C) {
        throw new RangeError(
          `Expected the model to output ${C} class scores for each of the ${P} pixels of an image, but found shape [${shape}]`,
        );
      }
      return {
        argmax: tf.argMax(scores, -1).reshape([b * P]).toInt(),
        nan: tf.any(tf.isNaN(scores)),
      };
    });
    try {
      if ((await nan.data())[0]) {
        throw new RangeError(
          `Expected finite class scores, but found NaN in the model's output for images ${start}..${
            start + b - 1
          }; refusing an argmax that depends on the backend`,
        );
      }
      const tables = o.where === "tfjs" && b * K <= MAX_DEVICE_BINS &&
          (deviceCountDtype(tf) === "int32" || b * P * (2 * C + 1) <= MAX_DEVICE_ONE_HOT)
        ? await countOnDevice(tf, argmax, labels, policy.ignoreIndex, start, b, P, C)
        : hostTables(await argmax.data() as Int32Array, labels, o.counting, start, b, P, C);
      const batch = new ConfusionMatrix(C, o.counting);
      for (const table of tables) {
        const image = new ConfusionMatrix(C, o.counting).addCounts(table);
        perImage.push(image.classCounts());
        batch.merge(image);
      }
      dataset.merge(batch);
      batchSizes.push(b);
      batchWeighted += b * meanIoU(batch);
    } finally {
      argmax.dispose();
      nan.dispose();
    }
  }
  const stats = SegmentationStats.fromJSON({
    confusionMatrix: dataset.toJSON(),
    images: perImage.map((c) => ({ tp: [...c.tp], fp: [...c.fp], fn: [...c.fn] })),
  });
  return {
    meanIoU: meanIoU(stats),
    perClassIoU: perClassIoU(stats),
    batchMeanIoU: batchWeighted / N,
    batchSizes,
    stats,
  };
}

/**
 * Per-image C x C tables counted with one bincount over (image, true code, predicted class):
 * true labels are coded on the host (class id, or C for a pixel the policy does not count).
 */
async function countOnDevice(
  tf: Tf,
  argmax: TfTensor,
  labels: LabelArray,
  ignore: readonly number[],
  start: number,
  b: number,
  P: number,
  C: number,
): Promise<Float64Array[]> {
  const backend = tf.getBackend();
  const dtype = deviceCountDtype(tf);
  checkTfjsOp("bincount", "cpu", dtype, P); // one image's pixels bound every cell
  const K = (C + 1) * C;
  const codes = new Int32Array(b * P);
  for (let i = 0; i < b; i++) {
    const base = i * K;
    for (let k = 0; k < P; k++) {
      const v = labels[(start + i) * P + k];
      // labels were checked by the core: v is an integer class id, ignored, or dropped
      const t = v >= 0 && v < C && !ignore.includes(v) ? v : C;
      codes[i * P + k] = base + t * C;
    }
  }
  const counts = tf.tidy(() => {
    if (dtype === "float32") {
      // webgpu: no float32 bincount (its compare-exchange loop per pixel did not finish on a busy
      // bin); per image, cast(oneHot(true row))^T x cast(oneHot(argmax)): (C + 1) x C, partial
      // sums integers <= P <= 2^24, exact. Row codes are the offsets above, less the image base.
      const rows = tf.tensor2d(
        codes.map((v, j) => (v - Math.floor(j / P) * K) / C),
        [b, P],
        "int32",
      );
      const oneT = tf.cast(tf.oneHot(rows, C + 1), "float32");
      const oneP = tf.cast(tf.oneHot(tf.reshape(argmax, [b, P]), C), "float32");
      return tf.reshape(tf.matMul(oneT, oneP, true, false), [b * K]);
    }
    const idx = tf.add(tf.tensor1d(codes, "int32"), argmax) as import("@tensorflow/tfjs").Tensor1D;
    return tf.bincount(idx, tf.tensor1d([], dtype), b * K);
  });
  const data = await counts.data();
  counts.dispose();
  const tables: Float64Array[] = [];
  for (let i = 0; i < b; i++) {
    let total = 0;
    for (let k = 0; k < K; k++) total += data[i * K + k];
    if (total !== P) {
      throw new Error(
        `tfjs ${backend} bincount returned counts summing to ${total} for an image of ${P} pixels; refusing a wrong result`,
      );
    }
    tables.push(Float64Array.from(data.subarray(i * K, i * K + C * C)));
  }
  return tables;
}

/** int32 counts are right on cpu and wasm; elsewhere (webgpu) only float32 ones, exact to 2^24. */
function deviceCountDtype(tf: Tf): "int32" | "float32" {
  const backend = tf.getBackend();
  return backend === "cpu" || backend === "wasm" ? "int32" : "float32";
}

function hostTables(
  argmax: Int32Array,
  labels: LabelArray,
  counting: CountingOptions,
  start: number,
  b: number,
  P: number,
  C: number,
): Float64Array[] {
  const tables: Float64Array[] = [];
  for (let i = 0; i < b; i++) {
    const t = labels.slice((start + i) * P, (start + i + 1) * P);
    const p = argmax.subarray(i * P, (i + 1) * P);
    tables.push(new ConfusionMatrix(C, counting).update(t, p).counts());
  }
  return tables;
}

function isTensor(value: unknown): value is TfTensor {
  return typeof value === "object" && value !== null && "dataSync" in value && "shape" in value;
}

/** Options of {@linkcode exactIoUCallback}. */
export interface ExactIoUCallbackOptions extends Omit<ExactIoUOptions, "batchSize"> {
  /** The validation inputs and true class ids, as {@linkcode evaluateExactIoU} takes them. */
  validationData: [TfTensor, TfTensor | LabelArray];
  /**
   * Images per `predict` call and per batch of the per-batch average (default: the `batchSize`
   * passed to `fit`, which tfjs also uses for its own validation metrics; 32 if none).
   */
  batchSize?: number;
  /** Also log the IoU of each class, as `<prefix>exact_iou_<c>` (default false). */
  perClass?: boolean;
  /** Prefix of the log keys (default `"val_"`). */
  prefix?: string;
}

/** The callback made by {@linkcode exactIoUCallback}: a `tf.Callback` that keeps its results. */
export interface ExactIoUCallback extends TfCallback {
  /** One result per epoch seen, in order (exact state included). */
  readonly results: ExactIoUResult[];
  /** The log keys it writes, in order. */
  readonly keys: string[];
}

/**
 * A `tf.Callback` for `model.fit` that, at the end of each epoch, runs the model on the
 * validation data, counts the exact confusion matrix (see {@linkcode evaluateExactIoU}) and
 * writes into the epoch logs:
 *
 * - `val_exact_miou`: the exact dataset mean IoU, which `tf.callbacks.earlyStopping({ monitor:
 *   "val_exact_miou", mode: "max" })` can watch (give `mode: "max"`: tfjs guesses "min" for any
 *   name without "acc");
 * - `val_batch_mean_miou`: what a per-batch mIoU metric would have reported (the gap made
 *   visible);
 * - with `perClass`, `val_exact_iou_<c>` for each class c.
 *
 * Put it before the callbacks that read these keys: tfjs calls callbacks in list order with one
 * shared `logs` object. The `History` that `fit` returns records the keys too. Give `fit` a list
 * of callback objects (`tf.Callback`, `tf.callbacks.earlyStopping(...)`): when the list starts
 * with a plain `{ onEpochEnd }` object, tfjs treats every entry as one and calls this callback's
 * method detached from it, which it refuses with a clear error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { exactIoUCallback } from "./tfjs_callback.ts";
 * await tf.setBackend("cpu");
 * const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [2, 2, 1], filters: 3,
 *   kernelSize: 1, activation: "softmax" })] });
 * model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
 * const x = tf.randomUniform([4, 2, 2, 1], 0, 1, "float32", 1);
 * const y = tf.tensor3d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], [4, 2, 2]);
 * const exact = await exactIoUCallback({ numClasses: 3, validationData: [x, y] });
 * const history = await model.fit(x, tf.oneHot(y.toInt(), 3), { epochs: 2, batchSize: 2,
 *   verbose: 0, callbacks: [exact] });
 * assert.equal(history.history.val_exact_miou.length, 2);
 * assert.equal(history.history.val_exact_miou[1], exact.results[1].meanIoU);
 * ```
 *
 * @param options The validation data, classes, label policies, batch size, keys to log.
 * @returns The callback; pass it in `fit`'s `callbacks` list.
 */
export async function exactIoUCallback(
  options: ExactIoUCallbackOptions,
): Promise<ExactIoUCallback> {
  const tf = await import("@tensorflow/tfjs");
  const data = options?.validationData;
  if (!Array.isArray(data) || data.length !== 2 || !isTensor(data[0])) {
    throw new TypeError("Expected validationData to be [x, y] with x a tfjs tensor");
  }
  const checked = checkOptions(options);
  const prefix = options.prefix ?? "val_";
  if (typeof prefix !== "string") {
    throw new TypeError(`Expected prefix to be a string, but found ${prefix}`);
  }
  const [x, y] = data;
  // The labels come to the host once; each epoch only the model runs again.
  const labels = isTensor(y) ? await y.data() as Float32Array | Int32Array : y;
  const keys = [prefix + EXACT_MIOU_KEY, prefix + BATCH_MEAN_MIOU_KEY];
  if (options.perClass) {
    for (let c = 0; c < checked.numClasses; c++) keys.push(`${prefix}${EXACT_IOU_CLASS_KEY}${c}`);
  }

  class ExactIoU extends tf.Callback implements ExactIoUCallback {
    readonly results: ExactIoUResult[] = [];
    readonly keys: string[] = keys;

    override async onEpochEnd(_epoch: number, logs?: Logs): Promise<void> {
      if (!(this instanceof ExactIoU)) {
        throw new TypeError(
          "Expected fit's callbacks to be callback objects: tfjs called exactIoUCallback's onEpochEnd as a plain function (the list started with a plain { onEpochEnd } object)",
        );
      }
      const fitBatch = this.params?.batchSize;
      const batchSize = options.batchSize ??
        (typeof fitBatch === "number" ? fitBatch : checked.batchSize);
      const result = await evaluateLabels(tf, this.model, x, labels, { ...checked, batchSize });
      this.results.push(result);
      if (logs === undefined) return;
      logs[keys[0]] = result.meanIoU;
      logs[keys[1]] = result.batchMeanIoU;
      if (options.perClass) {
        result.perClassIoU.forEach((v, c) => logs[keys[2 + c]] = v);
      }
    }
  }
  return new ExactIoU();
}
