/**
 * torchmetrics multilabel profiles, float32 like the library (1.9.0): `MultilabelJaccardIndex` /
 * `JaccardIndex(task="multilabel")` from one 2 x 2 matrix per label or from a
 * `MultilabelStats`, `BinaryJaccardIndex` from a one-class `MultilabelStats`, the inputs as
 * torchmetrics validates and binarises them (sigmoid when outside [0, 1], then `> threshold` in
 * float32), and `segmentation.MeanIoU(input_format="one-hot")` on non-exclusive integer masks.
 *
 * @module
 */

import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import type { MultilabelStats } from "../core/multilabel_stats.ts";
import { torchSum32 } from "../float32/reduction_order.ts";
import {
  checkNoMissed,
  f32,
  safeDivide,
  type TorchmetricsZeroDivision,
  zeroValue,
} from "./_torchmetrics_shared.ts";

/** Options of {@linkcode torchmetricsMultilabelJaccardIndex}. */
export interface TorchmetricsMultilabelOptions {
  /** `average` (default `"macro"`). */
  average?: "macro" | "micro" | "weighted";
  /** `zero_division` (default 0). Multilabel macro keeps absent labels, with this value. */
  zeroDivision?: TorchmetricsZeroDivision;
  /** float32 lanes of the CPU that ran torch (default 8, AVX2). */
  vectorWidth?: number;
}

function multilabelParts(labels: readonly ConfusionMatrix[]) {
  return labels.map((cm, l) => {
    if (cm.numClasses !== 2) {
      throw new RangeError(
        `Expected label ${l} to have a 2-class matrix, but found ${cm.numClasses}`,
      );
    }
    checkNoMissed(cm, "torchmetrics multilabel");
    const [, fp, fn, tp] = Array.from(cm.counts(), f32); // rows = target, columns = prediction
    return { tp, fp, fn, denom: f32(f32(tp + fp) + fn) };
  });
}

/**
 * torchmetrics `MultilabelJaccardIndex` / `JaccardIndex(task="multilabel")` from one 2 x 2
 * matrix per label (rows = target, columns = prediction, class 1 = positive), float32 like the
 * library. Unlike the multiclass task, `macro` averages absent labels in with the zero-division
 * value. `ignore_index` acts on pixels only (build each label's matrix with it); the multilabel
 * reduction does not receive it, so no label is left out of the average.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { torchmetricsMultilabelJaccardIndex } from "./torchmetrics_multilabel.ts";
 *
 * const label0 = new ConfusionMatrix(2).update([1, 1, 0, 0], [1, 0, 0, 0]); // 1/2
 * const label1 = new ConfusionMatrix(2).update([0, 0, 0, 0], [0, 0, 0, 0]); // absent
 * assert.equal(torchmetricsMultilabelJaccardIndex([label0, label1]), 0.25);
 * assert.equal(torchmetricsMultilabelJaccardIndex([label0, label1], { zeroDivision: 1 }), 0.75);
 * ```
 *
 * @param labels One 2-class matrix per label.
 * @param options average, zero_division.
 * @returns The float32 result.
 */
export function torchmetricsMultilabelJaccardIndex(
  labels: readonly ConfusionMatrix[],
  options: TorchmetricsMultilabelOptions = {},
): number {
  return reduceLabels(multilabelParts(labels), options, null);
}

/**
 * `_jaccard_index_reduce` for the multilabel task, in float32: `micro` pools TP and the
 * denominators, `macro` and `weighted` sum `w * IoU / sum(w)` in torch's order. `ignore`: the
 * functional form's `ignore_index` inside [0, L), which drops that label.
 */
