/**
 * Replays `golden/peers/peers-mmseg-*.json` (written by `tools/oracle_mmseg.py` from the real
 * `IoUMetric` code of mmsegmentation 1.x) through the public API: the ground truth after
 * `reduce_zero_label` / `label_map`, the four float32 totals, every raw metric of
 * `total_area_to_metrics` and every value of `compute_metrics`, bit for bit (NaN as NaN), and
 * the library's error where it raised one.
 *
 * @module
 */

import {
  mmsegComputeMetrics,
  mmsegIntersectAndUnion,
  mmsegLabelMap,
  type MmsegMetricName,
  mmsegReduceZeroLabel,
  type MmsegSource,
  mmsegSumAreas,
  type MmsegTotalAreas,
  mmsegTotalAreas,
  mmsegTotalAreaToMetrics,
  SegmentationStats,
} from "../mod.ts";
import type { PeerReplay } from "./golden_peers.ts";

interface F32Record {
  bits: number | number[];
}

interface MmsegCase {
  num_classes: number;
  ignore_index: number;
  reduce_zero_label: boolean;
  label_map: Record<string, number> | null;
  metrics: MmsegMetricName[];
  nan_to_num: number | null;
  beta: number;
  threads?: number;
  images: {
    shape: [number, number];
    gt?: number[];
    pred?: number[];
    gt_runs?: [number, number][];
    pred_runs?: [number, number][];
  }[];
  expected: {
    gt_loaded: (number[] | null)[];
    error: string | null;
    totals?: Record<string, F32Record>;
    raw?: Record<string, F32Record>;
    summary?: Record<string, F32Record>;
  };
}

const view = new DataView(new ArrayBuffer(4));

function bitsOf(x: number): number {
  view.setFloat32(0, x);
  return view.getUint32(0);
}

function sameF32(expectedBits: number, actual: number): boolean {
  const isNaNBits = (expectedBits & 0x7f800000) === 0x7f800000 && (expectedBits & 0x7fffff) !== 0;
  if (isNaNBits) return Number.isNaN(actual);
  return actual === Math.fround(actual) && bitsOf(actual) === expectedBits;
}

function compare(
  name: string,
  expected: F32Record,
  actual: number | number[] | undefined,
): string[] {
  const e = Array.isArray(expected.bits) ? expected.bits : [expected.bits];
  const a = actual === undefined ? [] : Array.isArray(actual) ? actual : [actual];
  if (a.length !== e.length) return [`${name}: expected ${e.length} values, found ${a.length}`];
  const bad: string[] = [];
  e.forEach((b, i) => {
    if (!sameF32(b, a[i])) {
      view.setUint32(0, b);
      bad.push(`${name}[${i}]: expected ${view.getFloat32(0)} (bits ${b}), found ${a[i]}`);
    }
  });
  return bad;
}

function expand(runs: [number, number][]): Uint8Array {
  const out = new Uint8Array(runs.reduce((n, [, len]) => n + len, 0));
  let at = 0;
  for (const [v, len] of runs) {
    out.fill(v, at, at + len);
    at += len;
  }
  return out;
}

function compareTotals(what: string, c: MmsegCase, t: MmsegTotalAreas): string[] {
  return Object.entries(c.expected.totals!).flatMap(([k, v]) =>
    compare(`${what}.${k}`, v, t[k as keyof MmsegTotalAreas])
  );
}

/**
 * Counts each image twice: exact counts (`SegmentationStats`, for images below 2^24 pixels per
 * class) and torch's float32 histc from the pixels (`mmsegIntersectAndUnion`, thread count of
 * the case); the metrics come from the pixel path, which is exact in both regimes.
 */
