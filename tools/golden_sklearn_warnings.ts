/**
 * Replay of the scikit-learn warnings golden (`golden/peers/peers-sklearn-warnings-*.json`,
 * written by `tools/sklearn_warnings_oracle.py` from real `jaccard_score` calls): each case runs
 * the same call through the public API (`sklearnJaccardScore`, or `sklearnJaccardPerClass` for
 * `average=None`) with `onWarning`, and compares the value (float64, to the last bit), the error
 * (class and message) and the warnings issued (category and message, in order). Registered in
 * `tools/golden_replays.ts` under `library: "scikit-learn-warnings"`.
 *
 * @module
 */

import {
  ConfusionMatrix,
  SklearnError,
  sklearnJaccardPerClass,
  sklearnJaccardScore,
  sklearnLabelsSeen,
  type SklearnWarning,
} from "../mod.ts";
import type { PeerReplay } from "./golden_peers.ts";

interface WarningCase {
  true: number[];
  pred: number[];
  options: {
    average: null | "binary" | "micro" | "macro" | "weighted" | "samples";
    zero_division?: "warn" | 0 | 1;
    labels?: number[];
    pos_label?: number;
    zero_weight_labels?: number[];
  };
  result: number | number[] | null;
  error: string | null;
  warnings: { category: string; message: string }[];
}

function runCase(
  c: WarningCase,
): { result: number | number[] | null; error: string | null; warnings: string[] } {
  const o = c.options;
  const zero = new Set(o.zero_weight_labels ?? []);
  const weights = o.zero_weight_labels === undefined
    ? undefined
    : Float64Array.from(c.true, (t, i) => zero.has(t) || zero.has(c.pred[i]) ? 0 : 1);
  const C = Math.max(1, ...c.true, ...c.pred) + 1;
  const cm = new ConfusionMatrix(C).update(c.true, c.pred, weights);
  const warnings: string[] = [];
  const common = {
    labels: o.labels,
    zeroDivision: o.zero_division,
    labelsSeen: weights === undefined ? undefined : sklearnLabelsSeen(c.true, c.pred),
    onWarning: (w: SklearnWarning) => warnings.push(`${w.category}: ${w.message}`),
  };
  try {
    const result = o.average === null
      ? sklearnJaccardPerClass(cm, { ...common, posLabel: o.pos_label })
      : sklearnJaccardScore(cm, { ...common, average: o.average, posLabel: o.pos_label });
    return { result, error: null, warnings };
  } catch (e) {
    if (!(e instanceof SklearnError)) throw e;
    return { result: null, error: `${e.errorClass}: ${e.message}`, warnings };
  }
}

/**
 * Replays one parsed scikit-learn warnings golden file.
 *
 * @param file The parsed JSON file.
 * @returns Passed and failed cases, one line per case (never throws).
 */
export function replaySklearnWarningsGolden(file: unknown): PeerReplay {
  const f = file as { library_version?: string; cases?: WarningCase[] };
  if (!Array.isArray(f.cases) || f.cases.length === 0) {
    return { passed: 0, failed: 1, lines: ["scikit-learn-warnings: no cases in the file"] };
  }
  const out: PeerReplay = { passed: 0, failed: 0, lines: [] };
  f.cases.forEach((c, k) => {
    const label = `sklearn warnings #${k} ${JSON.stringify(c.options)}`;
    let detail = "";
    try {
      const got = runCase(c);
      const want = c.warnings.map((w) => `${w.category}: ${w.message}`);
      if (JSON.stringify(got.warnings) !== JSON.stringify(want)) {
        detail = `warnings ${JSON.stringify(got.warnings)}, expected ${JSON.stringify(want)}`;
      } else if (got.error !== c.error) {
        detail = `error ${got.error}, expected ${c.error}`;
      } else if (!Object.is(JSON.stringify(got.result), JSON.stringify(c.result))) {
        detail = `value ${JSON.stringify(got.result)}, expected ${JSON.stringify(c.result)}`;
      }
    } catch (e) {
      detail = `replay error: ${(e as Error).message}`;
    }
    if (detail === "") out.passed++;
    else out.failed++;
    out.lines.push(`${detail === "" ? "ok  " : "FAIL"} ${label}${detail ? `: ${detail}` : ""}`);
  });
  out.lines.push(
    `scikit-learn-warnings@${f.library_version}: ${out.passed} passed, ${out.failed} failed`,
  );
  return out;
}
