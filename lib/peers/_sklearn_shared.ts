/**
 * What the scikit-learn profiles (`sklearn.ts`, `sklearn_multilabel.ts`) share: the error and
 * warning scikit-learn would raise, and `zero_division`. `SklearnError`, `SklearnWarning` and
 * `SklearnZeroDivision` are re-exported by `sklearn.ts`; the rest is internal.
 *
 * @module
 */

/**
 * An error scikit-learn would raise for the same call: `errorClass` is the Python exception
 * class and `message` its first line, worded as scikit-learn words it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { SklearnError, sklearnJaccardScore } from "./sklearn.ts";
 *
 * const empty = new ConfusionMatrix(3);
 * assert.throws(() => sklearnJaccardScore(empty, { average: "macro" }), SklearnError);
 * try {
 *   sklearnJaccardScore(empty, { average: "macro" });
 * } catch (e) {
 *   assert.deepEqual((e as SklearnError).toJSON(), {
 *     library: "scikit-learn",
 *     errorClass: "ValueError",
 *     message: "Found empty input array (e.g., `y_true` or `y_pred`) while a minimum of 1 " +
 *       "sample is required.",
 *   });
 * }
 * ```
 */
export class SklearnError extends Error {
  /** The library that raises: always `"scikit-learn"`. */
  readonly library = "scikit-learn";
  /** The Python exception class, e.g. `"ValueError"`. */
  readonly errorClass: "ValueError" | "InvalidParameterError";

  /**
   * An error as scikit-learn raises it.
   *
   * @param errorClass The Python exception class.
   * @param message scikit-learn's message (first line).
   */
  constructor(errorClass: "ValueError" | "InvalidParameterError", message: string) {
    super(message);
    this.name = "SklearnError";
    this.errorClass = errorClass;
  }

  /** The typed error result: `{ library, errorClass, message }`. */
  toJSON(): { library: "scikit-learn"; errorClass: string; message: string } {
    return { library: this.library, errorClass: this.errorClass, message: this.message };
  }
}

/**
 * A warning scikit-learn would issue for the same call: `category` is the Python warning class
 * and `message` its text, worded as scikit-learn words it.
 */
export interface SklearnWarning {
  /** The library that warns: always `"scikit-learn"`. */
  library: "scikit-learn";
  /** The Python warning class. */
  category: "UndefinedMetricWarning" | "UserWarning";
  /** scikit-learn's message. */
  message: string;
}

/** scikit-learn `zero_division` for `jaccard_score` (1.9 accepts 0, 1 and "warn" = 0). */
export type SklearnZeroDivision = 0 | 1 | "warn";

/** The value of a 0/0 score for `zero_division`, or scikit-learn's InvalidParameterError. */
export function zeroValue(zd: SklearnZeroDivision): number {
  if (zd === "warn" || zd === 0) return 0;
  if (zd === 1) return 1;
  const shown = typeof zd === "string" ? `'${zd}'` : String(zd);
  throw new SklearnError(
    "InvalidParameterError",
    "The 'zero_division' parameter of jaccard_score must be a float among {0, 1} or a str " +
      `among {'warn'}. Got ${shown} instead.`,
  );
}
