/**
 * `deno task golden [DIR...]`: replays every golden file (`*.json`) in the given folders
 * (default: `golden/keras`, the real-Keras runs, and `golden/peers`, the peer libraries' runs) and
 * prints one line per mismatch and a final `N passed, N failed`
 * line; exits non-zero on any mismatch.
 *
 * Files with `keras_version` are real-Keras runs: their inputs are regenerated from each
 * scenario's `generator` (or taken from the stored layout / explicit inputs), fed to the Keras
 * emulation for the file's `keras_version`, `keras_backend`, `compiled` and `numpy_version`, and
 * every recorded `result` (same float64 bits), `total_cm` and error is compared. Files with a
 * top-level `library` field go to `replayPeerGolden` (tools/golden_peers.ts).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { generateGoldenBatch, type GoldenGeneratorParams } from "../lib/io/golden_generator.ts";
import { KerasError } from "../lib/keras/error.ts";
import {
  BinaryIoU,
  IoU,
  type KerasEmulationOptions,
  MeanIoU,
  OneHotIoU,
  OneHotMeanIoU,
} from "../lib/keras/iou_metrics.ts";
import type { KerasInput } from "../lib/keras/tensor.ts";
import type { KerasBackend } from "../lib/keras/version.ts";
import { replayPeerGolden } from "./golden_peers.ts";

/** Outcome of a replay: counts of compared records and one line per mismatch. */
export interface GoldenReplay {
  passed: number;
  failed: number;
  lines: string[];
}

// deno-lint-ignore no-explicit-any
type Json = any;

interface Batch {
  yTrue: KerasInput;
  yPred: KerasInput;
  /** one-hot y_true for metrics with sparse_y_true = false (S5) */
  yTrueOneHot?: KerasInput;
  sampleWeight?: KerasInput;
}

/** Labels as Keras got them (int64 arrays), held as uint8 when they fit (the fast path). */
function int64(data: ArrayLike<number>, shape: readonly number[]): KerasInput {
  let fits = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= 0 && v <= 255 && Number.isInteger(v))) {
      fits = false;
      break;
    }
  }
  return { data: fits ? Uint8Array.from(data) : data, shape, dtype: "int64" };
}

function weightsInput(
  data: ArrayLike<number> | null | undefined,
  shape: readonly number[],
  dtype: string | undefined,
): KerasInput | undefined {
  if (data === null || data === undefined) return undefined;
  let d = dtype;
  if (d === undefined) {
    d = Array.from(data).every((v) => Number.isInteger(v)) ? "int64" : "float32";
  }
  return { data, shape, dtype: d as "int64" | "float32" | "float64" };
}

// The same generated batches appear in many files (one per version and backend): keep the
// uint8 ones, up to a budget, for the whole run.
const batchCache = new Map<string, Batch>();
const CACHE_BYTES = 256 * 1024 * 1024;
let cachedBytes = 0;

function parseLayout(layout: string): Array<Array<[number, number, number]>> {
  const tuples = (s: string): Array<[number, number, number]> =>
    Array.from(s.matchAll(/\(\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(\d+)\s*\)/g)).map(
      (m) => [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number],
    );
  const body = layout.slice(layout.indexOf(":") + 1);
  const groups = Array.from(body.matchAll(/\[([^[\]]*)\]/g)).map((m) => tuples(m[1]));
  if (groups.length > 0) return groups;
  return [tuples(body)];
}

function layoutBatch(runs: Array<[number, number, number]>): Batch {
  if (runs.some(([a, b]) => a < 0 || a > 255 || b < 0 || b > 255)) {
    throw new RangeError("Expected layout labels in [0, 255]");
  }
  let n = 0;
  for (const r of runs) n += r[2];
  const t = new Uint8Array(n);
  const p = new Uint8Array(n);
  let k = 0;
  for (const [a, b, c] of runs) {
    t.fill(a, k, k + c);
    p.fill(b, k, k + c);
    k += c;
  }
  return {
    yTrue: { data: t, shape: [n], dtype: "int64" },
    yPred: { data: p, shape: [n], dtype: "int64" },
  };
}

