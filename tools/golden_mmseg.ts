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
  mmsegLabelMap,
  type MmsegMetricName,
  mmsegReduceZeroLabel,
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
  images: { shape: [number, number]; gt: number[]; pred: number[] }[];
  expected: {
    gt_loaded: number[][];
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

function replayCase(c: MmsegCase): string[] {
  const stats = new SegmentationStats(c.num_classes, {
    ignoreIndex: c.ignore_index,
    outOfRange: "miss",
  });
  const problems: string[] = [];
  try {
    c.images.forEach((img, i) => {
      let gt: number[] | Int32Array = img.gt;
      if (c.reduce_zero_label) gt = mmsegReduceZeroLabel(gt);
      if (c.label_map !== null) {
        const map: Record<number, number> = {};
        for (const [k, v] of Object.entries(c.label_map)) map[Number(k)] = v;
        gt = mmsegLabelMap(gt, map);
      }
      if (c.expected.gt_loaded[i].some((v, j) => v !== gt[j])) {
        problems.push(`image ${i}: ground truth after reduce_zero_label/label_map differs`);
      }
      stats.addImage(gt, img.pred);
    });
    const options = { metrics: c.metrics, nanToNum: c.nan_to_num, beta: c.beta };
    if (c.expected.error !== null) {
      try {
        mmsegTotalAreaToMetrics(stats, options);
        problems.push(`expected ${c.expected.error}, but no error`);
      } catch (_) {
        // the library raised too
      }
      return problems;
    }
    const totals = mmsegTotalAreas(stats);
    for (const [k, v] of Object.entries(c.expected.totals!)) {
      problems.push(...compare(`totals.${k}`, v, totals[k as keyof typeof totals]));
    }
    const raw = mmsegTotalAreaToMetrics(stats, options);
    const rawKeys = Object.keys(c.expected.raw!);
    if (Object.keys(raw).sort().join() !== [...rawKeys].sort().join()) {
      problems.push(`raw keys: expected ${rawKeys}, found ${Object.keys(raw)}`);
    }
    for (const [k, v] of Object.entries(c.expected.raw!)) {
      problems.push(...compare(`raw.${k}`, v, raw[k as keyof typeof raw]));
    }
    const { summary } = mmsegComputeMetrics(stats, options);
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
      const label = `${s.name}#${i} metrics=${c.metrics} nan_to_num=${c.nan_to_num} beta=${c.beta}`;
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
