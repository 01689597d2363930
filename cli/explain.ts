/**
 * `explain A B`: the step-by-step path from one definition of mean IoU to another, one option
 * at a time, Keras versions included.
 *
 * @module
 */

import type { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import { SegmentationStats } from "../lib/core/segmentation_stats.ts";
import type { KerasRun, KerasSpec } from "../lib/keras/audit.ts";
import { explain, type Explanation } from "../lib/metrics/explain.ts";
import { meanIoU } from "../lib/metrics/mean_iou.ts";
import { type Flags, InputError, intList, requireMasks } from "./args.ts";
import { countMasks, countOptions, loadSavedMatrix } from "./count.ts";
import { kerasFactory, kerasName, kerasWhy, parseKerasName } from "./keras_runs.ts";
import type { CommandResult } from "./output.ts";
import { nanOrNull, num, signed } from "./render.ts";
import { readSavedOrFail } from "./compare.ts";

/**
 * Runs `explain A B` with the parsed flags.
 *
 * @param v the flags
 * @param positionals the two definition names
 * @returns the steps and the exact matrix
 * @throws {InputError} for bad names, flags or input
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runExplain } from "./explain.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/cm.json`, "[[3, 1, 0], [0, 0, 0], [0, 0, 0]]");
 * const r = await runExplain({ cm: `${dir}/cm.json` }, ["dataset", "dataset-absent-zero"]);
 * const json = r.rendered.json as { from: { value: number }; to: { value: number } };
 * // IoUs 3/4 and 0; class 2 is absent: left out of the mean, or counted as 0
 * assert.deepEqual([json.from.value, json.to.value], [(3 / 4 + 0) / 2, (3 / 4 + 0 + 0) / 3]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runExplain(
  v: Flags,
  positionals: string[],
): Promise<CommandResult> {
  if (positionals.length !== 2) {
    throw new InputError(
      `Expected two definition names after 'explain' (e.g. 'explain dataset per-batch-8'), but ` +
        `found ${positionals.length}`,
    );
  }
  if (v.keras !== undefined || v.compiled) {
    throw new InputError(
      "Expected Keras as a definition name for 'explain' (e.g. keras-3.7-tensorflow-xla), not " +
        "--keras or --compiled",
    );
  }
  const [a, b] = positionals;
  const ka = parseKerasName(a, v), kb = parseKerasName(b, v);
  const specs = [ka, kb].filter((x): x is KerasSpec => x !== undefined);
  let stats: SegmentationStats | ConfusionMatrix;
  let runs: KerasRun[] = [];
  let skipped: CommandResult["skipped"];
  if (v.cm !== undefined) {
    if (specs.length > 0) {
      throw new InputError("Expected masks (--true/--pred) to explain Keras: --cm has no batches");
    }
    if (v.true !== undefined || v.pred !== undefined) {
      // one of them would be ignored silently, and the numbers would be another input's
      throw new InputError("Expected either --cm or --true/--pred, but found both");
    }
    stats = readSavedOrFail(await loadSavedMatrix(v.cm), v.cm).matrix;
  } else {
    const { t, p } = requireMasks(v, "explain");
    const o = countOptions(v);
    if (specs.length > 0) {
      try {
        const { KerasAudit } = await import("../lib/keras/audit.ts");
        new KerasAudit(2, specs);
      } catch (e) {
        throw new InputError(`${(e as Error).message}`);
      }
      const batchSize = (intList("batch-size", v["batch-size"], 1) ?? [8])[0];
      o.keras = await kerasFactory(specs, o.ignore, batchSize);
    }
    const counted = await countMasks(t, p, o);
    stats = counted.stats;
    skipped = o.skipped;
    runs = counted.keras?.finish(counted.stats.confusionMatrix) ?? [];
  }
  const cm = stats instanceof SegmentationStats ? stats.confusionMatrix : stats;
  const explainOrFail = (x: string, y: string): Explanation => {
    try {
      return explain(stats, x, y);
    } catch (err) {
      throw new InputError((err as Error).message);
    }
  };
  // Keras = dataset mIoU + epsilon (Keras 3) + float32 counting and arithmetic
  const kerasSteps = (r: KerasRun, name: string): Explanation["steps"] => {
    const exact = meanIoU(cm);
    const out: Explanation["steps"] = [];
    let value = exact;
    if (r.epsilonPart !== null && r.epsilonPart !== 0) {
      const withEps = exact + r.epsilonPart;
      out.push({
        option: "epsilon",
        from: "0",
        to: "1e-7",
        value: withEps,
        delta: withEps - value,
        why: "Keras 3 adds epsilon() = 1e-7 to every denominator",
      });
      value = withEps;
    }
    out.push({
      option: "keras",
      from: "exact float64",
      to: `${name} (${r.stateDtype} total_cm, batch ${r.batchSize})`,
      value: r.value ?? NaN,
      delta: (r.value ?? NaN) - value,
      why: kerasWhy(r),
    });
    return out;
  };
  const reverse = (steps: Explanation["steps"], start: number): Explanation["steps"] => {
    // the same steps walked backwards: values[j] is the value before original step j
    const values = [start, ...steps.map((s) => s.value)];
    const out: Explanation["steps"] = [];
    for (let j = steps.length - 1; j >= 0; j--) {
      const s = steps[j];
      out.push({
        ...s,
        from: s.to,
        to: s.from,
        value: values[j],
        delta: values[j] - values[j + 1],
      });
    }
    return out;
  };
  let e: Explanation;
  if (ka === undefined && kb === undefined) {
    e = explainOrFail(a, b);
  } else if (ka !== undefined && kb !== undefined) {
    const [ra, rb] = runs;
    e = {
      from: { name: a, value: ra.value ?? NaN },
      to: { name: b, value: rb.value ?? NaN },
      steps: [{
        option: "keras",
        from: a,
        to: b,
        value: rb.value ?? NaN,
        delta: (rb.value ?? NaN) - (ra.value ?? NaN),
        why: `${kerasWhy(rb)} (against ${kerasWhy(ra)})`,
      }],
    };
  } else if (kb !== undefined) {
    const toDataset = explainOrFail(a, "dataset");
    const r = runs[0];
    e = {
      from: toDataset.from,
      to: { name: b, value: r.value ?? NaN },
      steps: [...toDataset.steps, ...kerasSteps(r, b)],
    };
  } else {
    const r = runs[0];
    const fromDataset = explainOrFail("dataset", b);
    const back = reverse(kerasSteps(r, a), meanIoU(cm));
    e = {
      from: { name: a, value: r.value ?? NaN },
      to: fromDataset.to,
      steps: [...back, ...fromDataset.steps],
    };
  }
  const json = {
    command: "explain",
    from: { name: e.from.name, value: nanOrNull(e.from.value) },
    to: { name: e.to.name, value: nanOrNull(e.to.value) },
    steps: e.steps.map((s) => ({ ...s, value: nanOrNull(s.value), delta: nanOrNull(s.delta) })),
    keras: runs.map((r) => ({ name: kerasName(r), ...r })),
  };
  return {
    rendered: {
      json,
      header: [`${e.from.name} = ${num(e.from.value)}  ->  ${e.to.name} = ${num(e.to.value)}`],
      tables: [{
        columns: ["step", "option", "from", "to", "value", "change", "why"],
        rows: [
          [0, "start", "", "", e.from.value, null, e.from.name],
          ...e.steps.map((s, k) => [
            k + 1,
            s.option,
            s.from,
            s.to,
            s.value,
            Number.isNaN(s.delta) ? "NaN" : signed(s.delta),
            s.why,
          ]),
        ],
      }],
      footer: [],
    },
    cm,
    skipped,
  };
}
