/**
 * Replay of the multilabel golden files (`tools/multilabel_oracle.py`): library
 * "torchmetrics-multilabel" (`MultilabelJaccardIndex`, functional `multilabel_jaccard_index`,
 * `BinaryJaccardIndex`, one-hot `segmentation.MeanIoU`, constructor and input errors) and
 * "scikit-learn-multilabel" (`jaccard_score` on indicator matrices, with its warnings). float32
 * results must match bit for bit, float64 results exactly, errors by class and message.
 *
 * @module
 */

import { MultilabelStats } from "../lib/core/multilabel_stats.ts";
import {
  torchmetricsBinaryJaccard,
  torchmetricsCheckArgs,
  TorchmetricsError,
  torchmetricsMultilabelJaccard,
  torchmetricsMultilabelJaccardPerLabelOf,
  torchmetricsMultilabelUpdate,
} from "../lib/peers/torchmetrics_multilabel.ts";
import {
  torchmetricsOneHotMeanIoU,
  torchmetricsOneHotMeanIoUPerClass,
} from "../lib/peers/torchmetrics_onehot.ts";
import { sklearnMultilabelJaccardRows } from "../lib/peers/sklearn_multilabel.ts";
import { SklearnError, type SklearnWarning } from "../lib/peers/sklearn.ts";
import type { PeerReplay } from "./golden_peers.ts";

type Nested = number[][][];

// deno-lint-ignore no-explicit-any
type Case = Record<string, any>;

function decode(v: unknown): number {
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return v as number;
}

const bitsOf = (x: number) => {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, x, true);
  return b.getUint32(0, true);
};

/** Whether `got` reproduces the recorded result: float32 by bits (any NaN matches NaN). */
function sameResult(result: Case, got: number | number[]): string | null {
  // torchmetrics' compute() squeezes a one-element result to a scalar (_squeeze_if_scalar)
  if (Array.isArray(got) && got.length === 1 && !Array.isArray(result.value)) got = got[0];
  const want = Array.isArray(result.value) ? result.value.map(decode) : [decode(result.value)];
  const have = Array.isArray(got) ? got : [got];
  if (Array.isArray(result.value) !== Array.isArray(got) || want.length !== have.length) {
    return `shape: want ${JSON.stringify(result.value)}, got ${JSON.stringify(got)}`;
  }
  for (let k = 0; k < want.length; k++) {
    const w = want[k], h = have[k];
    if (Number.isNaN(w) || Number.isNaN(h)) {
      if (Number.isNaN(w) !== Number.isNaN(h)) return `[${k}]: want ${w}, got ${h}`;
      continue;
    }
    if (result.dtype === "float32") {
      const bits = Array.isArray(result.float32_bits)
        ? result.float32_bits[k]
        : result.float32_bits;
      if (bitsOf(h) !== Number(bits) || Math.fround(h) !== h) {
        return `[${k}]: want ${w} (${bits}), got ${h} (0x${bitsOf(h).toString(16)})`;
      }
    } else if (w !== h) return `[${k}]: want ${w}, got ${h}`;
  }
  return null;
}

