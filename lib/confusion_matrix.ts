// TEMPORARY STUB of the core API (lib/confusion_matrix.ts is the lead's file on main).
// Removed before merging main; only here so the accel branch type-checks and tests run meanwhile.
import type { LabelArray } from "./labels.ts";

/** Out-of-range policy. */
export type OutOfRangePolicy = "error" | "drop" | "miss";
/** Counting options. */
export interface CountingOptions {
  /** Ignored true labels. */
  ignoreIndex?: number | readonly number[];
  /** Out-of-range policy. */
  outOfRange?: OutOfRangePolicy;
}
/** Per-class counts. */
export interface ClassCounts {
  /** tp */
  tp: Float64Array;
  /** fp */
  fp: Float64Array;
  /** fn */
  fn: Float64Array;
}

/** Stub confusion matrix. */
export class ConfusionMatrix {
  /** C */
  readonly numClasses: number;
  /** ignored */
  readonly ignoreIndex: readonly number[];
  /** policy */
  readonly outOfRange: OutOfRangePolicy;
  #cm: Float64Array;
  #missed: Float64Array;
  /** Make one. */
  constructor(numClasses: number, options: CountingOptions = {}) {
    if (!Number.isInteger(numClasses) || numClasses < 2) {
      throw new RangeError(`Expected numClasses to be an integer >= 2, but found ${numClasses}`);
    }
    this.numClasses = numClasses;
    const ig = options.ignoreIndex;
    this.ignoreIndex = ig === undefined ? [] : typeof ig === "number" ? [ig] : [...ig];
    this.outOfRange = options.outOfRange ?? "error";
    this.#cm = new Float64Array(numClasses * numClasses);
    this.#missed = new Float64Array(numClasses);
  }
  /** Count pairs. */
  update(yTrue: LabelArray, yPred: LabelArray): this {
    const C = this.numClasses;
    if (yTrue.length !== yPred.length) {
      throw new RangeError(
        `Expected yPred to have the length of yTrue (${yTrue.length}), but found ${yPred.length}`,
      );
    }
    const cm = new Float64Array(this.#cm);
    const missed = new Float64Array(this.#missed);
    for (let i = 0; i < yTrue.length; i++) {
      const t = yTrue[i], p = yPred[i];
      if (this.ignoreIndex.includes(t)) continue;
      const tOk = Number.isInteger(t) && t >= 0 && t < C;
      const pOk = Number.isInteger(p) && p >= 0 && p < C;
      if (tOk && pOk) cm[t * C + p]++;
      else if (this.outOfRange === "error") {
        throw new RangeError(
          `Expected labels in [0, ${C}), but found yTrue[${i}] = ${t}, yPred[${i}] = ${p}`,
        );
      } else if (this.outOfRange === "miss" && tOk) missed[t]++;
    }
    this.#cm = cm;
    this.#missed = missed;
    return this;
  }
  /** Add counts. */
  addCounts(counts: ArrayLike<number>, missed?: ArrayLike<number>): this {
    const C = this.numClasses;
    if (counts.length !== C * C) throw new RangeError("Expected counts of length C*C");
    for (let i = 0; i < counts.length; i++) {
      if (!Number.isInteger(counts[i]) || counts[i] < 0) throw new RangeError("bad count");
    }
    for (let i = 0; i < counts.length; i++) this.#cm[i] += counts[i];
    if (missed) { for (let i = 0; i < C; i++) this.#missed[i] += missed[i]; }
    return this;
  }
  /** Cell. */
  get(t: number, p: number): number {
    return this.#cm[t * this.numClasses + p];
  }
  /** Copy of counts. */
  counts(): Float64Array {
    return new Float64Array(this.#cm);
  }
  /** Rows. */
  toArray(): number[][] {
    const C = this.numClasses;
    return Array.from({ length: C }, (_, t) => [...this.#cm.subarray(t * C, t * C + C)]);
  }
  /** Copy of missed. */
  missed(): Float64Array {
    return new Float64Array(this.#missed);
  }
  /** Total. */
  get total(): number {
    let s = 0;
    for (const v of this.#cm) s += v;
    for (const v of this.#missed) s += v;
    return s;
  }
}
