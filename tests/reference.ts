/**
 * A slow, obviously correct reference for the tests: counts pixel by pixel with plain objects
 * and computes each definition straight from its textbook formula, sharing no code with lib/.
 */

export interface RefImage {
  yTrue: number[];
  yPred: number[];
}

export interface RefPolicy {
  numClasses: number;
  ignore: number[];
  outOfRange: "drop" | "miss";
}

/** Per-class tp, fp, fn of some images, as plain arrays. */
export function refCounts(images: RefImage[], policy: RefPolicy) {
  const C = policy.numClasses;
  const tp = new Array(C).fill(0), fp = new Array(C).fill(0), fn = new Array(C).fill(0);
  for (const { yTrue, yPred } of images) {
    for (let i = 0; i < yTrue.length; i++) {
      const t = yTrue[i], p = yPred[i];
      if (policy.ignore.includes(t)) continue;
      if (t < 0 || t >= C) continue; // tests only generate out-of-range labels with "drop"
      const pOk = p >= 0 && p < C;
      if (!pOk) {
        if (policy.outOfRange === "miss") fn[t] += 1;
        continue;
      }
      if (t === p) tp[t] += 1;
      else {
        fn[t] += 1;
        fp[p] += 1;
      }
    }
  }
  return { tp, fp, fn };
}

export type RefAbsent = "exclude" | "zero" | "one" | "nan";

/** IoU per class of summed counts; null = left out of the mean. */
export function refIoUs(
  c: { tp: number[]; fp: number[]; fn: number[] },
  absent: RefAbsent,
  skipEmpty: boolean,
): (number | null)[] {
  return c.tp.map((tp, k) => {
    const fp = c.fp[k], fn = c.fn[k];
    if (skipEmpty && tp + fn === 0) return null;
    if (tp + fp + fn === 0) {
      return absent === "exclude" ? null : absent === "zero" ? 0 : absent === "one" ? 1 : NaN;
    }
    return tp / (tp + fp + fn);
  });
}

export function refMean(values: (number | null)[]): number | null {
  const kept = values.filter((v): v is number => v !== null);
  return kept.length === 0 ? null : kept.reduce((a, b) => a + b, 0) / kept.length;
}
