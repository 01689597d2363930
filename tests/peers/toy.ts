/**
 * The worked example of the peer survey (docs/libraries.md): three images, C = 5,
 * 255 = ignore; class 4 never occurs, class 3 is only predicted, class 2 is predicted-only in
 * image A. The survey's table gives each library's value (sklearn rows from the real library,
 * the others from an independent NumPy emulation of the documented semantics).
 */

import { SegmentationStats } from "../../mod.ts";

/** The three images (A, B, C), flat. */
export const TOY_IMAGES: readonly { true: number[]; pred: number[] }[] = [
  { true: [0, 0, 0, 0, 1, 1, 1, 255], pred: [0, 0, 0, 2, 1, 1, 0, 1] },
  { true: [0, 0, 2, 2, 2, 2, 0, 0, 0, 0], pred: [0, 0, 2, 2, 2, 0, 0, 3, 0, 0] },
  { true: [1, 1, 1, 1], pred: [1, 1, 1, 1] },
];

/** Worked example table (docs/libraries.md) (6 decimals). */
export const TOY_TABLE = {
  datasetMacroExcluded: 0.530952,
  datasetMacroAbsentZero: 0.424762,
  datasetMacroAbsentOne: 0.624762,
  detectron2Main: 0.707937,
  micro: 0.68,
  weighted: 0.71746,
  pairMean: 0.532993,
  imageFirst: 0.636772,
  monaiIgnoreEmpty: 0.788492,
  monaiKeepEmpty: 0.782063,
  smpMicroImagewise: 0.740741,
  sklearnUnmasked255: 0.403333,
} as const;

/** The toy as exact state, 255 ignored. */
export function toyStats(): SegmentationStats {
  const stats = new SegmentationStats(5, { ignoreIndex: 255 });
  for (const im of TOY_IMAGES) stats.addImage(im.true, im.pred);
  return stats;
}

/** |a - b| <= 5e-7 (the table has 6 decimals). */
export function near6(a: number, b: number): boolean {
  return Math.abs(a - b) <= 5e-7;
}
