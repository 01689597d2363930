/**
 * torchmetrics `JaccardIndex` before 1.0, from 0.7 to 0.10 (the legacy API, before the task
 * classes): `_jaccard_from_confmat` of `torchmetrics/functional/classification/jaccard.py` at the
 * tags v0.7.0 to v0.10.3, followed line by line. torchmetrics before 1.0 cannot be installed here:
 * these are checked on hand-worked cases, not on real runs.
 *
 * The state is the int64 confusion matrix (from 0.7). `compute()`: if `ignore_index` is a class,
 * its row is set to 0; intersection `diag` and union `row + col - diag` in int64 (exact); per-class
 * score `f32(inter) / f32(union)` in float32, and `absent_score` (default 0) where the union is 0;
 * the ignored class is then cut out of the scores. 0.7-0.8 reduce with `reduction`
 * (`"elementwise_mean"`: `torch.mean`, `"sum"`, `"none"`); 0.9-0.10 with `average` (`"macro"`:
 * `torch.mean`; `"micro"`: `f32(Σ diag) / f32(Σ union)`; `"weighted"`: `Σ f32(w_c * s_c)` with
 * `w_c = f32(row_c) / f32(Σ row)`; `"none"`). With `"weighted"` and an `ignore_index` inside the
 * class range the weights keep C entries and the scores C − 1: torch raises a size mismatch.
 *
 * @module
 */

import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import { torchSum32 } from "../float32/reduction_order.ts";
import { checkNoMissed, f32, torchLanes } from "./_torchmetrics_shared.ts";
import type { TorchCpuCapability } from "../float32/reduction_order.ts";

/** Options of {@linkcode torchmetricsLegacyJaccardIndex}. */
export interface TorchmetricsLegacyJaccardOptions {
  /**
   * 0.9-0.10 `average` (default `"macro"`), or the 0.7-0.8 `reduction` names:
   * `"elementwise_mean"` (= `"macro"`) and `"sum"`.
   */
  average?: "macro" | "micro" | "weighted" | "elementwise_mean" | "sum";
  /** `ignore_index` (default none): a class id removes that class's row and score. */
  ignoreIndex?: number | null;
  /** `absent_score` (default 0): the score of a class with union 0. */
  absentScore?: number;
  /** `torch.backends.cpu.get_cpu_capability()` (8 float32 lanes on x86). */
  cpuCapability?: TorchCpuCapability;
}

interface Legacy {
  scores: number[];
  inter: number[];
  union: number[];
  row: number[];
  igIn: boolean;
  ig: number;
}

function legacyScores(
  cm: ConfusionMatrix,
  options: Pick<TorchmetricsLegacyJaccardOptions, "ignoreIndex" | "absentScore">,
): Legacy {
  checkNoMissed(cm, "torchmetrics JaccardIndex before 1.0");
  if (cm.ignoreIndex.length > 0) {
    throw new RangeError(
      `Expected a matrix without ignore labels (before 1.0 the update counts every pixel and ` +
        `ignore_index acts in compute), but found ${cm.ignoreIndex.join(", ")}`,
    );
  }
  const C = cm.numClasses;
  const ig = options.ignoreIndex ?? null;
  const igIn = ig !== null && ig >= 0 && ig < C;
  const absent = f32(options.absentScore ?? 0);
  const counts = Array.from(cm.counts());
  if (igIn) { for (let p = 0; p < C; p++) counts[ig! * C + p] = 0; // confmat[ignore_index] = 0
   }
  const row = new Array<number>(C).fill(0);
  const col = new Array<number>(C).fill(0);
  for (let t = 0; t < C; t++) {
    for (let p = 0; p < C; p++) {
      row[t] += counts[t * C + p];
      col[p] += counts[t * C + p];
    }
  }
  const inter = Array.from({ length: C }, (_, i) => counts[i * C + i]);
  const union = inter.map((d, i) => col[i] + row[i] - d);
  const all = inter.map((d, i) => union[i] === 0 ? absent : f32(f32(d) / f32(union[i])));
  const scores = igIn ? all.filter((_, i) => i !== ig) : all;
  return { scores, inter, union, row, igIn, ig: ig ?? -1 };
}

