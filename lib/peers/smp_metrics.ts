/**
 * segmentation_models.pytorch (smp 0.5) `metrics`: `get_stats` (per image and class TP, FP, FN,
 * TN) and every metric of `segmentation_models_pytorch/metrics/functional.py` with every
 * `reduction`, `class_weights` and `zero_division`, float32 as smp computes them with torch.
 * Checked bit for bit against the real code (golden/peers/peers-smp-metrics.json).
 *
 * @module
 */

import { MultilabelStats } from "../core/multilabel_stats.ts";
import type { SegmentationStats } from "../core/segmentation_stats.ts";
import { torchColumnSums32, torchSum32 } from "../float32/reduction_order.ts";
import { torchHistc32 } from "../float32/torch_histc.ts";
import type { SmpReduction } from "./smp.ts";

const f32 = Math.fround;

/** The metrics of smp's `functional.py` (`precision` and `recall` are its aliases). */
export type SmpMetricName =
  | "fbeta_score"
  | "f1_score"
  | "iou_score"
  | "accuracy"
  | "precision"
  | "recall"
  | "sensitivity"
  | "specificity"
  | "balanced_accuracy"
  | "positive_predictive_value"
  | "negative_predictive_value"
  | "false_negative_rate"
  | "false_positive_rate"
  | "false_discovery_rate"
  | "false_omission_rate"
  | "positive_likelihood_ratio"
  | "negative_likelihood_ratio";

/** Options of {@linkcode smpMetric}. */
export interface SmpMetricOptions {
  /** `reduction`; `"none"` (or undefined, smp's default) returns the (image, class) table. */
  reduction?: SmpReduction | "none";
  /** `class_weights` (required by `weighted*`), normalised to sum 1 in float32. */
  classWeights?: readonly number[];
  /** `zero_division` (default 1; `"warn"` fills 0 and warns). `micro` never fills. */
  zeroDivision?: number | "warn";
  /** `beta` of `fbeta_score` (default 1). */
  beta?: number;
  /** float32 lanes of the CPU that ran torch (default 8, AVX2). */
  vectorWidth?: number;
}

/** {@linkcode smpMetricDetailed}'s result. */
export interface SmpMetricResult {
  /** The float32 score: a number, or the (image, class) table for `none`. */
  value: number | number[][];
  /** Whether smp warns "Zero division in metric calculation!" (`zero_division="warn"` and a 0/0). */
  warned: boolean;
}

const METRICS: readonly SmpMetricName[] = [
  "fbeta_score",
  "f1_score",
  "iou_score",
  "accuracy",
  "precision",
  "recall",
  "sensitivity",
  "specificity",
  "balanced_accuracy",
  "positive_predictive_value",
  "negative_predictive_value",
  "false_negative_rate",
  "false_positive_rate",
  "false_discovery_rate",
  "false_omission_rate",
  "positive_likelihood_ratio",
  "negative_likelihood_ratio",
];

/** int64 / int64 true division in torch: both cast to float32, one float32 division. */
function div(a: number, b: number): number {
  return f32(f32(a) / f32(b));
}

/** One cell of a metric, float32 as torch evaluates smp's formula on int64 counts. */
function cell(
  name: SmpMetricName,
  tp: number,
  fp: number,
  fn: number,
  tn: number,
  beta: number,
): number {
  const sens = () => div(tp, tp + fn);
  const spec = () => div(tn, tn + fp);
  const ppv = () => div(tp, tp + fp);
  const npv = () => div(tn, tn + fn);
  switch (name) {
    case "fbeta_score":
    case "f1_score": {
      // (1 + beta**2) and beta**2 are Python floats, cast to float32 scalars by torch
      const b2 = name === "f1_score" ? 1 : beta ** 2;
      const btp = f32(f32(tp) * f32(1 + b2));
      const bfn = f32(f32(fn) * f32(b2));
      return f32(btp / f32(f32(btp + bfn) + f32(fp)));
    }
    case "iou_score":
      return div(tp, tp + fp + fn);
    case "accuracy":
      return div(tp + tn, tp + fp + fn + tn);
    case "sensitivity":
    case "recall":
      return sens();
    case "specificity":
      return spec();
    case "balanced_accuracy":
      return f32(f32(sens() + spec()) / 2);
    case "positive_predictive_value":
    case "precision":
      return ppv();
    case "negative_predictive_value":
      return npv();
    case "false_negative_rate":
      return f32(1 - sens());
    case "false_positive_rate":
      return f32(1 - spec());
    case "false_discovery_rate":
      return f32(1 - ppv());
    case "false_omission_rate":
      return f32(1 - npv());
    case "positive_likelihood_ratio":
      return f32(sens() / f32(1 - spec()));
    case "negative_likelihood_ratio":
      return f32(f32(1 - sens()) / spec());
  }
}

