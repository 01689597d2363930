/**
 * The step-by-step path between two definitions of mean IoU: change one option at a time and
 * report the value after each change, so a gap between two numbers is split into its causes
 * (absent classes, empty ground truth, epsilon, averaging level, batch size).
 *
 * @module
 */

import { meanClassAccuracy, pixelAccuracy } from "./accuracy.ts";
import type { Average, AveragingOptions } from "./averaging.ts";
import { meanDice } from "./dice.ts";
import { meanIoU } from "./mean_iou.ts";
import { SegmentationStats } from "../core/segmentation_stats.ts";
import type { ConfusionMatrix } from "../core/confusion_matrix.ts";

/** The score a definition averages. */
export type Score = "iou" | "dice" | "pixel-accuracy" | "mean-class-accuracy";

/** A definition: a score and the averaging options. */
export interface Definition {
  /** The name it was parsed from. */
  name: string;
  /** The score. */
  score: Score;
  /** Options of `meanIoU` / `meanDice` (empty for the accuracies). */
  options: AveragingOptions;
}

/** One step of an explanation. */
export interface ExplainStep {
  /** The option that changes (`absent`, `emptyGroundTruth`, `epsilon`, `smooth`, `average`, `score`). */
  option: string;
  /** Its value before the step, as text. */
  from: string;
  /** Its value after the step, as text. */
  to: string;
  /** The definition's value after the step. */
  value: number;
  /** value after minus value before. */
  delta: number;
  /** What the change does, in one sentence. */
  why: string;
}

/** The result of {@linkcode explain}. */
export interface Explanation {
  /** Start definition and its value. */
  from: { name: string; value: number };
  /** End definition and its value. */
  to: { name: string; value: number };
  /** The steps, in order; the last step's value is `to.value`. */
  steps: ExplainStep[];
}

const BASES: Record<string, Average> = {
  "dataset": "dataset",
  "micro": "micro",
  "weighted": "weighted",
  "pair-mean": "pair-mean",
  "image-first": "image-first",
  "image-micro": "image-micro",
  "class-first": "class-first",
};

/**
 * Names accepted by {@linkcode parseDefinition}, for help texts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFINITION_GRAMMAR, parseDefinition } from "./explain.ts";
 *
 * // Every base the grammar lists parses, and an unknown name's error quotes the grammar.
 * const bases = DEFINITION_GRAMMAR.split(",")[0].split(" | ").map((b) => b.replace("<B>", "4"));
 * assert.equal(bases.length, 8);
 * for (const base of bases) assert.equal(parseDefinition(base).name, base);
 * assert.throws(() => parseDefinition("median"), { message: new RegExp(DEFINITION_GRAMMAR.replaceAll("|", "\\|").slice(0, 40)) });
 * ```
 */
export const DEFINITION_GRAMMAR: string =
  "dataset | micro | weighted | pair-mean | image-first | image-micro | class-first | " +
  "per-batch-<B>, each optionally followed by -absent-zero | -absent-one | -absent-nan, " +
  "-skip-empty-gt, -epsilon-<x>, -smooth-<x>; or dice | pixel-accuracy | mean-class-accuracy";

/**
 * Parses a definition name as `compare` prints it (e.g. `"dataset-absent-zero"`,
 * `"image-first-skip-empty-gt"`, `"per-batch-8"`), see {@linkcode DEFINITION_GRAMMAR}.
 *
 * @param name the definition's name
 * @returns the definition
 * @throws {RangeError} for an unknown name
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDefinition } from "./explain.ts";
 * assert.deepEqual(parseDefinition("per-batch-8-absent-one").options, {
 *   average: "per-batch", batchSize: 8, absent: "one",
 * });
 * ```
 */
