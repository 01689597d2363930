/**
 * Replays `golden/peers/peers-cityscapes-*.json` (written by `tools/oracle_cityscapes.py` from
 * real runs of cityscapesScripts' `evalPixelLevelSemanticLabeling.py` on PNG files) through the
 * public API: the confusion matrix, class IoU and iIoU per label, category IoU and iIoU, and the
 * four averages, each to the last bit of its float64 (NaN as NaN).
 *
 * @module
 */

import {
  cityscapesCategoryInstanceIoU,
  cityscapesCategoryIoU,
  cityscapesClassIoU,
  type CityscapesInstance,
  cityscapesInstanceIoU,
  cityscapesInstances,
  cityscapesMeanCategoryInstanceIoU,
  cityscapesMeanCategoryIoU,
  cityscapesMeanInstanceIoU,
  cityscapesMeanIoU,
  ConfusionMatrix,
} from "../mod.ts";
import type { PeerReplay } from "./golden_peers.ts";

type Scores = Record<string, number | null>;

interface CityscapesScenario {
  name: string;
  images: { labelIds: number[]; instanceIds: number[]; pred: number[] }[];
  expected: {
    classScores: Scores;
    classInstScores: Scores;
    categoryScores: Scores;
    categoryInstScores: Scores;
    averageScoreClasses: number | null;
    averageScoreInstClasses: number | null;
    averageScoreCategories: number | null;
    averageScoreInstCategories: number | null;
    labels: Record<string, number>;
    confMatrix: number[][];
  };
}

function same(expected: number | null, actual: number): boolean {
  return expected === null ? Number.isNaN(actual) : Object.is(expected, actual);
}

interface Tally {
  passed: number;
  bad: string[];
}

function check(t: Tally, what: string, expected: number | null, actual: number): void {
  if (same(expected, actual)) t.passed++;
  else t.bad.push(`${what}: expected ${expected ?? NaN}, found ${actual}`);
}

function compareScores(
  t: Tally,
  what: string,
  expected: Scores,
  actual: (name: string) => number,
): void {
  for (const [name, v] of Object.entries(expected)) check(t, `${what} ${name}`, v, actual(name));
}

/** Every score of one run is one case; the confusion matrix is one more. */
function replayScenario(s: CityscapesScenario): Tally {
  const e = s.expected;
  const t: Tally = { passed: 0, bad: [] };
  const cm = new ConfusionMatrix(34);
  const instances: CityscapesInstance[] = [];
  for (const img of s.images) {
    cm.update(img.labelIds, img.pred);
    instances.push(...cityscapesInstances(img.instanceIds, img.pred));
  }
  const counts = cm.counts();
  const cmBad = e.confMatrix.flatMap((row, r) =>
    row.flatMap((v, c) => counts[r * 34 + c] === v ? [] : [`confMatrix[${r}][${c}]: expected ${v}`])
  );
  if (cmBad.length === 0) t.passed++;
  else t.bad.push(...cmBad.slice(0, 2));
  const cls = cityscapesClassIoU(cm);
  const inst = cityscapesInstanceIoU(cm, instances);
  const cat = cityscapesCategoryIoU(cm);
  const catInst = cityscapesCategoryInstanceIoU(cm, instances);
  compareScores(t, "class IoU", e.classScores, (n) => cls[e.labels[n]]);
  compareScores(t, "class iIoU", e.classInstScores, (n) => inst[e.labels[n]]);
  compareScores(t, "category IoU", e.categoryScores, (n) => cat[n]);
  compareScores(t, "category iIoU", e.categoryInstScores, (n) => catInst[n]);
  if (Object.keys(cat).join() !== Object.keys(e.categoryScores).join()) {
    t.bad.push(
      `category order: expected ${Object.keys(e.categoryScores)}, found ${Object.keys(cat)}`,
    );
  }
  check(t, "averageScoreClasses", e.averageScoreClasses, cityscapesMeanIoU(cm));
  check(
    t,
    "averageScoreInstClasses",
    e.averageScoreInstClasses,
    cityscapesMeanInstanceIoU(cm, instances),
  );
  check(t, "averageScoreCategories", e.averageScoreCategories, cityscapesMeanCategoryIoU(cm));
  check(
    t,
    "averageScoreInstCategories",
    e.averageScoreInstCategories,
    cityscapesMeanCategoryInstanceIoU(cm, instances),
  );
  return t;
}

/**
 * Replays one parsed Cityscapes golden file; never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayCityscapesGolden } from "./golden_cityscapes.ts";
 *
 * assert.equal(replayCityscapesGolden({ library: "cityscapesscripts" }).failed, 1);
 * ```
 *
 * @param file The parsed JSON.
 * @returns Passed and failed cases: each score of each run, and each run's matrix.
 */
export function replayCityscapesGolden(file: unknown): PeerReplay {
  const out: PeerReplay = { passed: 0, failed: 0, lines: [] };
  const scenarios = (file as { scenarios?: CityscapesScenario[] } | null)?.scenarios;
  if (!Array.isArray(scenarios) || scenarios.length === 0) {
    out.failed++;
    out.lines.push("FAIL cityscapes golden: no scenarios to replay");
    return out;
  }
  for (const s of scenarios) {
    let t: Tally;
    try {
      t = replayScenario(s);
    } catch (e) {
      t = { passed: 0, bad: [`threw ${e instanceof Error ? e.message : String(e)}`] };
    }
    out.passed += t.passed;
    out.failed += t.bad.length;
    out.lines.push(`ok   ${s.name}: ${t.passed} scores`);
    for (const b of t.bad) out.lines.push(`FAIL ${s.name}: ${b}`);
  }
  return out;
}
