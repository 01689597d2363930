/**
 * Float32 steps shared by the mmsegmentation profiles (`mmseg.ts`, `mmseg_metrics.ts`); not
 * part of the public API.
 *
 * @module
 */

import { numpySum } from "../float32/reduction_order.ts";

const f32 = Math.fround;

/** `np.nan_to_num(v, nan=n)` on a float32 array (no-op when `n` is null or undefined). */
export function applyNanToNum(values: number[], nanToNum: number | null | undefined): number[] {
  if (nanToNum === null || nanToNum === undefined) return values;
  return values.map((v) => Number.isNaN(v) ? f32(nanToNum) : v);
}

/** NumPy float32 `nanmean`. */
export function nanmean32(values: number[]): number {
  const kept = values.filter((v) => !Number.isNaN(v));
  if (kept.length === 0) return NaN;
  return f32(numpySum(values.map((v) => Number.isNaN(v) ? 0 : v), true) / kept.length);
}

/** `np.round(x * 100, 2)` on a float32 value. */
export function percent2(x: number): number {
  const y = f32(f32(x * 100) * 100);
  const r = Math.round(y);
  const even = Math.abs(y - Math.trunc(y)) === 0.5 ? 2 * Math.round(y / 2) : r; // rint: ties to even
  return f32(even / 100);
}