export function parseDefinition(name: string): Definition {
  if (name === "dice") return { name, score: "dice", options: {} };
  if (name === "pixel-accuracy" || name === "mean-class-accuracy") {
    return { name, score: name, options: {} };
  }
  let rest = name;
  const options: AveragingOptions = {};
  const batch = /^per-batch-([0-9]+)/.exec(rest);
  if (batch) {
    options.average = "per-batch";
    options.batchSize = Number(batch[1]);
    rest = rest.slice(batch[0].length);
  } else {
    const base = Object.keys(BASES).sort((a, b) => b.length - a.length).find((b) =>
      rest === b || rest.startsWith(b + "-")
    );
    if (base === undefined) {
      throw new RangeError(
        `Expected a definition name (${DEFINITION_GRAMMAR}), but found '${name}'`,
      );
    }
    if (base !== "dataset") options.average = BASES[base];
    rest = rest.slice(base.length);
  }
  while (rest.length > 0) {
    const m =
      /^-(absent-(zero|one|nan)|skip-empty-gt|epsilon-([0-9.e+-]+?)|smooth-([0-9.e+-]+?))(?=$|-[a-z])/
        .exec(rest);
    if (!m) {
      throw new RangeError(
        `Expected a definition name (${DEFINITION_GRAMMAR}), but found '${name}' (at '${rest}')`,
      );
    }
    if (m[2]) options.absent = m[2] as "zero" | "one" | "nan";
    else if (m[1] === "skip-empty-gt") options.emptyGroundTruth = "skip";
    else if (m[3] !== undefined) options.epsilon = Number(m[3]);
    else options.smooth = Number(m[4]);
    if (Number.isNaN(options.epsilon) || Number.isNaN(options.smooth)) {
      throw new RangeError(`Expected a number in '${name}'`);
    }
    rest = rest.slice(m[0].length);
  }
  return { name, score: "iou", options };
}

function evaluate(stats: SegmentationStats | ConfusionMatrix, d: Definition): number {
  switch (d.score) {
    case "iou":
      return meanIoU(stats, d.options);
    case "dice":
      return meanDice(stats, d.options);
    case "pixel-accuracy":
      return pixelAccuracy(stats);
    case "mean-class-accuracy":
      return meanClassAccuracy(stats);
  }
}

const LEVEL: Record<Average, string> = {
  "dataset": "per-class IoU from the dataset confusion matrix, mean over classes",
  "micro": "all classes pooled into one IoU, so frequent classes dominate",
  "weighted": "per-class IoU weighted by true-pixel support, so frequent classes dominate",
  "image-first": "each image's mIoU, then the mean over images: every image weighs the same",
  "image-micro": "each image's pooled IoU, then the mean over images",
  "class-first": "each class's IoU averaged over images, then over classes",
  "pair-mean": "every valid (image, class) pair weighs the same",
  "per-batch": "a dataset mIoU per batch, then the mean over batches (depends on batch size)",
};

function describe(option: string, o: AveragingOptions): string {
  switch (option) {
    case "absent":
      return o.absent ?? "exclude";
    case "emptyGroundTruth":
      return o.emptyGroundTruth ?? "count";
    case "epsilon":
      return String(o.epsilon ?? 0);
    case "smooth":
      return String(o.smooth ?? 0);
    default: {
      const a = o.average ?? "dataset";
      if (a !== "per-batch") return a;
      const b = o.batchSize;
      return `per-batch (batch size ${Array.isArray(b) ? `[${b.join(", ")}]` : b})`;
    }
  }
}

function why(option: string, before: AveragingOptions, after: AveragingOptions): string {
  switch (option) {
    case "absent":
      return `classes with TP + FP + FN = 0 at this level are ${
        { exclude: "left out of the mean", zero: "counted as 0", one: "counted as 1", nan: "NaN" }[
          after.absent ?? "exclude"
        ]
      } instead of ${
        { exclude: "left out", zero: "counted as 0", one: "counted as 1", nan: "NaN" }[
          before.absent ?? "exclude"
        ]
      }`;
    case "emptyGroundTruth":
      return after.emptyGroundTruth === "skip"
        ? "classes with no true pixel at this level are left out even when predicted (they scored 0)"
        : "classes with no true pixel but with predictions now count, with IoU 0";
    case "epsilon":
      return `epsilon ${after.epsilon ?? 0} in every denominator: IoU = I / (U + epsilon)`;
    case "smooth":
      return `smoothing ${after.smooth ?? 0}: IoU = (I + s) / (U + s)`;
    default:
      return LEVEL[after.average ?? "dataset"];
  }
}