function reduceLabels(
  parts: readonly { tp: number; fn: number; denom: number }[],
  options: TorchmetricsMultilabelOptions,
  ignore: number | null,
): number {
  const average = options.average ?? "macro";
  if (!["macro", "micro", "weighted"].includes(average)) {
    throw new RangeError(
      `Expected average to be "macro", "micro" or "weighted", but found ${average}`,
    );
  }
  const zd = options.zeroDivision ?? 0;
  zeroValue(zd);
  const vw = options.vectorWidth ?? 8;
  const L = parts.length;
  const ig = ignore !== null && ignore >= 0 && ignore < L ? ignore : null;
  if (average === "micro") {
    const num = torchSum32(parts.map((p) => p.tp), vw);
    let den = torchSum32(parts.map((p) => p.denom), vw);
    if (ig !== null) den = f32(den - parts[ig].denom);
    return safeDivide(num, den, zd);
  }
  const jaccard = parts.map((p) => safeDivide(p.tp, p.denom, zd));
  let weights: number[];
  if (average === "weighted") weights = parts.map((p) => f32(p.tp + p.fn));
  else {
    weights = new Array<number>(L).fill(1);
    if (ig !== null) weights[ig] = 0;
  }
  const total = torchSum32(weights, vw);
  return torchSum32(weights.map((w, i) => f32(f32(w * jaccard[i]) / total)), vw);
}

/**
 * torchmetrics `MultilabelJaccardIndex(average="none")`: float32 IoU per label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { torchmetricsMultilabelJaccardPerLabel } from "./torchmetrics_multilabel.ts";
 *
 * const label0 = new ConfusionMatrix(2).update([1, 1, 0], [1, 0, 1]);
 * assert.deepEqual(torchmetricsMultilabelJaccardPerLabel([label0]), [Math.fround(1 / 3)]);
 * ```
 *
 * @param labels One 2-class matrix per label.
 * @param options zero_division.
 * @returns One float32 value per label.
 */
export function torchmetricsMultilabelJaccardPerLabel(
  labels: readonly ConfusionMatrix[],
  options: Pick<TorchmetricsMultilabelOptions, "zeroDivision"> = {},
): number[] {
  const zd = options.zeroDivision ?? 0;
  zeroValue(zd);
  return multilabelParts(labels).map((p) => safeDivide(p.tp, p.denom, zd));
}

/**
 * An error as torchmetrics raises it: the Python class and the first line of its message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TorchmetricsError, torchmetricsCheckArgs } from "./torchmetrics_multilabel.ts";
 * try {
 *   torchmetricsCheckArgs({ task: "multilabel", numClasses: 1 });
 * } catch (e) {
 *   assert.ok(e instanceof TorchmetricsError);
 *   assert.equal(e.errorClass, "ValueError");
 * }
 * ```
 */
export class TorchmetricsError extends Error {
  /** The Python exception class. */
  readonly errorClass: "ValueError" | "RuntimeError";

  /**
   * An error as torchmetrics raises it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TorchmetricsError } from "./torchmetrics_multilabel.ts";
   * const e = new TorchmetricsError("ValueError", "Expected ...");
   * assert.equal(e.errorClass, "ValueError");
   * ```
   *
   * @param errorClass The Python exception class.
   * @param message torchmetrics' message (first line).
   */
  constructor(errorClass: "ValueError" | "RuntimeError", message: string) {
    super(message);
    this.name = "TorchmetricsError";
    this.errorClass = errorClass;
  }
}

/** Arguments of a torchmetrics classification metric, as {@linkcode torchmetricsCheckArgs} reads them. */
export interface TorchmetricsArgs {
  /** `"binary"`, `"multilabel"` or `"multiclass"`. */
  task: "binary" | "multilabel" | "multiclass";
  /** `num_labels` (multilabel) or `num_classes` (multiclass). */
  numClasses?: number;
  /** `threshold` (binary, multilabel; default 0.5). */
  threshold?: number;
  /** `average` (multilabel, multiclass). */
  average?: string | null;
}

/**
 * The constructor checks of `BinaryJaccardIndex`, `MultilabelJaccardIndex` and
 * `MulticlassJaccardIndex` (torchmetrics 1.9.0), in their order, with their messages. A
 * threshold must be a Python float: an integer threshold (`threshold=1`) is refused by
 * torchmetrics but cannot be told apart from 1.0 here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchmetricsCheckArgs } from "./torchmetrics_multilabel.ts";
 * assert.throws(
 *   () => torchmetricsCheckArgs({ task: "multilabel", numClasses: 1 }),
 *   /Expected argument `num_labels` to be an integer larger than 1, but got 1/,
 * );
 * torchmetricsCheckArgs({ task: "binary", threshold: 0.3 }); // fine
 * ```
 *
 * @param args The task and its arguments.
 * @throws {TorchmetricsError} Where the constructor raises.
 */
