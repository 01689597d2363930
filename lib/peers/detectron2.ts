/**
 * detectron2 profile: `SemSegEvaluator.evaluate()` (`detectron2/evaluation/sem_seg_evaluation.py`)
 * from the exact confusion matrix, for release v0.6 and for the current main branch.
 *
 * detectron2 keeps an exact int64 matrix (transposed: rows = prediction) with ignored ground
 * truth in an extra bin, and computes in float64 with NumPy (pairwise sums, emulated here).
 * The versions differ only in which classes enter mIoU: v0.6 divides the sum of IoU over classes
 * with ground truth by the number of classes with ground truth *or* predictions (so a class that
 * is only predicted counts as 0); main (commit f3c1bc19, 2022, in no release) averages over
 * classes with ground truth only. detectron2 cannot be installed here: this profile follows the
 * library's source and is tested on hand-worked examples (docs/libraries.md, worked example), not on real runs.
 *
 * @module
 */

import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import { numpySum } from "../float32/reduction_order.ts";

/** Options of the detectron2 profiles. */
export interface Detectron2Options {
  /** `"main"` (default, source builds since 2022) or `"0.6"` (the last release, pip). */
  version?: "main" | "0.6";
}

/** What `SemSegEvaluator.evaluate()` returns (percent, float64), plus the per-class lists. */
export interface Detectron2Result {
  /** Mean IoU, percent. */
  mIoU: number;
  /** Frequency-weighted IoU, percent. */
  fwIoU: number;
  /** Mean class accuracy over classes with ground truth, percent. */
  mACC: number;
  /** Pixel accuracy, percent. */
  pACC: number;
  /** Per-class IoU in percent (NaN where the class is not valid). */
  perClassIoU: number[];
  /** Per-class accuracy in percent (NaN for classes without ground truth). */
  perClassACC: number[];
}

interface Fractions {
  miou: number;
  fiou: number;
  macc: number;
  pacc: number;
  iou: number[];
  acc: number[];
}

function evaluate(cm: ConfusionMatrix, options: Detectron2Options): Fractions {
  const version = options.version ?? "main";
  if (version !== "main" && version !== "0.6") {
    throw new RangeError(`Expected version "main" or "0.6", but found ${version}`);
  }
  if (cm.missed().some((v) => v > 0)) {
    throw new RangeError(
      "Expected no out-of-range predictions (detectron2 predicts by argmax, always in range), " +
        "but the state has some",
    );
  }
  const C = cm.numClasses;
  const { tp, fp, fn } = cm.classCounts();
  const posGt = Array.from(tp, (t, c) => t + fn[c]);
  const posPred = Array.from(tp, (t, c) => t + fp[c]);
  const gtTotal = numpySum(posGt);
  const classWeights = posGt.map((g) => g / gtTotal);
  const acc = new Array<number>(C).fill(NaN);
  const iou = new Array<number>(C).fill(NaN);
  const accValid = posGt.map((g) => g > 0);
  const union = posGt.map((g, c) => g + posPred[c] - tp[c]);
  for (let c = 0; c < C; c++) if (accValid[c]) acc[c] = tp[c] / posGt[c];
  const pick = (values: number[], mask: boolean[]) => values.filter((_, c) => mask[c]);
  const count = (mask: boolean[]) => mask.filter(Boolean).length;
  let iouValid: boolean[];
  let denominator: number;
  if (version === "0.6") {
    iouValid = accValid;
    for (let c = 0; c < C; c++) if (accValid[c]) iou[c] = tp[c] / union[c];
    denominator = count(posGt.map((g, c) => g + posPred[c] > 0));
  } else {
    iouValid = accValid.map((v, c) => v && union[c] > 0);
    for (let c = 0; c < C; c++) if (iouValid[c]) iou[c] = tp[c] / union[c];
    denominator = count(iouValid);
  }
  const macc = numpySum(pick(acc, accValid)) / count(accValid);
  const miou = numpySum(pick(iou, iouValid)) / denominator;
  const fiou = numpySum(pick(iou.map((v, c) => v * classWeights[c]), iouValid));
  const pacc = numpySum(Array.from(tp)) / gtTotal;
  return { miou, fiou, macc, pacc, iou, acc };
}

/**
 * detectron2 mIoU as a fraction (the evaluator reports 100 times this).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { detectron2MeanIoU } from "./detectron2.ts";
 *
 * // Class 2 is only predicted: main leaves it out, v0.6 counts it as 0.
 * const cm = new ConfusionMatrix(3).update([0, 0, 1, 1], [0, 2, 1, 1]);
 * assert.equal(detectron2MeanIoU(cm), (1 / 2 + 1) / 2);
 * assert.equal(detectron2MeanIoU(cm, { version: "0.6" }), (1 / 2 + 1) / 3);
 * ```
 *
 * @param cm Exact state (ignored pixels left out).
 * @param options version.
 * @returns mIoU in [0, 1], float64.
 */
export function detectron2MeanIoU(cm: ConfusionMatrix, options: Detectron2Options = {}): number {
  return evaluate(cm, options).miou;
}

/**
 * Everything `SemSegEvaluator.evaluate()` returns, in percent like detectron2
 * (`100 * value`), without Boundary IoU.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { detectron2SemSeg } from "./detectron2.ts";
 *
 * const cm = new ConfusionMatrix(2).update([0, 0, 1, 1], [0, 1, 1, 1]);
 * const r = detectron2SemSeg(cm);
 * assert.equal(r.pACC, 75);
 * assert.equal(r.mACC, 100 * ((1 / 2 + 1) / 2));
 * assert.equal(r.fwIoU, 100 * (1 / 2 * 1 / 2 + 2 / 3 * 1 / 2));
 * ```
 *
 * @param cm Exact state.
 * @param options version.
 * @returns The metrics in percent.
 */
export function detectron2SemSeg(
  cm: ConfusionMatrix,
  options: Detectron2Options = {},
): Detectron2Result {
  const r = evaluate(cm, options);
  return {
    mIoU: 100 * r.miou,
    fwIoU: 100 * r.fiou,
    mACC: 100 * r.macc,
    pACC: 100 * r.pacc,
    perClassIoU: r.iou.map((v) => 100 * v),
    perClassACC: r.acc.map((v) => 100 * v),
  };
}