function explicitBatch(o: Json, weightsDtype?: string): Batch {
  if (o.y_pred_probs !== undefined) {
    const shape: number[] = o.shape;
    const k = shape[shape.length - 1];
    const sparse: number[] = o.y_true_sparse;
    const oneHot = new Float32Array(sparse.length * k);
    sparse.forEach((c, i) => (oneHot[i * k + c] = 1));
    return {
      yTrue: int64(sparse, shape.slice(0, -1)),
      yTrueOneHot: { data: oneHot, shape, dtype: "float32" },
      yPred: { data: Float32Array.from(o.y_pred_probs), shape, dtype: "float32" },
    };
  }
  const shape: number[] = o.shape ?? [o.y_true.length];
  return {
    yTrue: int64(o.y_true, shape),
    yPred: int64(o.y_pred, shape),
    sampleWeight: weightsInput(o.sample_weight, shape, weightsDtype),
  };
}

function makeMetric(rec: Json, emu: KerasEmulationOptions): IoU {
  const c = rec.config ?? {};
  const dtype: string | undefined = c.dtype ?? rec.dtype ?? undefined;
  const common = { ...emu, dtype, name: c.name ?? undefined };
  const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
  switch (rec.class) {
    case "IoU":
      return new IoU({
        ...common,
        numClasses: c.num_classes,
        targetClassIds: c.target_class_ids,
        ignoreClass: opt(c.ignore_class),
        sparseYTrue: opt(c.sparse_y_true),
        sparseYPred: opt(c.sparse_y_pred),
        axis: opt(c.axis),
      });
    case "MeanIoU":
      return new MeanIoU({
        ...common,
        numClasses: c.num_classes,
        ignoreClass: opt(c.ignore_class),
        sparseYTrue: opt(c.sparse_y_true),
        sparseYPred: opt(c.sparse_y_pred),
        axis: opt(c.axis),
      });
    case "BinaryIoU":
      return new BinaryIoU({
        ...common,
        targetClassIds: opt(c.target_class_ids),
        threshold: opt(c.threshold),
      });
    case "OneHotIoU":
      return new OneHotIoU({
        ...common,
        numClasses: c.num_classes,
        targetClassIds: c.target_class_ids,
        ignoreClass: opt(c.ignore_class),
        sparseYPred: opt(c.sparse_y_pred),
        axis: opt(c.axis),
      });
    case "OneHotMeanIoU":
      return new OneHotMeanIoU({
        ...common,
        numClasses: c.num_classes,
        ignoreClass: opt(c.ignore_class),
        sparseYPred: opt(c.sparse_y_pred),
        axis: opt(c.axis),
      });
    default:
      throw new RangeError(`Expected a Keras IoU metric class, but found ${rec.class}`);
  }
}

function sameCm(a: number[][], b: number[][]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== b[i].length) return false;
    for (let j = 0; j < a[i].length; j++) if (!Object.is(a[i][j], b[i][j])) return false;
  }
  return true;
}

function errorType(e: string | null): string | null {
  return e === null ? null : e.split(":")[0].trim();
}

/**
 * Replays one real-Keras golden file (one with `keras_version`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayKerasGolden } from "./golden.ts";
 * const file = {
 *   keras_version: "3.7.0", keras_backend: "numpy", numpy_version: "2.4.6", compiled: null,
 *   scenarios: { S9: [{ name: "S9b", y_true: [0, 1, 2, 2], y_pred: [0, 1, 2, 3],
 *     metrics: [{ class: "MeanIoU", config: { num_classes: 3, dtype: "float32" } }],
 *     per_metric: [{ error: "IndexError: index 3 is out of bounds for axis 1 with size 3",
 *       result: 0, total_cm: [[0, 0, 0], [0, 0, 0], [0, 0, 0]] }] }] },
 * };
 * assert.deepEqual(replayKerasGolden(file, "demo"), { passed: 1, failed: 0, lines: [] });
 * ```
 */
export function replayKerasGolden(file: Json, label: string): GoldenReplay {
  const out: GoldenReplay = { passed: 0, failed: 0, lines: [] };
  const emu: KerasEmulationOptions = {
    version: String(file.keras_version),
    backend: (file.keras_backend ?? "tensorflow") as KerasBackend,
    compiled: file.compiled ? "xla" : false,
    numpyVersion: file.numpy_version ? String(file.numpy_version) : undefined,
  };
  for (const [key, value] of Object.entries(file.scenarios ?? {})) {
    const list: Json[] = Array.isArray(value) ? value : [value];
    for (const sc of list) replayScenario(sc, key, label, emu, out);
  }
  return out;
}