export function torchmetricsCheckArgs(args: TorchmetricsArgs): void {
  const thr = args.threshold ?? 0.5;
  const bad = (msg: string) => new TorchmetricsError("ValueError", msg);
  if (args.task === "binary") {
    if (!(thr >= 0 && thr <= 1)) {
      throw bad(
        `Expected argument \`threshold\` to be a float in the [0,1] range, but got ${thr}.`,
      );
    }
    return;
  }
  const n = args.numClasses;
  const what = args.task === "multilabel" ? "num_labels" : "num_classes";
  if (n === undefined || !Number.isInteger(n) || n < 2) {
    throw bad(`Expected argument \`${what}\` to be an integer larger than 1, but got ${n}`);
  }
  if (args.task === "multilabel" && !(thr >= 0 && thr <= 1)) {
    throw bad(`Expected argument \`threshold\` to be a float, but got ${thr}.`);
  }
  const avg = args.average === undefined ? "macro" : args.average;
  if (!["micro", "macro", "weighted", "none", null].includes(avg)) {
    throw bad(
      `Expected argument \`average\` to be one of ('micro', 'macro', 'weighted', 'none', None), ` +
        `but got ${avg}.`,
    );
  }
}

/** How torch prints a small integer tensor: `tensor([0, 1, 5])`. */
function showTensor(values: number[]): string {
  return `tensor([${values.join(", ")}])`;
}

/** Options of {@linkcode torchmetricsMultilabelUpdate}. */
export interface TorchmetricsUpdateOptions {
  /** Images in this `update()` call (the batch dimension N); default 1. */
  images?: number;
  /** `threshold` (default 0.5). */
  threshold?: number;
  /** `ignore_index`: target elements equal to it are left out of their label (default none). */
  ignoreIndex?: number | null;
  /** Whether `preds` is a floating-point tensor (probabilities or logits); default true. */
  predsFloat?: boolean;
  /** `"multilabel"` (default; shape (N, L, ...)) or `"binary"` (one label, any shape). */
  task?: "multilabel" | "binary";
  /**
   * The tensors' `shape[1]` when known (the flat arrays do not carry it): torchmetrics raises
   * its `ValueError` when it is not `num_labels`.
   */
  channels?: number;
}

/**
 * One `update(preds, target)` of `MultilabelJaccardIndex` (or `BinaryJaccardIndex` with
 * `task: "binary"`) into a `MultilabelStats`, one image per sample of the batch: the tensor
 * checks of torchmetrics 1.9.0 (shape, target values, integer preds values, in its order), then
 * float preds pass a sigmoid if any value of the batch lies outside [0, 1] (the whole batch,
 * as `normalize_logits_if_needed` does) and are binarised with `> threshold` in float32; target
 * elements equal to `ignoreIndex` are left out of their label only. Inputs are channel first,
 * flat: sample n's label l at `(n * L + l) * P ..`. The sigmoid is computed in float64 and
 * rounded to float32: a logit whose sigmoid lies within one float32 step of the threshold may
 * binarise differently from torch's own float32 sigmoid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultilabelStats } from "../core/multilabel_stats.ts";
 * import { torchmetricsMultilabelUpdate } from "./torchmetrics_multilabel.ts";
 * const stats = new MultilabelStats(2);
 * // one image, 2 labels x 2 pixels; 0.5 is not above the threshold 0.5
 * torchmetricsMultilabelUpdate(stats, [0.5, 0.9, 0.2, 0.7], [1, 1, 0, 1]);
 * assert.deepEqual(stats.image(0), { tp: [1, 1], fp: [0, 0], fn: [1, 0], tn: [0, 1] });
 * ```
 *
 * @param stats The state to add to (numClasses = num_labels; 1 for binary).
 * @param preds Predictions: probabilities, logits, or 0/1 labels.
 * @param target Targets: 0, 1 or `ignoreIndex`.
 * @param options images, threshold, ignore_index, preds dtype, task.
 * @returns `stats`.
 * @throws {TorchmetricsError} Where torchmetrics raises on the tensors.
 */
