/**
 * Why the Keras number differs from the exact one: the gap between an emulated Keras `result()`
 * and the exact dataset mean IoU of the same data, split into parts that add up to it.
 *
 * @module
 */

import type { IoU } from "./iou_metrics.ts";

/** How the exact reference treats a target class absent from both y_true and y_pred. */
export type ExactAbsentRule = "exclude" | "zero" | "one";

/** Options of {@link explain}. */
export interface ExplainOptions {
  /**
   * The reference's rule for classes with an empty denominator: left out of the mean
   * (`"exclude"`, the default and what Keras does), counted as 0, or counted as 1.
   */
  absent?: ExactAbsentRule;
}

/** The gap between Keras and the exact value, in parts (each `after - before`). */
export interface KerasGapParts {
  /**
   * What the state did to the counts: float32 saturation at 2^24 and rounding (worse when
   * compiled), int32 wrap, float weights truncated to int, negative ids wrapped into the last
   * class. Keras's own formula (no epsilon, float64) on Keras's matrix minus on the exact matrix.
   */
  counting: number;
  /**
   * The absent-class rule: Keras's rule on the exact matrix (float64, no epsilon) minus the
   * reference's `absent` rule. Zero with `absent: "exclude"` and non-negative counts.
   */
  absentClasses: number;
  /** Keras 3's `epsilon()` in the denominators (tf.keras 2 has none): with minus without. */
  epsilon: number;
  /** The float32 arithmetic of `result()` itself: the value Keras returns minus its float64 formula. */
  float32Result: number;
}

/** What {@link explain} returns. */
export interface KerasExplanation {
  /** The value the emulated Keras returns. */
  keras: number;
  /** The exact dataset mean IoU (float64, exact counts, `absent` rule, no epsilon). */
  exact: number;
  /** `keras - exact`. */
  gap: number;
  /** The parts; they add up to `gap` (up to float64 rounding). */
  parts: KerasGapParts;
  /** The confusion matrix Keras holds. */
  kerasCm: number[][];
  /** The exact confusion matrix. */
  exactCm: number[][];
  /** Target classes with an empty exact denominator (absent from y_true and y_pred). */
  absentClasses: number[];
  /** Cells where Keras's matrix differs from the exact one: [true, pred, keras, exact]. */
  cellErrors: Array<[number, number, number, number]>;
  /** A plain-language summary, one finding per line. */
  lines: string[];
}

interface Stats {
  tp: number[];
  den: number[];
}

function stats(cm: number[][], ids: readonly number[]): Stats {
  const C = cm.length;
  const tp: number[] = [];
  const den: number[] = [];
  for (const c of ids) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < C; j++) row += cm[c][j];
    for (let i = 0; i < C; i++) col += cm[i][c];
    tp.push(cm[c][c]);
    den.push(row + col - cm[c][c]);
  }
  return { tp, den };
}

/** Keras's mean-IoU formula in float64, with or without epsilon. */
function kerasFormula(s: Stats, keras3: boolean, zeroInvalid: boolean, eps: boolean): number {
  const e = eps && keras3 ? 1e-7 : 0;
  let nv = 0;
  let sum = 0;
  for (let k = 0; k < s.tp.length; k++) {
    const valid = keras3 ? s.den[k] > 1e-9 : s.den[k] !== 0;
    if (valid) nv++;
    const d = s.den[k] + e;
    const iou = d === 0 ? 0 : s.tp[k] / d;
    if (valid || (keras3 && !zeroInvalid)) sum += iou;
  }
  const d = nv + e;
  return d === 0 ? 0 : sum / d;
}

function exactMean(s: Stats, absent: ExactAbsentRule): number {
  let n = 0;
  let sum = 0;
  for (let k = 0; k < s.tp.length; k++) {
    if (s.den[k] === 0) {
      if (absent === "exclude") continue;
      n++;
      sum += absent === "one" ? 1 : 0;
    } else {
      n++;
      sum += s.tp[k] / s.den[k];
    }
  }
  return n === 0 ? 0 : sum / n;
}