function replayScenario(
  sc: Json,
  key: string,
  label: string,
  emu: KerasEmulationOptions,
  out: GoldenReplay,
): void {
  const name = `${label} ${sc.name ?? key}`;
  const recs: Json[] = sc.metrics ?? [];
  const fail = (msg: string): void => {
    out.failed++;
    out.lines.push(`${name}: ${msg}`);
  };
  let metrics: IoU[];
  try {
    metrics = recs.map((r) => makeMetric(r, emu));
  } catch (e) {
    fail(`cannot build the metrics: ${(e as Error).message}`);
    return;
  }
  // batches: a function so that big generated batches are made one at a time
  let count = 0;
  let batchAt: (b: number) => Batch;
  const gen: GoldenGeneratorParams | undefined = sc.generator;
  const steps: Json[] | undefined = Array.isArray(sc.steps) ? sc.steps : undefined;
  if (gen) {
    count = gen.batches;
    batchAt = (b) => {
      const key = `${JSON.stringify(gen)}#${b}`;
      const hit = batchCache.get(key);
      if (hit) return hit;
      const g = generateGoldenBatch(gen, b);
      const batch: Batch = {
        yTrue: int64(g.yTrue, g.shape),
        yPred: int64(g.yPred, g.shape),
        sampleWeight: weightsInput(g.sampleWeight, g.shape, gen.weights_dtype),
      };
      const bytes = 2 * g.yTrue.length;
      const t = batch.yTrue as { data: ArrayLike<number> };
      if (
        t.data instanceof Uint8Array && g.sampleWeight === null &&
        cachedBytes + bytes <= CACHE_BYTES
      ) {
        batchCache.set(key, batch);
        cachedBytes += bytes;
      }
      return batch;
    };
    if (Array.isArray(sc.inputs)) {
      for (let b = 0; b < sc.inputs.length; b++) {
        const g = generateGoldenBatch(gen, b);
        const inp = sc.inputs[b];
        const same = (x: ArrayLike<number> | null, y: number[] | null | undefined): boolean =>
          (x === null && (y === null || y === undefined)) ||
          (x !== null && y !== null && y !== undefined && x.length === y.length &&
            y.every((v, i) => v === x[i]));
        if (
          !same(g.yTrue, inp.y_true) || !same(g.yPred, inp.y_pred) ||
          !same(g.sampleWeight, inp.sample_weight)
        ) {
          fail(`the generator does not reproduce the stored inputs of batch ${b}`);
          return;
        }
      }
    }
  } else if (typeof sc.layout === "string") {
    const groups = parseLayout(sc.layout);
    count = groups.length;
    batchAt = (b) => layoutBatch(groups[b]);
  } else if (Array.isArray(sc.inputs)) {
    count = sc.inputs.length;
    batchAt = (b) => explicitBatch(sc.inputs[b]);
  } else if (sc.y_true !== undefined) {
    count = 1;
    batchAt = () => explicitBatch(sc);
  } else if (steps && steps.length > 0 && steps[0].y_true !== undefined) {
    count = steps.length;
    batchAt = (b) => explicitBatch(steps[b], "int64");
  } else {
    batchAt = () => {
      throw new Error("no batches");
    };
  }
  // which records to compare after which batch
  const checks = new Map<number, Json[]>(); // batch index (-1: before any) -> per_metric
  if (steps) {
    steps.forEach((st, i) => {
      if (!Array.isArray(st.per_metric)) return;
      const b = typeof st.after_batch === "number" ? st.after_batch - 1 : i;
      checks.set(b, st.per_metric);
    });
  } else if (Array.isArray(sc.per_metric)) {
    checks.set(count - 1, sc.per_metric);
  }
  const compare = (b: number, per: Json[]): void => {
    per.forEach((rec, mi) => {
      const m = metrics[mi];
      if (!m || !rec) return;
      const where = `metric ${mi} (${recs[mi].class} ${recs[mi].dtype ?? ""})${
        b >= 0 ? ` after batch ${b + 1}` : ""
      }`;
      const problems: string[] = [];
      const expErr = errorType(rec.error ?? null);
      const gotErr = errorType(lastError[mi]);
      if (expErr !== gotErr) {
        problems.push(`error expected ${rec.error ?? "none"}, got ${lastError[mi] ?? "none"}`);
      }
      if (Array.isArray(rec.total_cm) && !sameCm(rec.total_cm, m.totalCm)) {
        problems.push(
          `total_cm expected ${JSON.stringify(rec.total_cm)}, got ${JSON.stringify(m.totalCm)}`,
        );
      }
      if (typeof rec.result === "number") {
        let got: number | string;
        try {
          got = m.result();
        } catch (e) {
          got = `error ${(e as Error).message}`;
        }
        if (!Object.is(got, rec.result)) {
          problems.push(`result expected ${rec.result}, got ${got}`);
        }
      }
      if (problems.length === 0) out.passed++;
      else fail(`${where}: ${problems.join("; ")}`);
    });
  };
  const lastError: (string | null)[] = metrics.map(() => null);
  if (checks.has(-1)) compare(-1, checks.get(-1) as Json[]);
  for (let b = 0; b < count; b++) {
    const batch = batchAt(b);
    metrics.forEach((m, mi) => {
      const oneHot = recs[mi].config?.sparse_y_true === false ||
        String(recs[mi].class).startsWith("OneHot");
      const yt = oneHot && batch.yTrueOneHot ? batch.yTrueOneHot : batch.yTrue;
      try {
        m.updateState(yt, batch.yPred, batch.sampleWeight);
        lastError[mi] = null;
      } catch (e) {
        lastError[mi] = e instanceof KerasError ? e.kerasError : `JSError: ${(e as Error).message}`;
      }
    });
    const per = checks.get(b);
    if (per) compare(b, per);
  }
  if (count === 0 && checks.size === 0 && Array.isArray(sc.per_metric)) {
    compare(-1, sc.per_metric);
  }
}

