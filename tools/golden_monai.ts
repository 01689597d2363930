/**
 * Replays `golden/peers/peers-monai-*.json` (written by `tools/oracle_monai_smp.py` from the real
 * MONAI code) through the public API: `monaiMetric` on `MultilabelStats` built from the stored
 * channel-first masks. Every float32 (the table, the value, `not_nans`) must match bit for bit.
 *
 * @module
 */

import { monaiMetric, type MonaiReduction, MultilabelStats } from "../mod.ts";
import type { PeerReplay } from "./golden_peers.ts";

/** float32 bit patterns as stored by the oracle. */
export interface Float32Bits {
  shape: number[];
  bits: number[];
}

/** The float32 bit pattern of a number. */
export function bitsOf(v: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, v);
  return b.getUint32(0);
}

/** Compares flattened values with stored bit patterns; returns a reason or null. */
export function compareBits(got: unknown, want: Float32Bits): string | null {
  const flat = (Array.isArray(got) ? got.flat(2) : [got]) as number[];
  if (flat.length !== want.bits.length) {
    return `expected ${want.bits.length} values, got ${flat.length}`;
  }
  for (let j = 0; j < flat.length; j++) {
    const b = bitsOf(flat[j]);
    // any NaN matches any NaN (torch's NaN and JavaScript's differ in sign and payload)
    const nan = (x: number) => (x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0;
    if (b !== want.bits[j] && !(nan(b) && nan(want.bits[j]))) {
      return `value ${j}: expected bits ${want.bits[j].toString(16)}, got ${b.toString(16)} (${
        flat[j]
      })`;
    }
  }
  return null;
}

interface MonaiCase {
  metric: "iou" | "dice";
  include_background: boolean;
  ignore_empty: boolean;
  reduction: MonaiReduction;
  table: Float32Bits | null;
  value: Float32Bits | null;
  not_nans: Float32Bits | null;
  error: string | null;
}

interface MonaiScenario {
  name: string;
  target: number[][][];
  pred: number[][][];
  cases: MonaiCase[];
}

/**
 * Replays one parsed MONAI golden file; never throws.
 *
 * @param file The parsed JSON.
 * @returns Passed and failed cases, one line per failure.
 */
export function replayMonaiGolden(file: unknown): PeerReplay {
  const out: PeerReplay = { passed: 0, failed: 0, lines: [] };
  const scenarios = (file as { scenarios?: MonaiScenario[] } | null)?.scenarios;
  if (!Array.isArray(scenarios) || scenarios.length === 0) {
    out.failed++;
    out.lines.push("FAIL monai: no scenarios to replay");
    return out;
  }
  for (const s of scenarios) {
    let stats: MultilabelStats;
    try {
      stats = new MultilabelStats(s.target[0].length);
      s.target.forEach((t, i) => stats.addImageMasks(t.flat(), s.pred[i].flat()));
    } catch (e) {
      out.failed += s.cases.length;
      out.lines.push(`FAIL monai ${s.name}: inputs refused: ${e}`);
      continue;
    }
    for (const c of s.cases) {
      const label =
        `monai ${s.name} ${c.metric} bg=${c.include_background} ignore_empty=${c.ignore_empty} ${c.reduction}`;
      let reason: string | null = null;
      try {
        const r = monaiMetric(stats, {
          metric: c.metric,
          includeBackground: c.include_background,
          ignoreEmpty: c.ignore_empty,
          reduction: c.reduction,
        });
        if (c.error !== null) reason = `expected ${c.error}, got a result`;
        else {
          reason = compareBits(r.table, c.table!) ?? compareBits(r.value, c.value!) ??
            compareBits(r.notNans, c.not_nans!);
        }
      } catch (e) {
        if (c.error === null) reason = `unexpected error ${e}`;
      }
      if (reason === null) out.passed++;
      else {
        out.failed++;
        out.lines.push(`FAIL ${label}: ${reason}`);
      }
    }
  }
  const version = (file as { version?: string }).version ?? "?";
  out.lines.push(
    `monai@${version}: ${out.passed} passed (${out.passed} bit-exact), ${out.failed} failed`,
  );
  return out;
}

if (import.meta.main) {
  for (const path of Deno.args) {
    const r = replayMonaiGolden(JSON.parse(Deno.readTextFileSync(path)));
    for (const l of r.lines) console.log(l);
    console.log(`${path}: ${r.passed} passed, ${r.failed} failed`);
  }
}