/**
 * Walks from definition `from` to definition `to`, changing one option at a time (absent,
 * emptyGroundTruth, epsilon, smooth, then the averaging level and batch size, then the score),
 * and reports the value after each change. Steps that change nothing are left out.
 *
 * @param stats the exact state (per-image definitions need `SegmentationStats`)
 * @param from a definition name (see {@linkcode parseDefinition})
 * @param to a definition name
 * @returns both values and the steps between them
 * @throws {RangeError} for an unknown name, or a per-image definition on a bare matrix
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explain } from "./explain.ts";
 * import { SegmentationStats } from "../core/segmentation_stats.ts";
 * const stats = new SegmentationStats(3).addImage([0, 0, 1, 1], [0, 0, 1, 0]);
 * const e = explain(stats, "dataset", "dataset-absent-zero");
 * // class 2 never occurs: counted as 0 it divides the sum by 3 instead of 2
 * assert.equal(e.steps.length, 1);
 * assert.equal(e.steps[0].option, "absent");
 * assert.equal(e.to.value, (2 / 3 + 1 / 2) / 3);
 * ```
 */
export function explain(
  stats: SegmentationStats | ConfusionMatrix,
  from: string,
  to: string,
): Explanation {
  const a = parseDefinition(from);
  const b = parseDefinition(to);
  for (const d of [a, b]) {
    const avg = d.options.average ?? "dataset";
    if (!(stats instanceof SegmentationStats) && !["dataset", "micro", "weighted"].includes(avg)) {
      throw new RangeError(
        `Expected per-image counts for '${d.name}', but only a confusion matrix was given`,
      );
    }
  }
  const start = evaluate(stats, a);
  const steps: ExplainStep[] = [];
  let current: Definition = { ...a, options: { ...a.options } };
  let value = start;
  const step = (option: string, next: Definition, text?: string) => {
    const v = evaluate(stats, next);
    steps.push({
      option,
      from: option === "score" ? current.score : describe(option, current.options),
      to: option === "score" ? next.score : describe(option, next.options),
      value: v,
      delta: v - value,
      why: text ?? why(option, current.options, next.options),
    });
    current = next;
    value = v;
  };
  const scoreBased = (d: Definition) => d.score === "iou" || d.score === "dice";
  if (scoreBased(a) && scoreBased(b)) {
    for (const option of ["absent", "emptyGroundTruth", "epsilon", "smooth"] as const) {
      if (describe(option, current.options) !== describe(option, b.options)) {
        const options = { ...current.options };
        if (b.options[option] === undefined) delete options[option];
        else (options as Record<string, unknown>)[option] = b.options[option];
        step(option, { ...current, options });
      }
    }
    if (describe("average", current.options) !== describe("average", b.options)) {
      const options = { ...current.options };
      delete options.average;
      delete options.batchSize;
      if (b.options.average !== undefined) options.average = b.options.average;
      if (b.options.batchSize !== undefined) options.batchSize = b.options.batchSize;
      step("average", { ...current, options });
    }
  }
  if (current.score !== b.score) {
    const text = b.score === "dice"
      ? "Dice per class = 2 IoU / (1 + IoU): always at least the IoU"
      : b.score === "pixel-accuracy"
      ? "pixel accuracy counts pixels, not overlaps: the dominant class decides"
      : b.score === "mean-class-accuracy"
      ? "mean class accuracy (recall) ignores false positives"
      : "IoU = TP / (TP + FP + FN) per class";
    step("score", { ...b, options: { ...b.options } }, text);
  }
  return { from: { name: a.name, value: start }, to: { name: b.name, value }, steps };
}