function errorText(e: unknown): string {
  if (e instanceof TorchmetricsError || e instanceof SklearnError) {
    return `${e.errorClass}: ${e.message}`;
  }
  return `unexpected ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
}

function flat(a: Nested): number[] {
  return a.flat(2);
}

function torchmetricsCase(c: Case): number | number[] {
  const o = c.options;
  if (c.call === "MeanIoU") {
    const opts = { numClasses: o.num_classes, includeBackground: o.include_background };
    if (c.construct_only) return torchmetricsOneHotMeanIoU(new MultilabelStats(1), opts), 0;
    const preds = c.preds as Nested, target = c.target as Nested;
    const stats = new MultilabelStats(preds[0].length);
    preds.forEach((img, n) => stats.addImageMasks(target[n].flat(), img.flat()));
    const full = { ...opts, batches: c.batches };
    return o.per_class
      ? torchmetricsOneHotMeanIoUPerClass(stats, full)
      : torchmetricsOneHotMeanIoU(stats, full);
  }
  const task = c.call === "BinaryJaccardIndex"
    ? "binary"
    : c.call === "MulticlassJaccardIndex"
    ? "multiclass"
    : "multilabel";
  torchmetricsCheckArgs({
    task,
    numClasses: o.num_labels ?? o.num_classes,
    threshold: o.threshold,
    average: o.average,
  });
  if (c.construct_only) return 0;
  const L = task === "binary" ? 1 : o.num_labels;
  const stats = new MultilabelStats(L);
  if (c.confmat !== undefined) {
    const cms: number[][][] = task === "binary" ? [c.confmat] : c.confmat;
    stats.addImageCounts({
      tp: cms.map((m) => m[1][1]),
      fp: cms.map((m) => m[0][1]),
      fn: cms.map((m) => m[1][0]),
      tn: cms.map((m) => m[0][0]),
    });
  } else {
    const preds = c.preds as Nested, target = c.target as Nested;
    let k = 0;
    for (const b of c.batches as number[]) {
      torchmetricsMultilabelUpdate(
        stats,
        flat(preds.slice(k, k + b)),
        flat(target.slice(k, k + b)),
        {
          images: b,
          threshold: o.threshold,
          ignoreIndex: o.ignore_index,
          predsFloat: c.preds_dtype === "float32",
          task: task === "binary" ? "binary" : "multilabel",
          channels: preds[0]?.length,
        },
      );
      k += b;
    }
  }
  const zd = o.zero_division;
  if (task === "binary") return torchmetricsBinaryJaccard(stats, { zeroDivision: zd });
  if (o.average === "none" || o.average === null) {
    return torchmetricsMultilabelJaccardPerLabelOf(stats, { zeroDivision: zd });
  }
  return torchmetricsMultilabelJaccard(stats, {
    average: o.average,
    zeroDivision: zd,
    ignoreIndex: o.ignore_index,
    functional: c.call === "multilabel_jaccard_index",
  });
}

function sklearnCase(c: Case, warnings: SklearnWarning[]): number | number[] {
  const o = c.options;
  const yt = c.y_true as number[][], yp = c.y_pred as number[][];
  const L = yt[0]?.length ?? 0;
  return sklearnMultilabelJaccardRows(yt.flat(), yp.flat(), L, {
    average: o.average,
    zeroDivision: o.zero_division,
    labels: o.labels,
    onWarning: (w) => warnings.push(w),
  });
}

/**
 * Replays one parsed multilabel golden file (either library); never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayMultilabelGolden } from "./golden_multilabel.ts";
 * assert.equal(replayMultilabelGolden({ library: "torchmetrics-multilabel", cases: [] }).failed, 1);
 * ```
 *
 * @param file The parsed JSON.
 * @returns Passed and failed counts, one line per failure and a summary line.
 */
export function replayMultilabelGolden(file: unknown): PeerReplay {
  const out: PeerReplay = { passed: 0, failed: 0, lines: [] };
  const f = file as Case | null;
  const library = f?.library;
  if (
    (library !== "torchmetrics-multilabel" && library !== "scikit-learn-multilabel") ||
    !Array.isArray(f?.cases) || f.cases.length === 0
  ) {
    out.failed = 1;
    out.lines.push(`FAIL not a multilabel golden file with cases (library ${String(library)})`);
    return out;
  }
  const sk = library === "scikit-learn-multilabel";
  (f.cases as Case[]).forEach((c, i) => {
    const name = `${library} #${i} ${c.name} ${c.call} ${JSON.stringify(c.options)}`;
    const warnings: SklearnWarning[] = [];
    let problem: string | null = null;
    try {
      const got = sk ? sklearnCase(c, warnings) : torchmetricsCase(c);
      if (c.error !== undefined) problem = `want error ${c.error}, got ${JSON.stringify(got)}`;
      else problem = sameResult(c.result, got);
    } catch (e) {
      const text = errorText(e);
      if (c.error === undefined) problem = `want ${JSON.stringify(c.result?.value)}, got ${text}`;
      else if (text !== c.error) problem = `want error ${c.error}, got ${text}`;
    }
    if (problem === null && sk) {
      const have = [...new Set(warnings.map((w) => `${w.category}: ${w.message}`))].sort();
      const want = (c.warnings ?? []) as string[];
      if (JSON.stringify(have) !== JSON.stringify(want)) {
        problem = `warnings: want ${JSON.stringify(want)}, got ${JSON.stringify(have)}`;
      }
    }
    if (problem === null) out.passed++;
    else {
      out.failed++;
      out.lines.push(`FAIL ${name}: ${problem}`);
    }
  });
  out.lines.push(`${library} ${f.library_version}: ${out.passed} passed, ${out.failed} failed`);
  return out;
}
