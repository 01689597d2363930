/**
 * The counting kernel: one pass over (true, predicted) label pairs into exact counts.
 *
 * Everything that holds exact state (the confusion matrix, per-image statistics) calls
 * {@linkcode countPairs}; it is the only place where pixels are read.
 *
 * @module
 */

import { checkLabelArray, type CountingPolicy, type LabelArray } from "./labels.ts";
import { histogramUint8, uint8Kernel } from "./uint8_histogram.ts";

export { histogramUint8, uint8Kernel } from "./uint8_histogram.ts";

/** Exact counts of one call: a row-major C x C table and the "missed" pixels per true class. */
export interface PairCounts {
  /** `counts[t * C + p]`: pixels with true class t predicted as p (float64 sums when weighted). */
  counts: Float64Array;
  /** Pixels of true class t whose prediction was out of range, under `outOfRange: "miss"`. */
  missed: Float64Array;
  /** True when a sample weight other than 0 or 1 was used. */
  weighted: boolean;
}

// A Uint32 histogram cell overflows at 2^32; chunks of 2^30 pixels keep far away from it.
const CHUNK = 2 ** 30;

/**
 * Counts label pairs under a counting policy. Nothing is returned unless every pixel is valid
 * under the policy; on bad input it throws an error naming the array, the index and the value.
 *
 * Unweighted counts are exact integers. With `sampleWeight`, cells are float64 sums of the
 * weights (exact while the weights are integers and sums stay below 2^53).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countingPolicy } from "./labels.ts";
 * import { countPairs } from "./pair_counts.ts";
 *
 * const policy = countingPolicy(2, { ignoreIndex: 255 });
 * const { counts } = countPairs(policy, [0, 0, 1, 255], [0, 1, 1, 0]);
 * assert.deepEqual([...counts], [1, 1, 0, 1]);
 * ```
 *
 * @param policy Validated counting policy (see `countingPolicy`).
 * @param yTrue True class ids, one per pixel.
 * @param yPred Predicted class ids, same length.
 * @param sampleWeight Optional non-negative finite weight per pixel, same length.
 * @returns The counts of this call alone.
 */
export function countPairs(
  policy: CountingPolicy,
  yTrue: LabelArray,
  yPred: LabelArray,
  sampleWeight?: LabelArray,
): PairCounts {
  checkLabelArray("yTrue", yTrue);
  checkLabelArray("yPred", yPred);
  if (yTrue.length !== yPred.length) {
    throw new RangeError(
      `Expected yTrue and yPred to have the same length, but found ${yTrue.length} and ${yPred.length}`,
    );
  }
  if (sampleWeight !== undefined) {
    checkLabelArray("sampleWeight", sampleWeight);
    if (sampleWeight.length !== yTrue.length) {
      throw new RangeError(
        `Expected sampleWeight to have the same length as yTrue (${yTrue.length}), but found ${sampleWeight.length}`,
      );
    }
    return countWeighted(policy, yTrue, yPred, sampleWeight);
  }
  if (yTrue instanceof Uint8Array && yPred instanceof Uint8Array) {
    return countUint8(policy, yTrue, yPred);
  }
  if (
    (yTrue instanceof Uint16Array || yTrue instanceof Uint8Array) &&
    (yPred instanceof Uint16Array || yPred instanceof Uint8Array) &&
    yTrue.length >= 4096 && policy.numClasses <= MAX_SLOT_CLASSES
  ) {
    return countSlots(policy, yTrue, yPred);
  }
  return countGeneric(policy, yTrue, yPred);
}

/**
 * Uint8 fast path: a 256 x 256 histogram of raw pairs with no branch in the hot loop; the policy
 * is applied afterwards to the bins, not per pixel. The WebAssembly kernel says which bins it
 * may have touched (true and predicted labels up to the largest seen), so only those are read:
 * for 19 classes and an ignore label 255, 256 x 19 bins. The JavaScript kernel does not, and
 * reading all 65,536 bins costs about as much as counting 2^16 pixels, so without WebAssembly
 * smaller inputs take the generic loop instead.
 */
function countUint8(policy: CountingPolicy, yTrue: Uint8Array, yPred: Uint8Array): PairCounts {
  const smallest = uint8Kernel() === "wasm-simd" ? 4096 : 65536;
  if (yTrue.length < smallest) return countGeneric(policy, yTrue, yPred);
  const C = policy.numClasses;
  const { kinds } = policyTables(policy);
  const out = { counts: new Float64Array(C * C), missed: new Float64Array(C) };
  scratch ??= new Uint32Array(65536);
  const hist = scratch;
  for (let start = 0; start < yTrue.length; start += CHUNK) {
    const bounds = histogramUint8(yTrue, yPred, start, Math.min(yTrue.length, start + CHUNK), hist);
    const rows = (bounds >> 8) + 1;
    const columns = (bounds & 255) + 1;
    let rejected = false;
    // Read and clear every bin that may hold a count, so the shared scratch histogram is zero
    // again afterwards.
    for (let t = 0; t < rows; t++) {
      const kind = kinds[t];
      for (let p = 0; p < columns; p++) {
        const k = (t << 8) | p;
        const n = hist[k];
        if (n === 0) continue;
        hist[k] = 0;
        if (!addBin(policy, kind, t, p, n, out)) rejected = true;
      }
    }
    if (rejected) throw badLabel(policy, yTrue, yPred);
  }
  return { ...out, weighted: false };
}