export function torchmetricsMultilabelUpdate(
  stats: MultilabelStats,
  preds: ArrayLike<number>,
  target: ArrayLike<number>,
  options: TorchmetricsUpdateOptions = {},
): MultilabelStats {
  const L = stats.numClasses;
  const N = options.images ?? 1;
  const task = options.task ?? "multilabel";
  const ig = options.ignoreIndex ?? null;
  if (preds.length !== target.length) {
    throw new TorchmetricsError(
      "RuntimeError",
      `Predictions and targets are expected to have the same shape, but got ${preds.length} and ${target.length} values.`,
    );
  }
  if (task === "binary" && L !== 1) {
    throw new RangeError(
      `Expected a MultilabelStats of 1 class for the binary task, but found ${L}`,
    );
  }
  if (!Number.isInteger(N) || N < 1 || preds.length % N !== 0) {
    throw new RangeError(`Expected images to divide the ${preds.length} values, but found ${N}`);
  }
  const perImage = preds.length / N;
  if (task === "multilabel" && options.channels !== undefined && options.channels !== L) {
    throw new TorchmetricsError(
      "ValueError",
      "Expected both `target.shape[1]` and `preds.shape[1]` to be equal to the number of labels " +
        `but got ${options.channels} and expected ${L}`,
    );
  }
  if (perImage % L !== 0) {
    throw new RangeError(
      `Expected the ${perImage} values of each sample to divide into ${L} labels, but they do not`,
    );
  }
  const uniq = (a: ArrayLike<number>) => [...new Set(Array.from(a))].sort((x, y) => x - y);
  const tv = uniq(target);
  if (tv.some((v) => v !== 0 && v !== 1 && v !== ig)) {
    throw new TorchmetricsError(
      "RuntimeError",
      `Detected the following values in \`target\`: ${showTensor(tv)} but expected only the ` +
        `following values ${ig === null ? "[0, 1]" : `[${ig}]`}.`,
    );
  }
  let bin: Uint8Array;
  if (options.predsFloat ?? true) {
    const x = Float32Array.from(preds);
    if (x.some((v) => !(v >= 0 && v <= 1))) {
      for (let i = 0; i < x.length; i++) x[i] = f32(1 / (1 + Math.exp(-x[i])));
    }
    const t = f32(options.threshold ?? 0.5);
    bin = new Uint8Array(x.length);
    for (let i = 0; i < x.length; i++) bin[i] = x[i] > t ? 1 : 0;
  } else {
    const pv = uniq(preds);
    if (pv.some((v) => v !== 0 && v !== 1)) {
      throw new TorchmetricsError(
        "RuntimeError",
        `Detected the following values in \`preds\`: ${showTensor(pv)} but expected only the ` +
          "following values [0,1] since preds is a label tensor.",
      );
    }
    bin = Uint8Array.from(preds);
  }
  const P = perImage / L;
  for (let n = 0; n < N; n++) {
    const c = { tp: [] as number[], fp: [] as number[], fn: [] as number[], tn: [] as number[] };
    for (let l = 0; l < L; l++) {
      let tp = 0, fp = 0, fn = 0, tn = 0;
      const start = (n * L + l) * P;
      for (let i = start; i < start + P; i++) {
        const t = target[i];
        if (t === ig) continue;
        if (t === 1) {
          if (bin[i]) tp++;
          else fn++;
        } else if (bin[i]) fp++;
        else tn++;
      }
      c.tp.push(tp), c.fp.push(fp), c.fn.push(fn), c.tn.push(tn);
    }
    stats.addImageCounts(c);
  }
  return stats;
}

/** Options of {@linkcode torchmetricsMultilabelJaccard}. */
export interface TorchmetricsMultilabelStatsOptions extends TorchmetricsMultilabelOptions {
  /**
   * `ignore_index` of the functional `multilabel_jaccard_index` with `functional: true`: the
   * functional form passes it to the reduction, where a value in [0, L) drops that label from
   * `macro` and its denominator from `micro` (the module does not: its `compute()` never
   * receives it). Ignored elements themselves are left out when counting (see
   * {@linkcode torchmetricsMultilabelUpdate}).
   */
  ignoreIndex?: number | null;
  /** Reproduce the functional `multilabel_jaccard_index` instead of the module (default false). */
  functional?: boolean;
}

function statsParts(stats: MultilabelStats) {
  const { tp, fp, fn } = stats.totals();
  return tp.map((t, l) => {
    const [T, F, N] = [f32(t), f32(fp[l]), f32(fn[l])];
    return { tp: T, fp: F, fn: N, denom: f32(f32(T + F) + N) };
  });
}