function replayCase(c: MmsegCase): string[] {
  const stats = new SegmentationStats(c.num_classes, {
    ignoreIndex: c.ignore_index,
    outOfRange: "miss",
  });
  const problems: string[] = [];
  const large = c.images.some((img) => img.gt_runs !== undefined);
  try {
    const areas: MmsegTotalAreas[] = [];
    c.images.forEach((img, i) => {
      let gt: number[] | Int32Array | Uint8Array = img.gt_runs ? expand(img.gt_runs) : img.gt!;
      const pred = img.pred_runs ? expand(img.pred_runs) : img.pred!;
      if (c.reduce_zero_label) gt = mmsegReduceZeroLabel(gt);
      if (c.label_map !== null) {
        const map: Record<number, number> = {};
        for (const [k, v] of Object.entries(c.label_map)) map[Number(k)] = v;
        gt = mmsegLabelMap(gt, map);
      }
      const loaded = c.expected.gt_loaded[i];
      if (loaded !== null && loaded.some((v, j) => v !== gt[j])) {
        problems.push(`image ${i}: ground truth after reduce_zero_label/label_map differs`);
      }
      if (!large) stats.addImage(gt, pred);
      areas.push(
        mmsegIntersectAndUnion(pred, gt, c.num_classes, c.ignore_index, {
          threads: c.threads ?? 1,
        }),
      );
    });
    const options = { metrics: c.metrics, nanToNum: c.nan_to_num, beta: c.beta };
    const source: MmsegSource = mmsegSumAreas(areas);
    if (c.expected.error !== null) {
      try {
        mmsegTotalAreaToMetrics(source, options);
        problems.push(`expected ${c.expected.error}, but no error`);
      } catch (_) {
        // the library raised too
      }
      return problems;
    }
    problems.push(...compareTotals("totals", c, source));
    if (!large) problems.push(...compareTotals("exact totals", c, mmsegTotalAreas(stats)));
    const raw = mmsegTotalAreaToMetrics(source, options);
    const rawKeys = Object.keys(c.expected.raw!);
    if (Object.keys(raw).sort().join() !== [...rawKeys].sort().join()) {
      problems.push(`raw keys: expected ${rawKeys}, found ${Object.keys(raw)}`);
    }
    for (const [k, v] of Object.entries(c.expected.raw!)) {
      problems.push(...compare(`raw.${k}`, v, raw[k as keyof typeof raw]));
    }
    const { summary } = mmsegComputeMetrics(large ? source : stats, options);
    const keys = Object.keys(c.expected.summary!);
    if (Object.keys(summary).join() !== keys.join()) {
      problems.push(`summary keys: expected ${keys}, found ${Object.keys(summary)}`);
    }
    for (const [k, v] of Object.entries(c.expected.summary!)) {
      problems.push(...compare(`summary.${k}`, v, summary[k]));
    }
  } catch (e) {
    problems.push(`threw ${e instanceof Error ? e.message : String(e)}`);
  }
  return problems;
}

/**
 * Replays one parsed mmseg golden file; never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayMmsegGolden } from "./golden_mmseg.ts";
 *
 * assert.equal(replayMmsegGolden({ library: "mmsegmentation" }).failed, 1);
 * ```
 *
 * @param file The parsed JSON.
 * @returns Passed and failed cases, one line per case.
 */
export function replayMmsegGolden(file: unknown): PeerReplay {
  const out: PeerReplay = { passed: 0, failed: 0, lines: [] };
  const scenarios = (file as { scenarios?: { name: string; cases: MmsegCase[] }[] } | null)
    ?.scenarios;
  if (!Array.isArray(scenarios) || scenarios.length === 0) {
    out.failed++;
    out.lines.push("FAIL mmseg golden: no scenarios to replay");
    return out;
  }
  for (const s of scenarios) {
    s.cases.forEach((c, i) => {
      const label =
        `${s.name}#${i} metrics=${c.metrics} nan_to_num=${c.nan_to_num} beta=${c.beta}` +
        (c.threads === undefined ? "" : ` threads=${c.threads}`);
      const problems = replayCase(c);
      if (problems.length === 0) {
        out.passed++;
        out.lines.push(`ok   ${label}`);
      } else {
        out.failed++;
        out.lines.push(`FAIL ${label}: ${problems.slice(0, 3).join("; ")}`);
      }
    });
  }
  return out;
}