/**
 * torchmetrics 0.7-0.10 `jaccard_index` / `JaccardIndex` (`task` unset): the float32 score from
 * the int64 confusion matrix, with `absent_score`, `ignore_index` and `average` (0.9-0.10) or
 * `reduction` (0.7-0.8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { torchmetricsLegacyJaccardIndex } from "./torchmetrics_legacy.ts";
 *
 * // Class 0: 2/3, class 1: 1/2, class 2 absent: absent_score 0 averages it in as 0.
 * const cm = new ConfusionMatrix(3).update([0, 0, 1, 1], [0, 0, 1, 0]);
 * const third = Math.fround(2 / 3);
 * assert.equal(torchmetricsLegacyJaccardIndex(cm), Math.fround(Math.fround(third + 0.5) / 3));
 * assert.equal(torchmetricsLegacyJaccardIndex(cm, { absentScore: 1 }), Math.fround(Math.fround(third + 1.5) / 3));
 * assert.equal(torchmetricsLegacyJaccardIndex(cm, { average: "micro" }), Math.fround(3 / 5));
 * ```
 *
 * @param cm Exact state, every pixel counted (no ignore labels).
 * @param options average / reduction, ignore_index, absent_score.
 * @returns The float32 result as a number.
 */
export function torchmetricsLegacyJaccardIndex(
  cm: ConfusionMatrix,
  options: TorchmetricsLegacyJaccardOptions = {},
): number {
  const average = options.average ?? "macro";
  if (!["macro", "micro", "weighted", "elementwise_mean", "sum"].includes(average)) {
    throw new RangeError(
      `Expected average to be "macro", "micro", "weighted", "elementwise_mean" or "sum", but found ${average}`,
    );
  }
  const vw = torchLanes(options);
  const { scores, inter, union, row, igIn } = legacyScores(cm, options);
  if (average === "macro" || average === "elementwise_mean") {
    return f32(torchSum32(scores, vw) / scores.length); // torch.mean: sum, then divide
  }
  if (average === "sum") return torchSum32(scores, vw);
  if (average === "micro") {
    return f32(f32(inter.reduce((a, b) => a + b, 0)) / f32(union.reduce((a, b) => a + b, 0)));
  }
  if (igIn) {
    throw new RangeError(
      `Expected no ignore_index inside the class range with average "weighted": torch raises ` +
        `"The size of tensor a (${row.length}) must match the size of tensor b (${scores.length})"`,
    );
  }
  const total = f32(row.reduce((a, b) => a + b, 0));
  const weights = row.map((r) => f32(f32(r) / total));
  return torchSum32(weights.map((w, i) => f32(w * scores[i])), vw);
}

/**
 * torchmetrics 0.7-0.10 `jaccard_index(..., average="none")` (0.7-0.8: `reduction="none"`):
 * per-class float32 scores, `absent_score` where the union is 0, the ignored class cut out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { torchmetricsLegacyJaccardPerClass } from "./torchmetrics_legacy.ts";
 *
 * const cm = new ConfusionMatrix(3).update([0, 0, 1, 1, 2], [0, 0, 1, 0, 1]);
 * assert.deepEqual(torchmetricsLegacyJaccardPerClass(cm), [Math.fround(2 / 3), Math.fround(1 / 3), 0]);
 * // ignore_index 2: row 2 zeroed (class 1 loses its false positive), class 2 cut out
 * assert.deepEqual(torchmetricsLegacyJaccardPerClass(cm, { ignoreIndex: 2 }), [Math.fround(2 / 3), 0.5]);
 * ```
 *
 * @param cm Exact state, every pixel counted.
 * @param options ignore_index, absent_score.
 * @returns One float32 score per class (the ignored class left out).
 */
export function torchmetricsLegacyJaccardPerClass(
  cm: ConfusionMatrix,
  options: Pick<TorchmetricsLegacyJaccardOptions, "ignoreIndex" | "absentScore"> = {},
): number[] {
  return legacyScores(cm, options).scores;
}