/** Reused across calls (counting is synchronous); always left all zero. */
let scratch: Uint32Array | undefined;

/**
 * Lookup tables of a policy: what each uint8 true label is, and, built on first use by the
 * uint16 path, the slot of every uint16 value as a true label (times C + 2) and as a
 * prediction. Kept for the policy last seen: a folder of masks counts image after image under one
 * policy (each image with a policy object of its own), and the uint16 tables take about as long
 * to fill as 2^17 pixels take to count. outOfRange is applied after counting, so it is not part
 * of the key.
 */
let tables:
  | { key: string; kinds: TrueKind[]; trueRow?: Uint32Array; predSlot?: Uint32Array }
  | undefined;

function policyTables(policy: CountingPolicy): NonNullable<typeof tables> {
  const key = `${policy.numClasses} ${policy.ignoreIndex.join(",")}`;
  if (tables?.key !== key) {
    tables = { key, kinds: Array.from({ length: 256 }, (_, t) => trueKind(policy, t)) };
  }
  return tables;
}

/**
 * Adds `n` pixels of the pair (t, p) to `out` under the policy, `kind` being what t is; returns
 * false where the policy refuses them. The fast paths count pairs first and apply this rule to
 * each non-empty bin afterwards; `classifyPair` is the same rule for one pixel.
 */
function addBin(
  policy: CountingPolicy,
  kind: TrueKind,
  t: number,
  p: number,
  n: number,
  out: { counts: Float64Array; missed: Float64Array },
): boolean {
  if (kind === "ignored") return true;
  if (kind === "out") return policy.outOfRange === "drop";
  const C = policy.numClasses;
  if (p < C) out.counts[t * C + p] += n;
  else if (policy.outOfRange === "miss") out.missed[t] += n;
  else if (policy.outOfRange === "error") return false;
  return true;
}

// The slot tables below have (C + 2)^2 cells; up to 254 classes that is at most 65,536.
const MAX_SLOT_CLASSES = 254;

/**
 * uint16 labels (16-bit PNG masks), or uint16 with uint8: each label goes through a table to its
 * class, or to one of two extra slots, "ignored" (true labels only) and "out of range", and the
 * pair of slots is counted in a (C + 2) x (C + 2) table, with no test in the loop. The policy is
 * then applied to the extra slots, as the uint8 fast path applies it to its bins.
 */
function countSlots(
  policy: CountingPolicy,
  yTrue: Uint8Array | Uint16Array,
  yPred: Uint8Array | Uint16Array,
): PairCounts {
  const C = policy.numClasses;
  const S = C + 2, IGNORED = C, OUT = C + 1;
  const cached = policyTables(policy);
  if (cached.trueRow === undefined || cached.predSlot === undefined) {
    cached.trueRow = new Uint32Array(65536);
    cached.predSlot = new Uint32Array(65536);
    for (let v = 0; v < 65536; v++) {
      const kind = trueKind(policy, v);
      cached.trueRow[v] = (kind === "class" ? v : kind === "ignored" ? IGNORED : OUT) * S;
      cached.predSlot[v] = v < C ? v : OUT;
    }
  }
  const { trueRow, predSlot } = cached;
  const table = new Float64Array(S * S);
  if (yTrue instanceof Uint16Array && yPred instanceof Uint16Array) {
    slotPairs16(yTrue, yPred, trueRow, predSlot, table);
  } else slotPairs(yTrue, yPred, trueRow, predSlot, table);
  const out = { counts: new Float64Array(C * C), missed: new Float64Array(C) };
  let rejected = false;
  for (let t = 0; t < S; t++) {
    // slot t is class t, "ignored" or "out"; a prediction slot is class p or "out" (p >= C)
    const kind: TrueKind = t === IGNORED ? "ignored" : t === OUT ? "out" : "class";
    for (let p = 0; p < S; p++) {
      const n = table[t * S + p];
      if (n !== 0 && !addBin(policy, kind, t, p, n, out)) rejected = true;
    }
  }
  if (rejected) throw badLabel(policy, yTrue, yPred);
  return { ...out, weighted: false };
}

type TrueKind = "class" | "ignored" | "out";

function trueKind(policy: CountingPolicy, t: number): TrueKind {
  if (policy.ignoreIndex.includes(t)) return "ignored";
  return t >= 0 && t < policy.numClasses ? "class" : "out";
}