/**
 * smp's metric `name(tp, fp, fn, tn, reduction=..., class_weights=..., zero_division=...)` on
 * `get_stats` output, with whether it warns. See {@linkcode smpMetric}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultilabelStats, smpMetricDetailed } from "../../mod.ts";
 *
 * const stats = new MultilabelStats(2).addImageCounts({ tp: [1, 0], fp: [0, 0], fn: [1, 0], tn: [2, 4] });
 * // class 1: precision 0/0, filled with 0 and warned
 * assert.deepEqual(
 *   smpMetricDetailed(stats, "precision", { reduction: "none", zeroDivision: "warn" }),
 *   { value: [[1, 0]], warned: true },
 * );
 * ```
 *
 * @param stats Per-image, per-class counts (a `SegmentationStats` is read one-vs-rest).
 * @param name The metric.
 * @param options reduction, class_weights, zero_division, beta.
 * @returns The float32 value and the warning flag.
 */
export function smpMetricDetailed(
  stats: MultilabelStats | SegmentationStats,
  name: SmpMetricName,
  options: SmpMetricOptions = {},
): SmpMetricResult {
  if (!METRICS.includes(name)) {
    throw new RangeError(`Expected name to be one of ${METRICS.join(", ")}, but found ${name}`);
  }
  const ml = stats instanceof MultilabelStats
    ? stats
    : MultilabelStats.fromSegmentationStats(stats);
  const reduction = options.reduction ?? "none";
  const zd = options.zeroDivision ?? 1;
  if (typeof zd !== "number" && zd !== "warn") {
    throw new RangeError(`Expected zeroDivision to be a number or "warn", but found ${zd}`);
  }
  const beta = options.beta ?? 1;
  const vw = options.vectorWidth ?? 8;
  const C = ml.numClasses;
  const N = ml.numImages;
  if (options.classWeights === undefined && reduction.includes("weighted")) {
    throw new RangeError(`Class weights should be provided for \`${reduction}\` reduction`);
  }
  let weights: number[] | null = null;
  if (options.classWeights !== undefined) {
    if (options.classWeights.length !== C) {
      throw new RangeError(`Expected ${C} classWeights, but found ${options.classWeights.length}`);
    }
    const w = options.classWeights.map(f32);
    const total = torchSum32(w, vw);
    weights = w.map((v) => f32(v / total));
  }
  let warned = false;
  const fill = (v: number) => {
    if (!Number.isNaN(v)) return v;
    if (zd === "warn") warned = true;
    return zd === "warn" ? 0 : f32(zd);
  };
  const score = (tp: number, fp: number, fn: number, tn: number) =>
    cell(name, tp, fp, fn, tn, beta);
  const weigh = (s: number[]) => weights === null ? s : s.map((v, k) => f32(v * weights![k]));
  const images = Array.from({ length: N }, (_, i) => ml.image(i));
  const imageSum = (k: "tp" | "fp" | "fn" | "tn", i: number) =>
    images[i][k].reduce((a, b) => a + b, 0);
  let value: number | number[][];
  switch (reduction) {
    case "micro": {
      const t = ml.totals();
      const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
      value = score(sum(t.tp), sum(t.fp), sum(t.fn), sum(t.tn));
      break;
    }
    case "macro":
    case "weighted": {
      const t = ml.totals();
      const s = weigh(
        Array.from({ length: C }, (_, k) => fill(score(t.tp[k], t.fp[k], t.fn[k], t.tn[k]))),
      );
      const total = torchSum32(s, vw);
      value = reduction === "weighted" ? total : f32(total / C);
      break;
    }
    case "micro-imagewise": {
      const s = images.map((_, i) =>
        fill(score(imageSum("tp", i), imageSum("fp", i), imageSum("fn", i), imageSum("tn", i)))
      );
      value = f32(torchSum32(s, vw) / N);
      break;
    }
    case "macro-imagewise":
    case "weighted-imagewise": {
      const table = new Float32Array(N * C);
      images.forEach((im, i) => {
        for (let k = 0; k < C; k++) {
          table[i * C + k] = fill(score(im.tp[k], im.fp[k], im.fn[k], im.tn[k]));
        }
      });
      const sums = C === 1 ? [torchSum32(table, vw)] : torchColumnSums32(table, N, C, vw);
      value = f32(torchSum32(weigh(sums.map((s) => f32(s / N))), vw) / C);
      break;
    }
    case "none":
      value = images.map((im) =>
        Array.from({ length: C }, (_, k) => fill(score(im.tp[k], im.fp[k], im.fn[k], im.tn[k])))
      );
      break;
    default:
      throw new RangeError(
        "`reduction` should be in [micro, macro, weighted, micro-imagewise, macro-imagesize, " +
          `weighted-imagewise, none, None], but found ${reduction}`,
      );
  }
  return { value, warned };
}