/**
 * torchmetrics `MultilabelJaccardIndex(average=...)` from a `MultilabelStats` (its totals are
 * the module's (L, 2, 2) state), float32 like the library; `average: "none"` is
 * {@linkcode torchmetricsMultilabelJaccardPerLabelOf}. `macro` keeps labels absent from target
 * and prediction, with the zero-division value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultilabelStats } from "../core/multilabel_stats.ts";
 * import { torchmetricsMultilabelJaccard } from "./torchmetrics_multilabel.ts";
 * const stats = new MultilabelStats(2).addImageCounts({ tp: [1, 0], fp: [1, 0], fn: [0, 0], tn: [2, 4] });
 * assert.equal(torchmetricsMultilabelJaccard(stats), 0.25); // (1/2 + 0) / 2
 * assert.equal(torchmetricsMultilabelJaccard(stats, { zeroDivision: 1 }), 0.75);
 * assert.equal(torchmetricsMultilabelJaccard(stats, { average: "micro" }), 0.5);
 * // the functional form drops label 1 when ignore_index = 1
 * assert.equal(torchmetricsMultilabelJaccard(stats, { functional: true, ignoreIndex: 1 }), 0.5);
 * ```
 *
 * @param stats Multilabel counts.
 * @param options average, zero_division, the functional form and its ignore_index.
 * @returns The float32 result.
 */
export function torchmetricsMultilabelJaccard(
  stats: MultilabelStats,
  options: TorchmetricsMultilabelStatsOptions = {},
): number {
  const ignore = options.functional ? options.ignoreIndex ?? null : null;
  return reduceLabels(statsParts(stats), options, ignore);
}

/**
 * torchmetrics `MultilabelJaccardIndex(average="none")` from a `MultilabelStats`: float32 IoU
 * per label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultilabelStats } from "../core/multilabel_stats.ts";
 * import { torchmetricsMultilabelJaccardPerLabelOf } from "./torchmetrics_multilabel.ts";
 * const stats = new MultilabelStats(2).addImageCounts({ tp: [1, 0], fp: [2, 0], fn: [0, 0], tn: [0, 3] });
 * assert.deepEqual(torchmetricsMultilabelJaccardPerLabelOf(stats), [Math.fround(1 / 3), 0]);
 * ```
 *
 * @param stats Multilabel counts.
 * @param options zero_division.
 * @returns One float32 value per label.
 */
export function torchmetricsMultilabelJaccardPerLabelOf(
  stats: MultilabelStats,
  options: Pick<TorchmetricsMultilabelOptions, "zeroDivision"> = {},
): number[] {
  const zd = options.zeroDivision ?? 0;
  zeroValue(zd);
  return statsParts(stats).map((p) => safeDivide(p.tp, p.denom, zd));
}

/**
 * torchmetrics `BinaryJaccardIndex` from a one-class `MultilabelStats`: TP / ((FP + FN) + TP)
 * in float32, in that order (the multilabel reduction adds TP + FP + FN: with counts past 2^24
 * the two can differ in the last bit).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultilabelStats } from "../core/multilabel_stats.ts";
 * import { torchmetricsBinaryJaccard } from "./torchmetrics_multilabel.ts";
 * const stats = new MultilabelStats(1).addImageMasks([1, 1, 0, 0], [1, 0, 1, 0]);
 * assert.equal(torchmetricsBinaryJaccard(stats), Math.fround(1 / 3));
 * assert.equal(torchmetricsBinaryJaccard(new MultilabelStats(1), { zeroDivision: 1 }), 1);
 * ```
 *
 * @param stats Counts of one class.
 * @param options zero_division.
 * @returns The float32 result.
 */
export function torchmetricsBinaryJaccard(
  stats: MultilabelStats,
  options: Pick<TorchmetricsMultilabelOptions, "zeroDivision"> = {},
): number {
  if (stats.numClasses !== 1) {
    throw new RangeError(
      `Expected a MultilabelStats of 1 class for BinaryJaccardIndex, but found ${stats.numClasses}`,
    );
  }
  const zd = options.zeroDivision ?? 0;
  zeroValue(zd);
  const { tp, fp, fn } = stats.totals();
  return safeDivide(f32(tp[0]), f32(f32(f32(fp[0]) + f32(fn[0])) + f32(tp[0])), zd);
}