/** Any array type, unweighted: a tight loop for in-range pairs, the policy on the rare rest. */
function countGeneric(policy: CountingPolicy, yTrue: LabelArray, yPred: LabelArray): PairCounts {
  const C = policy.numClasses;
  const counts = new Float64Array(C * C);
  const missed = new Float64Array(C);
  // 1 for a class whose pixels are counted; 0 when an ignore label is also a class id.
  const counted = new Uint8Array(C).fill(1);
  for (const label of policy.ignoreIndex) if (label >= 0 && label < C) counted[label] = 0;
  const n = yTrue.length;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    // `x >>> 0 === x` holds exactly for integers in [0, 2^32): rejects NaN, fractions, negatives.
    if ((t >>> 0) === t && t < C && counted[t] === 1 && (p >>> 0) === p && p < C) {
      counts[t * C + p]++;
    } else {
      const cell = classifyPair(policy, yTrue, yPred, i);
      if (cell >= 0) counts[cell]++;
      else if (cell === MISSED) missed[t]++;
    }
  }
  return { counts, missed, weighted: false };
}

function countWeighted(
  policy: CountingPolicy,
  yTrue: LabelArray,
  yPred: LabelArray,
  sampleWeight: LabelArray,
): PairCounts {
  const C = policy.numClasses;
  const counts = new Float64Array(C * C);
  const missed = new Float64Array(C);
  let weighted = false;
  for (let i = 0; i < yTrue.length; i++) {
    const w = sampleWeight[i];
    if (!(w >= 0 && w < Infinity)) {
      throw new RangeError(
        `Expected sampleWeight values to be finite and >= 0, but found ${w} at index ${i}`,
      );
    }
    if (w !== 0 && w !== 1) weighted = true;
    const cell = classifyPair(policy, yTrue, yPred, i);
    if (cell >= 0) counts[cell] += w;
    else if (cell === MISSED) missed[yTrue[i]] += w;
  }
  return { counts, missed, weighted };
}

const SKIP = -1;
const MISSED = -2;

/** The cell of pair i under the policy, SKIP, or MISSED; throws for labels the policy rejects. */
function classifyPair(
  policy: CountingPolicy,
  yTrue: LabelArray,
  yPred: LabelArray,
  i: number,
): number {
  const C = policy.numClasses;
  const t = yTrue[i];
  const p = yPred[i];
  if (!Number.isInteger(t)) throw notInteger("yTrue", t, i);
  if (policy.ignoreIndex.includes(t)) return SKIP;
  if (!Number.isInteger(p)) throw notInteger("yPred", p, i);
  if (t < 0 || t >= C) {
    if (policy.outOfRange === "drop") return SKIP;
    throw outOfRange(policy, "yTrue", t, i);
  }
  if (p < 0 || p >= C) {
    if (policy.outOfRange === "drop") return SKIP;
    if (policy.outOfRange === "miss") return MISSED;
    throw outOfRange(policy, "yPred", p, i);
  }
  return t * C + p;
}

function notInteger(name: string, value: number, index: number): RangeError {
  return new RangeError(
    `Expected ${name} values to be integer class ids, but found ${value} at index ${index}`,
  );
}

function outOfRange(
  policy: CountingPolicy,
  name: string,
  value: number,
  index: number,
): RangeError {
  // Only true labels can be ignored, so only their message offers that way out.
  const ignored = name === "yTrue" && policy.ignoreIndex.length > 0
    ? ` or an ignored label (${policy.ignoreIndex.join(", ")})`
    : "";
  const hint = name === "yTrue" && policy.outOfRange === "miss"
    ? ' (outOfRange "miss" applies to predictions only)'
    : "";
  return new RangeError(
    `Expected ${name} values to be class ids in [0, ${policy.numClasses})${ignored}, but found ${value} at index ${index}${hint}`,
  );
}

/** Counts slot pairs, uint16 labels only: one array type, so V8 keeps the loop's loads fast. */
function slotPairs16(
  yTrue: Uint16Array,
  yPred: Uint16Array,
  trueRow: Uint32Array,
  predSlot: Uint32Array,
  table: Float64Array,
): void {
  for (let i = 0, n = yTrue.length; i < n; i++) table[trueRow[yTrue[i]] + predSlot[yPred[i]]]++;
}

/** The same for uint8 with uint16 (half as fast: the loads see two array types). */
function slotPairs(
  yTrue: Uint8Array | Uint16Array,
  yPred: Uint8Array | Uint16Array,
  trueRow: Uint32Array,
  predSlot: Uint32Array,
  table: Float64Array,
): void {
  for (let i = 0, n = yTrue.length; i < n; i++) table[trueRow[yTrue[i]] + predSlot[yPred[i]]]++;
}

/** Finds the first pixel the policy rejects, for the error message of the fast paths. */
function badLabel(policy: CountingPolicy, yTrue: LabelArray, yPred: LabelArray): RangeError {
  for (let i = 0; i < yTrue.length; i++) {
    try {
      classifyPair(policy, yTrue, yPred, i);
    } catch (error) {
      return error as RangeError;
    }
  }
  return new RangeError("Expected a label the policy rejects, but found none (internal error)");
}
