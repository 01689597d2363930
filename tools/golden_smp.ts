/**
 * Replays `golden/peers/peers-smp-*.json` (written by `tools/oracle_monai_smp.py` from smp's real
 * `functional.py`) through the public API: `smpGetStats` on the stored inputs must give smp's
 * TP/FP/FN/TN exactly (for multiclass scenarios also `MultilabelStats.fromSegmentationStats` of a
 * `SegmentationStats` with `outOfRange: "miss"`), and `smpMetricDetailed` every float32 bit,
 * error and warning of every case.
 *
 * @module
 */

import {
  MultilabelStats,
  SegmentationStats,
  smpMetricDetailed,
  type SmpMetricName,
  type SmpMetricOptions,
} from "../mod.ts";
import { smpGetStats } from "../mod.ts";
import { compareBits, type Float32Bits } from "./golden_monai.ts";
import type { PeerReplay } from "./golden_peers.ts";

interface SmpCase {
  metric: SmpMetricName;
  params: {
    reduction: string;
    class_weights?: number[];
    zero_division?: number | "warn";
    beta?: number;
  };
  value: Float32Bits | null;
  error: string | null;
  warnings: string[];
}

interface SmpScenario {
  name: string;
  mode: "binary" | "multilabel" | "multiclass";
  num_classes?: number;
  ignore_index?: number | null;
  threshold?: number;
  /** Images given as runs `[value, length]` in memory order (large images). */
  runs?: boolean;
  /** `torch.get_num_threads()` when the oracle ran `get_stats` (float32 histc emulated then). */
  torch_threads?: number;
  target: unknown[];
  output: unknown[];
  stats: { tp: number[][]; fp: number[][]; fn: number[][]; tn: number[][] };
  cases: SmpCase[];
}

function sameCounts(a: MultilabelStats, want: SmpScenario["stats"]): string | null {
  for (let i = 0; i < want.tp.length; i++) {
    const got = a.image(i);
    for (const k of ["tp", "fp", "fn", "tn"] as const) {
      if (JSON.stringify(got[k]) !== JSON.stringify(want[k][i])) {
        return `image ${i} ${k}: expected ${want[k][i]}, got ${got[k]}`;
      }
    }
  }
  return a.numImages === want.tp.length ? null : `expected ${want.tp.length} images`;
}

function expandRuns(runs: [number, number][]): Int32Array {
  const out = new Int32Array(runs.reduce((a, [, k]) => a + k, 0));
  let at = 0;
  for (const [v, k] of runs) out.fill(v, at, at += k);
  return out;
}

/**
 * Replays one parsed smp golden file; never throws.
 *
 * @param file The parsed JSON.
 * @returns Passed and failed cases, one line per failure.
 */
export function replaySmpGolden(file: unknown): PeerReplay {
  const out: PeerReplay = { passed: 0, failed: 0, lines: [] };
  const scenarios = (file as { scenarios?: SmpScenario[] } | null)?.scenarios;
  if (!Array.isArray(scenarios) || scenarios.length === 0) {
    out.failed++;
    out.lines.push("FAIL smp: no scenarios to replay");
    return out;
  }
  const result = (ok: boolean, line: string) => {
    if (ok) out.passed++;
    else {
      out.failed++;
      out.lines.push(line);
    }
  };
  for (const s of scenarios) {
    let stats: MultilabelStats;
    try {
      const C = s.mode === "multiclass" ? s.num_classes! : (s.target[0] as unknown[]).length;
      stats = new MultilabelStats(C);
      const image = (x: unknown): ArrayLike<number> =>
        s.runs ? expandRuns(x as [number, number][]) : (x as number[]).flat();
      s.target.forEach((t, i) =>
        smpGetStats(stats, image(t), image(s.output[i]), {
          mode: s.mode,
          numClasses: C,
          ignoreIndex: s.ignore_index ?? undefined,
          threshold: s.threshold,
          histcThreads: s.torch_threads,
        })
      );
      const bad = sameCounts(stats, s.stats);
      result(bad === null, `FAIL smp ${s.name} get_stats: ${bad}`);
      if (s.mode === "multiclass" && !s.runs) {
        const seg = new SegmentationStats(C, {
          ignoreIndex: s.ignore_index ?? undefined,
          outOfRange: "miss",
        });
        s.target.forEach((t, i) => seg.addImage(t as number[], s.output[i] as number[]));
        const bad2 = sameCounts(MultilabelStats.fromSegmentationStats(seg), s.stats);
        result(bad2 === null, `FAIL smp ${s.name} SegmentationStats one-vs-rest: ${bad2}`);
      }
    } catch (e) {
      out.failed += s.cases.length;
      out.lines.push(`FAIL smp ${s.name}: inputs refused: ${e}`);
      continue;
    }
    for (const c of s.cases) {
      const label = `smp ${s.name} ${c.metric} ${JSON.stringify(c.params)}`;
      let reason: string | null = null;
      try {
        const options: SmpMetricOptions = {
          reduction: c.params.reduction as SmpMetricOptions["reduction"],
          classWeights: c.params.class_weights,
          zeroDivision: c.params.zero_division,
          beta: c.params.beta,
        };
        const r = smpMetricDetailed(stats, c.metric, options);
        if (c.error !== null) reason = `expected ${c.error}, got a result`;
        else {
          reason = compareBits(r.value, c.value!);
          if (reason === null && r.warned !== c.warnings.length > 0) {
            reason = `expected warnings ${JSON.stringify(c.warnings)}, warned=${r.warned}`;
          }
        }
      } catch (e) {
        if (c.error === null) reason = `unexpected error ${e}`;
        else if (!c.error.endsWith((e as Error).message)) {
          reason = `expected ${c.error}, got ${(e as Error).message}`;
        }
      }
      result(reason === null, `FAIL ${label}: ${reason}`);
    }
  }
  const version = (file as { version?: string }).version ?? "?";
  out.lines.push(
    `smp@${version}: ${out.passed} passed (${out.passed} bit-exact), ${out.failed} failed`,
  );
  return out;
}

if (import.meta.main) {
  for (const path of Deno.args) {
    const r = replaySmpGolden(JSON.parse(Deno.readTextFileSync(path)));
    for (const l of r.lines) console.log(l);
    console.log(`${path}: ${r.passed} passed, ${r.failed} failed`);
  }
}
