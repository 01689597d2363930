/**
 * Replays the golden files of other libraries (written by `tools/peers_oracle.py` from real
 * torchmetrics and scikit-learn runs) against the profiles in `lib/profile_*.ts`.
 *
 * A float64 result must match to the last bit; a float32 result within one float32 ulp (the
 * line says when it is not bit-exact). An expected error must be an error here too; for
 * scikit-learn, the same one: a `SklearnError` of the same exception class and message.
 *
 * Usage: `deno run --allow-read tools/golden_peers.ts golden/peers-*.json`
 *
 * @module
 */

import { cdf24, pick24, u24 } from "../lib/io/golden_generator.ts";
import { OTHER_LIBRARY_REPLAYS } from "./golden_replays.ts";
import {
  torchColumnSums32,
  torchRowSums32,
  torchSum32,
  torchVectorWidth,
} from "../lib/float32/reduction_order.ts";
import { torchHistcRuns32 } from "../lib/float32/torch_histc.ts";
import { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import { SegmentationStats } from "../lib/core/segmentation_stats.ts";
import {
  torchmetricsBinaryJaccardIndex,
  torchmetricsConfusionMatrix,
  torchmetricsJaccardIndex,
  torchmetricsJaccardPerClass,
  type TorchmetricsZeroDivision,
} from "../lib/peers/torchmetrics.ts";
import {
  torchmetricsIoUPerImageClass,
  torchmetricsMeanIoU,
  torchmetricsMeanIoUPerClass,
  torchmetricsMeanIoUPerImage,
} from "../lib/peers/torchmetrics_meaniou.ts";
import {
  torchmetricsMultilabelJaccardIndex,
  torchmetricsMultilabelJaccardPerLabel,
} from "../lib/peers/torchmetrics_multilabel.ts";
import {
  sklearnConfusionMatrix,
  SklearnError,
  sklearnJaccardPerClass,
  sklearnJaccardScore,
  type SklearnLabelsSeen,
  sklearnLabelsSeen,
  type SklearnZeroDivision,
} from "../lib/peers/sklearn.ts";

/** Outcome of one replayed file. */
export interface PeerReplay {
  passed: number;
  failed: number;
  lines: string[];
}

// ------------------------------------------------------------------ inputs
interface Generator {
  num_images: number;
  pixels_per_image: number;
  sT: number;
  sC: number;
  sP: number;
  wT: number[];
  wP: number[];
  acc: number | number[];
  labels_true?: number[];
  void_category?: number;
}

interface Inputs {
  num_classes: number;
  images?: { true: number[]; pred: number[] }[];
  runs?: [number, number, number][][];
  generator?: Generator;
  confmat?: number[][];
  num_labels?: number;
  /** Multilabel task: per image, one flat mask per label. */
  multilabel_images?: { true: number[][]; pred: number[][] }[];
}

type Image = [Int32Array, Int32Array];

/** The images of the lowbias32 generator (golden/keras/README.md). */
export function generateImages(g: Generator): Image[] {
  const cT = cdf24(g.wT);
  const cP = cdf24(g.wP);
  const acc = Array.isArray(g.acc) ? g.acc : g.wT.map(() => g.acc as number);
  const out: Image[] = [];
  for (let b = 0; b < g.num_images; b++) {
    const t = new Int32Array(g.pixels_per_image);
    const p = new Int32Array(g.pixels_per_image);
    for (let j = 0; j < g.pixels_per_image; j++) {
      const i = b * g.pixels_per_image + j;
      const cat = pick24(u24(g.sT, i), cT);
      t[j] = g.labels_true ? g.labels_true[cat] : cat;
      const keep = cat !== g.void_category && u24(g.sC, i) < acc[cat];
      p[j] = keep ? cat : pick24(u24(g.sP, i), cP);
    }
    out.push([t, p]);
  }
  return out;
}

function images(inputs: Inputs): Image[] {
  if (inputs.images) {
    return inputs.images.map((im) => [Int32Array.from(im.true), Int32Array.from(im.pred)]);
  }
  if (inputs.runs) {
    return inputs.runs.map((runs) => {
      const n = runs.reduce((a, r) => a + r[2], 0);
      const t = new Int32Array(n);
      const p = new Int32Array(n);
      let k = 0;
      for (const [a, b, c] of runs) {
        t.fill(a, k, k + c);
        p.fill(b, k, k + c);
        k += c;
      }
      return [t, p];
    });
  }
  if (inputs.generator) return generateImages(inputs.generator);
  throw new RangeError("Expected images, runs or generator in the scenario inputs");
}

function concat(list: Int32Array[]): Int32Array {
  const out = new Int32Array(list.reduce((a, x) => a + x.length, 0));
  let k = 0;
  for (const x of list) {
    out.set(x, k);
    k += x.length;
  }
  return out;
}

// ------------------------------------------------------------------ comparison
function decode(v: unknown): number {
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  if (typeof v !== "number") throw new TypeError(`Expected a number, but found ${v}`);
  return v;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
function f32Bits(x: number): number {
  F32[0] = x;
  return U32[0];
}

/** Distance in float32 ulps (0 = same bits; NaN = NaN counts as 0). */
function ulps32(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  if (Math.fround(a) !== a || Math.fround(b) !== b) return Infinity;
  if (Math.sign(a) !== Math.sign(b)) return Infinity;
  return Math.abs(f32Bits(a) - f32Bits(b));
}

interface Verdict {
  ok: boolean;
  exact: boolean;
  detail: string;
}

function compareValues(got: number[], want: number[], float32: boolean): Verdict {
  if (got.length !== want.length) {
    return { ok: false, exact: false, detail: `length ${got.length} != ${want.length}` };
  }
  let worst = 0;
  for (let k = 0; k < got.length; k++) {
    const d = float32 ? ulps32(got[k], want[k]) : (Object.is(got[k], want[k]) ||
        (Number.isNaN(got[k]) && Number.isNaN(want[k])) || got[k] === want[k])
      ? 0
      : Infinity;
    if (d > worst) worst = d;
    if (d > (float32 ? 1 : 0)) {
      return {
        ok: false,
        exact: false,
        detail: `index ${k}: got ${got[k]}, want ${want[k]}${float32 ? ` (${d} ulp)` : ""}`,
      };
    }
  }
  return { ok: true, exact: worst === 0, detail: worst === 0 ? "exact" : `${worst} ulp` };
}

interface Case {
  metric: string;
  options: Record<string, unknown>;
  result: { value: unknown; dtype: string } | null;
  error: string | null;
}

interface Scenario {
  name: string;
  inputs: Inputs;
  cases: Case[];
}

/**
 * How the oracle records a scikit-learn error: `Class: first line of the message` (200 chars at
 * most); null for an error that is not scikit-learn's (a limit of the profile).
 */
function sklearnErrorText(e: unknown): string | null {
  if (!(e instanceof SklearnError)) return null;
  return `${e.errorClass}: ${e.message.split("\n")[0].slice(0, 200)}`;
}

function judge(
  c: Case,
  compute: () => number | number[],
  errorText?: (e: unknown) => string | null,
): Verdict {
  let got: number[] | null = null;
  let err: unknown = null;
  try {
    const v = compute();
    got = Array.isArray(v) ? v : [v];
  } catch (e) {
    err = e;
  }
  if (c.error !== null) {
    if (got !== null) {
      return { ok: false, exact: false, detail: `expected error "${c.error}", got ${got}` };
    }
    if (errorText === undefined) return { ok: true, exact: true, detail: "error as expected" };
    const text = errorText(err);
    return text === c.error ? { ok: true, exact: true, detail: "same error" } : {
      ok: false,
      exact: false,
      detail: `expected error "${c.error}", got "${text ?? (err as Error)?.message}"`,
    };
  }
  if (got === null) {
    return { ok: false, exact: false, detail: `unexpected error: ${(err as Error)?.message}` };
  }
  const want = c.result!.value;
  const wantList = (Array.isArray(want) ? want : [want]).map(decode);
  return compareValues(got, wantList, c.result!.dtype === "float32");
}

// ------------------------------------------------------------------ torchmetrics
function zdTorch(v: unknown): TorchmetricsZeroDivision {
  return v === "nan" || v === "warn" ? v : Number(v);
}

function torchmetricsCase(
  sc: Scenario,
  imgs: Image[] | null,
  c: Case,
  cache: Map<string, unknown>,
  vectorWidth: number,
): () => number | number[] {
  const o = c.options;
  const C = sc.inputs.num_classes;
  const ignore = (o.ignore_index ?? null) as number | null;
  const zd = zdTorch(o.zero_division ?? 0);
  const average = o.average as string;
  const reduce = (cm: ConfusionMatrix) =>
    average === "none" || average === null
      ? torchmetricsJaccardPerClass(cm, { zeroDivision: zd, vectorWidth })
      : torchmetricsJaccardIndex(cm, {
        average: average as "macro" | "micro" | "weighted",
        ignoreIndex: ignore,
        zeroDivision: zd,
        vectorWidth,
      });
  switch (c.metric) {
    case "torch.sum":
      return () => {
        const v = o.values as number[];
        const shape = o.shape as number[];
        if (o.dim === null) return torchSum32(v, vectorWidth);
        return o.dim === 0
          ? torchColumnSums32(v, shape[0], shape[1], vectorWidth)
          : torchRowSums32(v, shape[0], shape[1], vectorWidth);
      };
    case "torch.histc":
      return () =>
        torchHistcRuns32(
          o.runs as [number, number][],
          o.bins as number,
          o.min as number,
          o.max as number,
          { threads: o.threads as number },
        );
    case "MulticlassJaccardIndex":
      return () => {
        const key = `folded ${ignore}`;
        let cm = cache.get(key) as ConfusionMatrix | undefined;
        if (cm === undefined) {
          for (const [t, p] of imgs!) { // one update() per image, as the oracle did
            const one = torchmetricsConfusionMatrix(t, p, C, { ignoreIndex: ignore });
            cm = cm === undefined ? one : cm.merge(one);
          }
          cache.set(key, cm!);
        }
        return reduce(cm!);
      };
    case "MulticlassJaccardIndex.compute":
      return () => reduce(new ConfusionMatrix(C).addCounts(sc.inputs.confmat!.flat()));
    case "BinaryJaccardIndex":
      return () => {
        const cm = new ConfusionMatrix(2, ignore === null ? {} : { ignoreIndex: ignore });
        for (const k of o.images as number[]) {
          const [t, p] = imgs![k];
          for (const v of t) {
            if (v !== 0 && v !== 1 && v !== ignore) {
              throw new RangeError(`Detected the following values in \`target\`: ${v}`);
            }
          }
          for (const v of p) {
            if (v !== 0 && v !== 1) {
              throw new RangeError(`Detected the following values in \`preds\`: ${v}`);
            }
          }
          cm.update(t, p);
        }
        return torchmetricsBinaryJaccardIndex(cm, { zeroDivision: zd });
      };
    case "MultilabelJaccardIndex":
      return () => {
        const L = sc.inputs.num_labels!;
        const labels = Array.from(
          { length: L },
          () => new ConfusionMatrix(2, ignore === null ? {} : { ignoreIndex: ignore }),
        );
        for (const im of sc.inputs.multilabel_images!) { // one update() per image
          for (const v of im.true.flat()) {
            if (v !== 0 && v !== 1 && v !== ignore) {
              throw new RangeError(`Detected the following values in \`target\`: ${v}`);
            }
          }
          for (const v of im.pred.flat()) {
            if (v !== 0 && v !== 1) {
              throw new RangeError(`Detected the following values in \`preds\`: ${v}`);
            }
          }
          for (let l = 0; l < L; l++) labels[l].update(im.true[l], im.pred[l]);
        }
        return average === "none" || average === null
          ? torchmetricsMultilabelJaccardPerLabel(labels, { zeroDivision: zd })
          : torchmetricsMultilabelJaccardIndex(labels, {
            average: average as "macro" | "micro" | "weighted",
            zeroDivision: zd,
            vectorWidth,
          });
      };
    case "MeanIoU":
    case "mean_iou":
      return () => {
        let stats = cache.get("stats") as SegmentationStats | undefined;
        if (stats === undefined) {
          stats = new SegmentationStats(C);
          for (const [t, p] of imgs!) stats.addImage(t, p);
          cache.set("stats", stats);
        }
        const bg = o.include_background as boolean;
        if (c.metric === "mean_iou") {
          return o.per_class
            ? torchmetricsIoUPerImageClass(stats, { includeBackground: bg }).flat()
            : torchmetricsMeanIoUPerImage(stats, { includeBackground: bg, vectorWidth });
        }
        // equal batches but the last: replayed through batchSize (one update per data-loader batch)
        const b = o.batches as number[];
        const uniform = b.every((x, i) => i === b.length - 1 ? x <= b[0] : x === b[0]);
        const opts = uniform
          ? { includeBackground: bg, batchSize: b[0], vectorWidth }
          : { includeBackground: bg, batches: b, vectorWidth };
        return o.per_class
          ? torchmetricsMeanIoUPerClass(stats, opts)
          : torchmetricsMeanIoU(stats, opts);
      };
  }
  throw new RangeError(`Unknown torchmetrics metric ${c.metric}`);
}

// ------------------------------------------------------------------ scikit-learn
function sklearnCase(
  imgs: Image[],
  c: Case,
  cache: Map<string, unknown>,
): () => number | number[] {
  const o = c.options;
  const key = JSON.stringify([o.mask_true, o.sample_weight, o.all_zero_input]);
  type Built = { cm: ConfusionMatrix; offset: number; seen?: SklearnLabelsSeen };
  const build = (): Built => {
    let t = concat(imgs.map((x) => x[0]));
    let p = concat(imgs.map((x) => x[1]));
    if (typeof o.all_zero_input === "number") {
      t = new Int32Array(o.all_zero_input);
      p = new Int32Array(o.all_zero_input);
    }
    let w: Float64Array | undefined;
    const sw = o.sample_weight as
      | { sW: number; values: number[]; zero_labels?: number[] }
      | null;
    if (sw) {
      w = new Float64Array(t.length);
      const zero = new Set(sw.zero_labels ?? []);
      for (let i = 0; i < t.length; i++) {
        w[i] = zero.has(t[i]) || zero.has(p[i])
          ? 0
          : sw.values[Math.floor((u24(sw.sW, i) * sw.values.length) / 2 ** 24)];
      }
    }
    const mask = (o.mask_true ?? null) as number | null;
    // Labels may be negative (a -1 void label): shift every value so the smallest is 0. The
    // label order, which is all scikit-learn uses, is unchanged.
    let min = 0;
    let max = 1;
    for (let i = 0; i < t.length; i++) {
      if (t[i] === mask) continue;
      min = Math.min(min, t[i], p[i]);
      max = Math.max(max, t[i], p[i]);
    }
    const shift = (x: Int32Array) => min === 0 ? x : x.map((v) => v - min);
    const ignore = mask === null ? {} : { ignoreIndex: mask - min };
    const cm = new ConfusionMatrix(max - min + 1, ignore).update(shift(t), shift(p), w);
    // With sample weights, a label may occur only on pixels of weight 0, which the matrix cannot
    // show: feed the profile the labels seen (masked pixels left out), as a caller would.
    let seen: SklearnLabelsSeen | undefined;
    if (w !== undefined) {
      const kept = (x: Int32Array) => shift(x).filter((_, i) => t[i] !== mask);
      seen = sklearnLabelsSeen(kept(t), kept(p));
    }
    return { cm, offset: min, seen };
  };
  return () => {
    let built = cache.get(key) as Built | undefined;
    if (built === undefined) {
      built = build();
      cache.set(key, built);
    }
    const { cm, offset, seen } = built;
    const labels = (o.labels ?? undefined) as number[] | undefined;
    const shifted = labels?.map((l) => l - offset);
    if (c.metric === "confusion_matrix") {
      return sklearnConfusionMatrix(cm, shifted, { labelsSeen: seen }).flat();
    }
    const zd = o.zero_division as SklearnZeroDivision;
    if (o.average === null) {
      return sklearnJaccardPerClass(cm, { labels: shifted, zeroDivision: zd, labelsSeen: seen });
    }
    return sklearnJaccardScore(cm, {
      average: o.average as "binary" | "micro" | "macro" | "weighted" | "samples",
      labels: shifted,
      zeroDivision: zd,
      posLabel: ((o.pos_label ?? 1) as number) - offset,
      labelsSeen: seen,
    });
  };
}

// ------------------------------------------------------------------ entry
/**
 * Replays one peer golden file (a parsed JSON object with a `library` field).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayPeerGolden } from "./golden_peers.ts";
 *
 * assert.equal(replayPeerGolden({ library: "keras" }).failed, 1);
 * ```
 *
 * @param file The parsed golden file.
 * @returns Counts of passed and failed cases and one line per case (never throws).
 */
export function replayPeerGolden(file: unknown): PeerReplay {
  const f = file as { library?: unknown; library_version?: string; scenarios?: Scenario[] };
  // Never throws: a file this replay cannot read counts as one failure, with the reason.
  const lib = f !== null && typeof f === "object" && "library" in f ? String(f.library) : "unknown";
  if (lib !== "torchmetrics" && lib !== "scikit-learn") {
    const other = Object.hasOwn(OTHER_LIBRARY_REPLAYS, lib)
      ? OTHER_LIBRARY_REPLAYS[lib]
      : undefined;
    if (other) return other(file);
    return {
      passed: 0,
      failed: 1,
      lines: [`${lib} golden files: not supported (torchmetrics and scikit-learn are)`],
    };
  }
  if (!Array.isArray(f.scenarios) || f.scenarios.length === 0) {
    return {
      passed: 0,
      failed: 1,
      lines: [`${lib}: no scenarios in the file (not supported yet: nothing to replay)`],
    };
  }
  // float32 lanes of the CPU that ran torch: 8 under DEFAULT, AVX2 and AVX512 alike (AVX512
  // registers no sum kernel and runs the AVX2 one: lib/float32/reduction_order.ts).
  const capability = (file as { cpu_capability?: string }).cpu_capability ?? "AVX2";
  let vectorWidth = 8;
  try {
    vectorWidth = torchVectorWidth(capability);
  } catch (e) {
    return { passed: 0, failed: 1, lines: [`${lib}: ${(e as Error).message}`] };
  }
  const out: PeerReplay = { passed: 0, failed: 0, lines: [] };
  let exact = 0;
  for (const sc of f.scenarios) {
    let imgs: Image[] | null = null;
    try {
      imgs = sc.inputs.confmat || sc.inputs.multilabel_images ? null : images(sc.inputs);
    } catch (e) {
      out.failed += sc.cases?.length ?? 1;
      out.lines.push(`FAIL ${lib} ${sc.name}: inputs not readable (${(e as Error).message})`);
      continue;
    }
    const cache = new Map<string, unknown>(); // counts shared by the cases of a scenario
    for (const c of sc.cases) {
      const label = `${lib}@${f.library_version} ${sc.name} ${c.metric} ${
        JSON.stringify(c.options)
      }`;
      let verdict: Verdict;
      try {
        const compute = lib === "torchmetrics"
          ? torchmetricsCase(sc, imgs, c, cache, vectorWidth)
          : sklearnCase(imgs!, c, cache);
        verdict = judge(c, compute, lib === "scikit-learn" ? sklearnErrorText : undefined);
      } catch (e) {
        verdict = { ok: false, exact: false, detail: `replay error: ${(e as Error).message}` };
      }
      if (verdict.ok) {
        out.passed++;
        if (verdict.exact) exact++;
      } else out.failed++;
      out.lines.push(`${verdict.ok ? "ok  " : "FAIL"} ${label}: ${verdict.detail}`);
    }
  }
  out.lines.push(
    `${lib}@${f.library_version}: ${out.passed} passed (${exact} bit-exact), ${out.failed} failed`,
  );
  return out;
}

if (import.meta.main) {
  let failed = 0;
  for (const path of Deno.args) {
    const r = replayPeerGolden(JSON.parse(Deno.readTextFileSync(path)));
    for (const line of r.lines) if (!line.startsWith("ok  ")) console.log(line);
    failed += r.failed;
  }
  if (failed > 0) Deno.exit(1);
}