/**
 * smp's metric `name` (`iou_score`, `f1_score`, `fbeta_score`, `accuracy`, `precision`,
 * `recall`, `specificity`, `balanced_accuracy`, the rates and likelihood ratios) on the
 * per-image, per-class counts of `get_stats`, float32 as smp computes it:
 *
 * - `micro`: the metric of TP, FP, FN, TN summed over images and classes (0/0 stays NaN);
 * - `macro` / `weighted`: the metric per class of the counts summed over images, 0/0 →
 *   `zero_division`, times the normalised `class_weights` (if any), then the mean over classes
 *   (`macro`, so weights are divided by C once more) or the sum (`weighted`);
 * - `micro-imagewise`: per image the metric of its counts summed over classes, mean over images;
 * - `macro-imagewise` / `weighted-imagewise`: per (image, class), mean over images, times the
 *   weights, mean over classes;
 * - `none`: the (image, class) table, 0/0 → `zero_division`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { smpMetric, SegmentationStats } from "../../mod.ts";
 *
 * const stats = new SegmentationStats(2).addImage([0, 0, 1, 1], [0, 1, 1, 1]);
 * // class 0: tp 1, fn 1, tn 2; class 1: tp 2, fp 1, tn 1
 * assert.deepEqual(smpMetric(stats, "specificity"), [[1, 0.5]]);
 * assert.equal(smpMetric(stats, "balanced_accuracy", { reduction: "macro" }), 0.75);
 * assert.equal(smpMetric(stats, "f1_score", { reduction: "micro" }), 0.75);
 * ```
 *
 * @param stats Per-image, per-class counts (a `SegmentationStats` is read one-vs-rest).
 * @param name The metric.
 * @param options reduction, class_weights, zero_division, beta.
 * @returns The float32 value, or the (image, class) table for `none`.
 */
export function smpMetric(
  stats: MultilabelStats | SegmentationStats,
  name: SmpMetricName,
  options: SmpMetricOptions = {},
): number | number[][] {
  return smpMetricDetailed(stats, name, options).value;
}

/** Options of {@linkcode smpGetStats}. */
export interface SmpGetStatsOptions {
  /** `mode`. */
  mode: "binary" | "multilabel" | "multiclass";
  /** `num_classes` (multiclass; the channels otherwise). */
  numClasses: number;
  /** `ignore_index` (multiclass only): must lie outside [0, numClasses). */
  ignoreIndex?: number;
  /** `threshold` (binary/multilabel): output and target become `value >= threshold`. */
  threshold?: number;
  /**
   * Multiclass only: emulate smp's float32 `torch.histc` counts run on this many threads
   * (`torch.get_num_threads()`), where a bin stops at 2^24 per thread chunk, and the float32
   * subtractions that follow. Without it the counts are exact (the same below 2^24 pixels of one
   * class in one image).
   */
  histcThreads?: number;
}

/**
 * smp `get_stats(output, target, mode, ...)` of one image, added to `stats`: `multiclass` takes
 * index maps (`ignore_index` pixels leave every count, TN included; an output or target value
 * outside [0, numClasses) is in no histogram bin, so such a prediction is a FN of its true
 * class and a TN of the others); `binary` / `multilabel` take channel-first masks
 * (`numClasses * pixels` values), binarised with `>= threshold` when one is given. Counts are
 * exact (smp's float32 `torch.histc` is exact below 2^24 pixels per class and image).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultilabelStats, smpGetStats } from "../../mod.ts";
 *
 * const stats = new MultilabelStats(3);
 * smpGetStats(stats, [0, 1, 1, 255, 2], [0, 1, 7, 0, 1], { mode: "multiclass", numClasses: 3, ignoreIndex: 255 });
 * assert.deepEqual(stats.image(0), { tp: [1, 1, 0], fp: [0, 1, 0], fn: [0, 1, 1], tn: [3, 1, 3] });
 * ```
 *
 * @param stats The state the image is added to (`numClasses` channels).
 * @param target `target` of one image.
 * @param output `output` of one image.
 * @param options mode, num_classes, ignore_index, threshold.
 * @returns `stats`.
 */
