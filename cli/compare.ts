/**
 * `compare`: every definition of mean IoU side by side on the exact counts of masks (or of a
 * saved confusion matrix), with what the emulated Keras versions report.
 *
 * @module
 */

import { compare, type Comparison } from "../lib/metrics/compare.ts";
import type { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import { readSavedMatrix, type SavedMatrixReport } from "../lib/keras/saved_matrix.ts";
import type { kerasResultOnMatrix, KerasRun } from "../lib/keras/audit.ts";
import { type Flags, InputError, intList, requireMasks } from "./args.ts";
import { countMasks, countOptions, loadSavedMatrix, type SavedCounts } from "./count.ts";
import { kerasFactory, kerasName, kerasSpecs, kerasWhy } from "./keras_runs.ts";
import type { CommandResult } from "./output.ts";
import { num, type Rendered } from "./render.ts";
import { sharding } from "./merge.ts";

/**
 * Runs `compare` with the parsed flags.
 *
 * @param v the flags
 * @returns the output and the exact matrix
 * @throws {InputError} for bad flags or input
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCompare } from "./compare.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/cm.json`, "[[3, 1], [0, 4]]");
 * const r = await runCompare({ cm: `${dir}/cm.json` });
 * const json = r.rendered.json as { values: Record<string, number> };
 * assert.equal(json.values.dataset, (3 / 4 + 4 / 5) / 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runCompare(v: Flags): Promise<CommandResult> {
  const batchSizes = intList("batch-size", v["batch-size"], 1) ?? [8];
  if (v.cm !== undefined) {
    if (v.keras !== undefined || v.compiled || v.backend !== undefined) {
      throw new InputError(
        "Expected no --keras with --cm: Keras is emulated from masks (a saved matrix has lost " +
          "the batches)",
      );
    }
    if (v.true !== undefined || v.pred !== undefined) {
      throw new InputError("Expected either --cm or --true/--pred, but found both");
    }
    if (v.shard !== undefined) {
      throw new InputError("Expected no --shard with --cm: a saved matrix has no files to split");
    }
    const saved = await loadSavedMatrix(v.cm);
    const { report, matrix: cm } = readSavedOrFail(saved, v.cm);
    let c: Comparison;
    try {
      c = compare(cm);
    } catch (e) {
      // no definition refuses a valid matrix today; if one did, it is this file's fault
      if (!(e instanceof RangeError)) throw e;
      throw new InputError(`${v.cm}: ${e.message}`);
    }
    // what Keras's result() gives on this state: the generations whose total_cm has this dtype
    const versions = saved.dtype === "float32"
      ? ["2.15", "3.7"]
      : saved.dtype.startsWith("int") || saved.dtype.startsWith("uint")
      ? ["3.15"]
      : ["3.7", "3.15"];
    const kerasResults = report.integerCounts || saved.dtype === "float32"
      ? await Promise.all(versions.map(async (ver) => {
        const { kerasResultOnMatrix } = await import("../lib/keras/audit.ts");
        return kerasResultOnMatrix(saved.counts, saved.numClasses, ver);
      }))
      : [];
    return {
      rendered: comparisonOutput(c, { cm: v.cm, dtype: saved.dtype }, {
        ...report,
        kerasResults,
      }),
      cm,
    };
  }
  const { t, p } = requireMasks(v, "compare");
  const o = countOptions(v);
  // Keras 3.7 and 3.15 by default (free: Keras gets each batch's counts); several ignore labels
  // have no Keras equivalent, so the default is dropped then (an explicit --keras is an error)
  const defaultKeras = v.keras === undefined && o.ignore.length > 1 ? "none" : "3.7,3.15";
  const specs = await kerasSpecs(v, defaultKeras);
  o.keras = await kerasFactory(specs, o.ignore, batchSizes[0]);
  const shards = sharding(v, o, specs, batchSizes); // --shard, --save-state (cli/merge.ts)
  o.selectPairs = shards?.selectPairs;
  o.onImage = shards?.onImage;
  const counted = await countMasks(t, p, o);
  const c = compare(counted.stats, { batchSizes });
  const keras = counted.keras?.finish(counted.stats.confusionMatrix) ?? [];
  return {
    rendered: comparisonOutput(
      c,
      {
        true: t,
        pred: p,
        files: counted.files,
        numClasses: counted.numClasses,
        classesInferred: counted.classesInferred,
        ignore: o.ignore,
        outOfRange: o.outOfRange,
        axis: o.axis ?? null,
        batchSizes,
      },
      undefined,
      keras,
    ),
    cm: counted.stats.confusionMatrix,
    state: shards?.state(counted.classesInferred),
    skipped: o.skipped,
  };
}

/**
 * A saved matrix read as `compare --cm` and `explain --cm` read it ({@linkcode readSavedMatrix}):
 * its report and its exact matrix, or one line naming the file. Negative cells are refused with
 * the cells that wrapped and why (an int32 count that passed 2^31 - 1 cannot be recovered); a
 * total past 2^53, too many classes or any other `RangeError` is refused with its message.
 *
 * @param saved the matrix as loaded from the file
 * @param path the file, for messages
 * @returns the report and the matrix
 * @throws {InputError} naming the file
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSavedOrFail } from "./compare.ts";
 * const wrapped = { counts: new Int32Array([-2147483000, 1, 1, 5]), numClasses: 2, dtype: "int32" };
 * assert.throws(
 *   () => readSavedOrFail(wrapped, "cm.npy"),
 *   /^InputError: cm\.npy: .*cell \(0, 0\) = -2147483000.*int32 count that wrapped/,
 * );
 * const fine = { counts: [3, 1, 0, 4], numClasses: 2, dtype: "json" };
 * assert.equal(readSavedOrFail(fine, "cm.json").matrix.total, 8);
 * ```
 */
export function readSavedOrFail(
  saved: SavedCounts,
  path: string,
): { report: SavedMatrixReport; matrix: ConfusionMatrix } {
  let reading;
  try {
    reading = readSavedMatrix(saved.counts, saved.numClasses, saved.dtype, path);
  } catch (e) {
    // RangeError (prefixed with the path) or an allocation failure: one line, exit code 2
    const message = (e as Error)?.message ?? String(e);
    throw new InputError(message.startsWith(`${path}: `) ? message : `${path}: ${message}`);
  }
  const { report, matrix } = reading;
  if (matrix === null) {
    const cells = report.negativeCells;
    const shown = cells.slice(0, 5).map((c) => `(${c.trueClass}, ${c.predClass}) = ${c.value}`);
    throw new InputError(
      `${path}: Expected counts >= 0, but found negative ${
        cells.length === 1 ? "cell" : `cells (${cells.length})`
      } ${shown.join(", ")}${cells.length > 5 ? `, and ${cells.length - 5} more` : ""}: ` +
        `the signature of an int32 count that wrapped past 2^31 - 1 = 2,147,483,647, so the ` +
        `counts cannot be recovered; recount from the masks, or keep total_cm in int64 or float64`,
    );
  }
  return { report, matrix };
}

function nanToNull(xs: number[]): (number | null)[] {
  return xs.map((x) => (Number.isNaN(x) ? null : x));
}

/**
 * The output of a comparison: every definition, the Keras runs, the libraries, and for a saved
 * matrix the signs of float32 damage.
 *
 * @param c the comparison
 * @param input the input's description in JSON
 * @param saved the saved matrix's analysis (with `--cm`)
 * @param keras the Keras runs
 * @returns the output
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compare } from "../lib/metrics/compare.ts";
 * import { savedMatrix } from "../lib/keras/saved_matrix.ts";
 * import { comparisonOutput } from "./compare.ts";
 * const out = comparisonOutput(compare(savedMatrix([3, 1, 0, 4], 2)), { cm: "m.json" });
 * assert.equal(out.tables[0].rows[0][0], "dataset");
 * ```
 */
export function comparisonOutput(
  c: Comparison,
  input: Record<string, unknown>,
  saved?: SavedMatrixReport & { kerasResults: ReturnType<typeof kerasResultOnMatrix>[] },
  keras: KerasRun[] = [],
): Rendered {
  const values: Record<string, number | null> = {};
  const definitions = c.definitions.map((d) => {
    const value = Number.isNaN(d.value) ? null : d.value;
    values[d.name] = value;
    return {
      name: d.name,
      value,
      options: d.options,
      formula: d.formula,
      why: d.why,
      usedBy: d.usedBy,
    };
  });
  const json: Record<string, unknown> = {
    command: "compare",
    input,
    numClasses: c.numClasses,
    numImages: c.numImages,
    pixels: c.pixels,
    confusionMatrix: c.confusionMatrix,
    perClassIoU: nanToNull(c.perClassIoU),
    absentClasses: c.absentClasses,
    predictedOnlyClasses: c.predictedOnlyClasses,
    values,
    definitions,
  };
  for (const r of keras) values[kerasName(r)] = r.value;
  json.keras = keras.map((r) => ({ name: kerasName(r), ...r }));
  json.libraries = (c.libraries ?? []).map((l) => ({
    ...l,
    value: Number.isNaN(l.value) ? null : l.value,
  }));
  if (saved) json.savedMatrix = saved;
  const header = [
    c.numImages > 0
      ? `${c.numImages} images, ${c.pixels} counted pixels, ${c.numClasses} classes`
      : `saved confusion matrix: ${c.pixels} pixels, ${c.numClasses} classes (dataset-level ` +
        `definitions only)`,
    `absent classes: ${c.absentClasses.join(", ") || "none"}; predicted-only classes: ${
      c.predictedOnlyClasses.join(", ") || "none"
    }`,
  ];
  const footer = [
    "per-class IoU (dataset): " +
    c.perClassIoU.map((v, k) => `${k}: ${Number.isNaN(v) ? "absent" : v.toFixed(4)}`).join("  "),
  ];
  if (saved) {
    footer.push("", `saved matrix (${saved.dtype}): ${saved.verdict}`);
    for (const f of saved.findings) footer.push(`- ${f}`);
    for (const k of saved.kerasResults) {
      footer.push(
        `- Keras ${k.version} (${k.backend}) result() with this total_cm: ${
          k.value === null ? `raises ${k.error}` : num(k.value, 8)
        }`,
      );
    }
  }
  const libraries = c.libraries ?? [];
  return {
    json,
    header,
    tables: [
      {
        columns: ["definition", "value", "why"],
        rows: [
          ...c.definitions.map((d) => [d.name, d.value, d.why] as (string | number | null)[]),
          ...keras.map((r) => [kerasName(r), r.value, kerasWhy(r)]),
        ],
      },
      ...(libraries.length === 0 ? [] : [{
        columns: ["library", "versions", "value", "what it computes"],
        rows: libraries.map((l) => [
          l.name,
          l.versions,
          Number.isNaN(l.value) ? (l.error ?? "n/a") : l.value,
          l.description,
        ]),
      }]),
    ],
    footer,
  };
}
