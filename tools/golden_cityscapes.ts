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

function compareScores(what: string, expected: Scores, actual: (name: string) => number): string[] {
  const bad: string[] = [];
  for (const [name, v] of Object.entries(expected)) {
    const a = actual(name);
    if (!same(v, a)) bad.push(`${what} ${name}: expected ${v ?? NaN}, found ${a}`);
  }
  return bad;
}

function replayScenario(s: CityscapesScenario): string[] {
  const e = s.expected;
  const cm = new ConfusionMatrix(34);
  const instances: CityscapesInstance[] = [];
  for (const img of s.images) {
    cm.update(img.labelIds, img.pred);
    instances.push(...cityscapesInstances(img.instanceIds, img.pred));
  }
  const bad: string[] = [];
  const counts = cm.counts();
  e.confMatrix.forEach((row, r) =>
    row.forEach((v, c) => {
      if (counts[r * 34 + c] !== v) {
        bad.push(`confMatrix[${r}][${c}]: expected ${v}, found ${counts[r * 34 + c]}`);
      }
    })
  );
  const cls = cityscapesClassIoU(cm);
  const inst = cityscapesInstanceIoU(cm, instances);
  const cat = cityscapesCategoryIoU(cm);
  const catInst = cityscapesCategoryInstanceIoU(cm, instances);
  bad.push(...compareScores("class IoU", e.classScores, (n) => cls[e.labels[n]]));
  bad.push(...compareScores("class iIoU", e.classInstScores, (n) => inst[e.labels[n]]));
  bad.push(...compareScores("category IoU", e.categoryScores, (n) => cat[n]));
  bad.push(...compareScores("category iIoU", e.categoryInstScores, (n) => catInst[n]));
  if (Object.keys(cat).join() !== Object.keys(e.categoryScores).join()) {
    bad.push(
      `category order: expected ${Object.keys(e.categoryScores)}, found ${Object.keys(cat)}`,
    );
  }
  const averages: [string, number | null, number][] = [
    ["averageScoreClasses", e.averageScoreClasses, cityscapesMeanIoU(cm)],
    [
      "averageScoreInstClasses",
      e.averageScoreInstClasses,
      cityscapesMeanInstanceIoU(cm, instances),
    ],
    ["averageScoreCategories", e.averageScoreCategories, cityscapesMeanCategoryIoU(cm)],
    [
      "averageScoreInstCategories",
      e.averageScoreInstCategories,
      cityscapesMeanCategoryInstanceIoU(cm, instances),
    ],
  ];
  for (const [name, want, got] of averages) {
    if (!same(want, got)) bad.push(`${name}: expected ${want ?? NaN}, found ${got}`);
  }
  return bad;
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
 * @returns Passed and failed scenarios (each compares every score of one run).
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
    let bad: string[];
    try {
      bad = replayScenario(s);
    } catch (e) {
      bad = [`threw ${e instanceof Error ? e.message : String(e)}`];
    }
    if (bad.length === 0) {
      out.passed++;
      out.lines.push(`ok   ${s.name}`);
    } else {
      out.failed++;
      out.lines.push(`FAIL ${s.name}: ${bad.slice(0, 4).join("; ")}`);
    }
  }
  return out;
}