/**
 * Replays every `*.json` golden file in the given folders (sorted by name), dispatching by kind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayGoldenDirs } from "./golden.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/peer.json`, JSON.stringify({ library: "sklearn" }));
 * const r = replayGoldenDirs([dir]);
 * assert.equal(r.failed, 1);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function replayGoldenDirs(dirs: readonly string[]): GoldenReplay {
  const total: GoldenReplay = { passed: 0, failed: 0, lines: [] };
  for (const dir of dirs) {
    const files = Array.from(Deno.readDirSync(dir))
      .filter((e) => e.isFile && e.name.endsWith(".json"))
      .map((e) => e.name)
      .sort();
    for (const f of files) {
      const path = `${dir}/${f}`;
      let json: Json;
      try {
        json = JSON.parse(Deno.readTextFileSync(path));
      } catch (e) {
        total.failed++;
        total.lines.push(`${path}: not valid JSON (${(e as Error).message})`);
        continue;
      }
      let r: GoldenReplay;
      if (json && typeof json === "object" && "keras_version" in json) {
        r = replayKerasGolden(json, f);
      } else if (json && typeof json === "object" && "library" in json) {
        // A peer file that cannot be replayed, or that replays no case, fails: never a silent pass.
        const lib = String((json as { library: unknown }).library);
        try {
          const p = replayPeerGolden(json);
          r = p.passed + p.failed === 0
            ? {
              passed: 0,
              failed: 1,
              lines: [`${f}: ${lib} golden file: no case replayed (not supported yet, or empty)`],
            }
            : { passed: p.passed, failed: p.failed, lines: p.lines.map((l) => `${f}: ${l}`) };
        } catch (e) {
          r = {
            passed: 0,
            failed: 1,
            lines: [`${f}: ${lib} golden files: not supported yet (${(e as Error).message})`],
          };
        }
      } else {
        continue; // not a golden file
      }
      total.passed += r.passed;
      total.failed += r.failed;
      total.lines.push(...r.lines);
    }
  }
  return total;
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { verbose: { type: "boolean", short: "v" } },
  });
  const dirs = positionals.length > 0
    ? positionals
    : ["golden/keras", "golden/peers", "golden/keras-state"];
  const t0 = performance.now();
  const r = replayGoldenDirs(dirs);
  for (const line of r.lines) console.log(line);
  if (values.verbose) console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(`${r.passed} passed, ${r.failed} failed`);
  if (r.failed > 0) Deno.exit(1);
}