/**
 * Splits the gap between what the emulated Keras metric returns and the exact dataset mean IoU of
 * the same data. The metric must have been built with `trackExact: true` (it then keeps the exact
 * matrix next to Keras's).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MeanIoU } from "./iou_metrics.ts";
 * import { explain } from "./explain.ts";
 * // keras-team/keras#20574: one batch with 17,001,234 pixels of class 0 predicted right
 * const n = 17001234 + 1150;
 * const yTrue = new Uint8Array(n);
 * const yPred = new Uint8Array(n);
 * yPred.fill(1, 17001234, 17001334); // 100 of class 0 predicted as 1
 * yTrue.fill(1, 17001334);           // then 50 (1 -> 0) and 1000 (1 -> 1)
 * yPred.fill(1, 17001384);
 * const m = new MeanIoU({ numClasses: 2, version: "3.7.0", trackExact: true });
 * m.updateState(yTrue, yPred);
 * const x = explain(m);
 * assert.equal(x.kerasCm[0][0], 16777216);
 * assert.equal(x.exactCm[0][0], 17001234);
 * assert.ok(x.parts.counting < 0);
 * const sum = x.parts.counting + x.parts.absentClasses + x.parts.epsilon + x.parts.float32Result;
 * assert.ok(Math.abs(sum - x.gap) < 1e-15);
 * ```
 */
export function explain(metric: IoU, options: ExplainOptions = {}): KerasExplanation {
  const exactCm = metric.exactCm;
  if (exactCm === null) {
    throw new RangeError(
      "Expected a metric built with trackExact: true (it keeps the exact matrix for explain), " +
        "but found one without",
    );
  }
  const absent = options.absent ?? "exclude";
  if (!["exclude", "zero", "one"].includes(absent)) {
    throw new RangeError(
      `Expected absent to be "exclude", "zero" or "one", but found ${JSON.stringify(absent)}`,
    );
  }
  const ids = metric.targetClassIds;
  const kerasCm = metric.totalCm;
  const p = metric.profile;
  const keras3 = p.generation !== "tf.keras";
  const zero = p.zeroesInvalidIoU;
  const ks = stats(kerasCm, ids);
  const es = stats(exactCm, ids);
  const keras = metric.result();
  const exact = exactMean(es, absent);
  const rawExact = kerasFormula(es, keras3, zero, false);
  const rawKeras = kerasFormula(ks, keras3, zero, false);
  const epsKeras = kerasFormula(ks, keras3, zero, true);
  const parts: KerasGapParts = {
    counting: rawKeras - rawExact,
    absentClasses: rawExact - exact,
    epsilon: epsKeras - rawKeras,
    float32Result: keras - epsKeras,
  };
  const absentClasses = ids.filter((_, k) => es.den[k] === 0);
  const cellErrors: Array<[number, number, number, number]> = [];
  for (let i = 0; i < kerasCm.length; i++) {
    for (let j = 0; j < kerasCm.length; j++) {
      if (kerasCm[i][j] !== exactCm[i][j]) cellErrors.push([i, j, kerasCm[i][j], exactCm[i][j]]);
    }
  }
  const lines: string[] = [];
  const lib = keras3 ? "Keras" : "tf.keras";
  const mode = metric.compiled ? "compiled (XLA)" : "eager";
  lines.push(
    `${lib} ${p.version} on ${metric.backend}, ${mode}, state ${metric.stateDtype}: ` +
      `${keras} against the exact ${exact} (gap ${keras - exact}).`,
  );
  if (cellErrors.length > 0) {
    const worst = cellErrors.reduce((
      a,
      b,
    ) => (Math.abs(b[2] - b[3]) > Math.abs(a[2] - a[3]) ? b : a));
    lines.push(
      `Counting: ${cellErrors.length} cell(s) differ from the exact counts; the worst is ` +
        `[${worst[0]}][${worst[1]}] = ${worst[2]} against ${worst[3]}; effect on the mean ` +
        `${parts.counting}.`,
    );
  } else lines.push("Counting: the matrix Keras holds is exact.");
  if (metric.exactWeighted && p.generation !== "tf.keras" && p.generation !== "float32-state") {
    if (metric.stateDtype.startsWith("int")) {
      lines.push("Weights: Keras 3.8+ truncates non-integer weights to integers (0.5 -> 0).");
    }
  }
  lines.push(
    `Epsilon: ${
      keras3 ? `1e-7 in every denominator moves the mean by ${parts.epsilon}` : "none in tf.keras"
    }.`,
  );
  if (absentClasses.length > 0) {
    lines.push(
      `Absent classes ${absentClasses.join(", ")}: Keras leaves them out of the mean; the ` +
        `reference ${
          absent === "exclude" ? "does too" : `counts them as ${absent === "one" ? 1 : 0}`
        }` +
        ` (effect ${parts.absentClasses}).`,
    );
  }
  lines.push(`Float32 arithmetic in result(): ${parts.float32Result}.`);
  return {
    keras,
    exact,
    gap: keras - exact,
    parts,
    kerasCm,
    exactCm,
    absentClasses,
    cellErrors,
    lines,
  };
}
