/**
 * float32 steps shared by the torchmetrics profiles (`torchmetrics.ts`,
 * `torchmetrics_multilabel.ts`): `_safe_divide`, the zero-division value, and the checks on the
 * state they read. Internal: not re-exported by `mod.ts`.
 *
 * @module
 */

import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import { type TorchCpuCapability, torchVectorWidth } from "../float32/reduction_order.ts";

/** float32 rounding, as torch's float32 tensors store every step. */
export const f32: (x: number) => number = Math.fround;

/** torchmetrics `zero_division`: a number, `"warn"` (acts as 0) or `"nan"` (plain division). */
export type TorchmetricsZeroDivision = number | "warn" | "nan";

export function zeroValue(zd: TorchmetricsZeroDivision): number {
  if (zd === "warn") return 0;
  if (zd === "nan") return NaN;
  if (typeof zd !== "number" || Number.isNaN(zd)) {
    throw new RangeError(`Expected zeroDivision to be a number, "warn" or "nan", but found ${zd}`);
  }
  return f32(zd);
}

/** torchmetrics `_safe_divide` in float32. */
export function safeDivide(num: number, den: number, zd: TorchmetricsZeroDivision): number {
  if (zd === "nan") return f32(num / den);
  return den !== 0 ? f32(num / den) : zeroValue(zd);
}

export function defaultIgnore(
  cm: ConfusionMatrix,
  option: number | null | undefined,
): number | null {
  if (option !== undefined) return option;
  if (cm.ignoreIndex.length > 1) {
    throw new RangeError(
      `Expected at most one ignore label (torchmetrics has one ignore_index), but the matrix has ${
        cm.ignoreIndex.join(", ")
      }`,
    );
  }
  return cm.ignoreIndex.length === 1 ? cm.ignoreIndex[0] : null;
}

export function checkNoMissed(cm: ConfusionMatrix, what: string): void {
  if (cm.missed().some((v) => v > 0)) {
    throw new RangeError(
      `Expected no out-of-range predictions in the state for ${what}, but found some (outOfRange ` +
        `"miss"): torchmetrics does not count them as FN; build the matrix from the raw labels ` +
        `with torchmetricsConfusionMatrix to reproduce what it does`,
    );
  }
}

/** float32 lanes of torch's CPU sums: `vectorWidth` if given, else from `cpuCapability`. */
export function torchLanes(
  options: { vectorWidth?: number; cpuCapability?: TorchCpuCapability },
): number {
  return options.vectorWidth ?? torchVectorWidth(options.cpuCapability ?? "avx2");
}

/**
 * Images per `update()` call: one call with every image by default, a batch size (the last
 * call takes the rest), or the sizes themselves (checked to add up to the images).
 */
export function updateBatchSizes(
  numImages: number,
  batches?: readonly number[] | number,
): number[] {
  if (batches === undefined) return numImages > 0 ? [numImages] : [];
  if (typeof batches === "number") {
    if (!Number.isInteger(batches) || batches < 1) {
      throw new RangeError(`Expected batches to be an integer >= 1, but found ${batches}`);
    }
    const out: number[] = [];
    for (let k = 0; k < numImages; k += batches) out.push(Math.min(batches, numImages - k));
    return out;
  }
  let sum = 0;
  for (const b of batches) {
    if (!Number.isInteger(b) || b < 1) {
      throw new RangeError(`Expected every batch size to be an integer >= 1, but found ${b}`);
    }
    sum += b;
  }
  if (sum !== numImages) {
    throw new RangeError(
      `Expected batch sizes to add up to the ${numImages} images, but they add up to ${sum}`,
    );
  }
  return [...batches];
}