export function smpGetStats(
  stats: MultilabelStats,
  target: ArrayLike<number>,
  output: ArrayLike<number>,
  options: SmpGetStatsOptions,
): MultilabelStats {
  const C = options.numClasses;
  if (C !== stats.numClasses) {
    throw new RangeError(`Expected numClasses ${stats.numClasses}, but found ${C}`);
  }
  if (target.length !== output.length) {
    throw new RangeError(
      `Dimensions should match, but output has ${output.length} values and target ${target.length}`,
    );
  }
  const tp = new Array<number>(C).fill(0);
  const fp = new Array<number>(C).fill(0);
  const fn = new Array<number>(C).fill(0);
  const tn = new Array<number>(C).fill(0);
  if (options.mode === "multiclass") {
    if (options.threshold !== undefined) {
      throw new RangeError("``threshold`` parameter does not supported for this 'multiclass' mode");
    }
    const ig = options.ignoreIndex;
    if (ig !== undefined && ig >= 0 && ig <= C - 1) {
      throw new RangeError(
        `\`\`ignore_index\`\` should be outside the class values range, but got class values in range 0..${
          C - 1
        } and \`\`ignore_index=${ig}\`\``,
      );
    }
    const inRange = (v: number) => v >= 0 && v <= C - 1;
    let counted = 0;
    for (let p = 0; p < target.length; p++) {
      const t = target[p], o = output[p];
      if (!Number.isSafeInteger(t) || !Number.isSafeInteger(o)) {
        throw new RangeError(
          `Expected integer labels (multiclass target and output are LongTensors), but found ${t} and ${o} at ${p}`,
        );
      }
      if (ig !== undefined && t === ig) continue;
      counted++;
      if (inRange(t)) fn[t]++;
      if (inRange(o)) fp[o]++;
      if (o === t && inRange(t)) {
        tp[t]++;
        fn[t]--;
        fp[t]--;
      }
    }
    for (let k = 0; k < C; k++) tn[k] = counted - tp[k] - fp[k] - fn[k];
    if (options.histcThreads !== undefined) {
      histcCounts(target, output, C, ig, options.histcThreads, { tp, fp, fn, tn });
    }
  } else {
    if (options.ignoreIndex !== undefined) {
      throw new RangeError(
        `\`\`ignore_index\`\` parameter is not supported for '${options.mode}' mode`,
      );
    }
    if (target.length % C !== 0) {
      throw new RangeError(
        `Expected ${C} channels of equal length, but found ${target.length} values`,
      );
    }
    const P = target.length / C;
    const th = options.threshold;
    const bin = (v: number) => th === undefined ? v : v >= th ? 1 : 0;
    for (let k = 0; k < C; k++) {
      let t = 0, o = 0, both = 0;
      for (let p = k * P; p < (k + 1) * P; p++) {
        const a = bin(target[p]), b = bin(output[p]);
        both += a * b;
        t += a;
        o += b;
      }
      tp[k] = both;
      fp[k] = o - both;
      fn[k] = t - both;
      tn[k] = P - tp[k] - fp[k] - fn[k];
    }
  }
  return stats.addImageCounts({ tp, fp, fn, tn });
}

/**
 * `_get_stats_multiclass` of one image as smp computes it: three float32 `torch.histc` over
 * [0, C - 1] with C bins (ignored pixels set to -1 fall outside), float32 differences, `.long()`.
 */
function histcCounts(
  target: ArrayLike<number>,
  output: ArrayLike<number>,
  C: number,
  ignoreIndex: number | undefined,
  threads: number,
  out: { tp: number[]; fp: number[]; fn: number[]; tn: number[] },
): void {
  const n = target.length;
  const t = new Int32Array(n), o = new Int32Array(n), m = new Int32Array(n);
  let ignored = 0;
  for (let p = 0; p < n; p++) {
    const ig = ignoreIndex !== undefined && target[p] === ignoreIndex;
    if (ig) ignored++;
    // values outside int32 would also fall outside [0, C - 1]: clamp them to -1
    const tv = ig ? -1 : Math.abs(target[p]) < 2 ** 31 ? target[p] : -1;
    const ov = ig ? -1 : Math.abs(output[p]) < 2 ** 31 ? output[p] : -1;
    t[p] = tv;
    o[p] = ov;
    m[p] = ov === tv ? tv : -1;
  }
  const opts = { threads };
  const tp = torchHistc32(m, C, 0, C - 1, opts);
  const fp = torchHistc32(o, C, 0, C - 1, opts).map((v, k) => f32(v - tp[k]));
  const fn = torchHistc32(t, C, 0, C - 1, opts).map((v, k) => f32(v - tp[k]));
  for (let k = 0; k < C; k++) {
    let tn = f32(f32(f32(f32(n) - tp[k]) - fp[k]) - fn[k]);
    if (ignoreIndex !== undefined) tn = f32(tn - f32(ignored));
    out.tp[k] = Math.trunc(tp[k]);
    out.fp[k] = Math.trunc(fp[k]);
    out.fn[k] = Math.trunc(fn[k]);
    out.tn[k] = Math.trunc(tn);
  }
}
