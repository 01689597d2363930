/**
 * The image averages read per-image counts image by image (`forEachImage`) instead of an array
 * of every image's counts. These properties hold the new code to the array form it replaced,
 * written out again here: the same float64 additions in the same order, so every result is the
 * same bit for bit (`Object.is`), on weighted counts where the order of a float sum matters.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ClassCounts } from "../../lib/core/confusion_matrix.ts";
import { SegmentationStats } from "../../lib/core/segmentation_stats.ts";
import {
  type AveragingOptions,
  IMAGE_AVERAGES,
  meanScore,
  perClassScore,
  type Ratio,
} from "../../lib/metrics/averaging.ts";

const C = 4;

const imageArb = fc.array(
  fc.tuple(
    fc.nat(C - 1),
    fc.nat(C - 1),
    fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 3, noNaN: true })),
  ),
  { minLength: 1, maxLength: 12 },
);
const statsArb = fc.array(imageArb, { minLength: 1, maxLength: 9 }).map((images) => {
  const stats = new SegmentationStats(C);
  for (const px of images) {
    stats.addImage(px.map(([t]) => t), px.map(([, p]) => p), px.map(([, , w]) => w));
  }
  return stats;
});
const optionsArb = fc.record({
  absent: fc.constantFrom("exclude", "zero", "one", "nan") as fc.Arbitrary<
    AveragingOptions["absent"]
  >,
  emptyGroundTruth: fc.constantFrom("count", "skip") as fc.Arbitrary<
    AveragingOptions["emptyGroundTruth"]
  >,
  smooth: fc.constantFrom(0, 1e-6, 1),
  epsilon: fc.constantFrom(0, 1e-7),
  classes: fc.option(fc.shuffledSubarray([0, 1, 2, 3], { minLength: 1 }), { nil: undefined }),
});

const iou: Ratio = {
  name: "IoU",
  numerator: (tp) => tp,
  denominator: (tp, fp, fn) => tp + fp + fn,
};
const tversky: Ratio = {
  name: "Tversky",
  numerator: (tp) => tp,
  denominator: (tp, fp, fn) => tp + 0.3 * fp + 0.7 * fn,
};

// ---- the array form, as it was ----

/** The resolved options the reference reads. */
interface Opts {
  absent: "exclude" | "zero" | "one" | "nan";
  emptyGroundTruth: "count" | "skip";
  smooth: number;
  epsilon: number;
  classes: number[];
}

type Score = number | undefined;

function refScore(r: Ratio, tp: number, fp: number, fn: number, o: Opts) {
  if (o.emptyGroundTruth === "skip" && tp + fn === 0) return undefined;
  if (tp + fp + fn === 0) {
    return o.absent === "exclude"
      ? undefined
      : o.absent === "zero"
      ? 0
      : o.absent === "one"
      ? 1
      : NaN;
  }
  return (r.numerator(tp, fp, fn) + o.smooth) / (r.denominator(tp, fp, fn) + o.smooth + o.epsilon);
}

function refMean(values: Score[]): Score {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v === undefined) continue;
    sum += v;
    n++;
  }
  return n === 0 ? undefined : sum / n;
}

function refClassScores(c: ClassCounts, r: Ratio, o: Opts): Score[] {
  return o.classes.map((k) => refScore(r, c.tp[k], c.fp[k], c.fn[k], o));
}

function refMicro(c: ClassCounts, r: Ratio, o: Opts): Score {
  let tp = 0, fp = 0, fn = 0;
  for (const k of o.classes as number[]) {
    if (o.emptyGroundTruth === "skip" && c.tp[k] + c.fn[k] === 0) continue;
    tp += c.tp[k];
    fp += c.fp[k];
    fn += c.fn[k];
  }
  return refScore(r, tp, fp, fn, o);
}

function refImages(s: SegmentationStats): ClassCounts[] {
  return Array.from({ length: s.numImages }, (_, i) => s.imageCounts(i));
}

function refBatches(s: SegmentationStats, sizes: number[]): ClassCounts[] {
  const all = refImages(s);
  const out: ClassCounts[] = [];
  let next = 0;
  for (const size of sizes) {
    const sum = { tp: new Float64Array(C), fp: new Float64Array(C), fn: new Float64Array(C) };
    for (const image of all.slice(next, next + size)) {
      for (let c = 0; c < C; c++) {
        sum.tp[c] += image.tp[c];
        sum.fp[c] += image.fp[c];
        sum.fn[c] += image.fn[c];
      }
    }
    out.push(sum);
    next += size;
  }
  return out;
}

function refClassFirst(s: SegmentationStats, r: Ratio, o: Opts): Score[] {
  const perImage = refImages(s).map((c) => refClassScores(c, r, o));
  return o.classes.map((_, j) => refMean(perImage.map((scores) => scores[j])));
}

function reference(
  s: SegmentationStats,
  r: Ratio,
  average: string,
  o: Opts,
  sizes: number[],
): number {
  const m = average === "image-first"
    ? refMean(refImages(s).map((c) => refMean(refClassScores(c, r, o))))
    : average === "image-micro"
    ? refMean(refImages(s).map((c) => refMicro(c, r, o)))
    : average === "class-first"
    ? refMean(refClassFirst(s, r, o))
    : average === "pair-mean"
    ? refMean(refImages(s).flatMap((c) => refClassScores(c, r, o)))
    : refMean(refBatches(s, sizes).map((c) => refMean(refClassScores(c, r, o))));
  return m === undefined ? NaN : m;
}

Deno.test("property: image averages read image by image equal the array form bit for bit", () => {
  fc.assert(
    fc.property(statsArb, optionsArb, fc.integer({ min: 1, max: 4 }), (stats, options, b) => {
      const o = {
        absent: options.absent ?? "exclude",
        emptyGroundTruth: options.emptyGroundTruth ?? "count",
        smooth: options.smooth,
        epsilon: options.epsilon,
        classes: options.classes ?? [0, 1, 2, 3],
      } as Opts;
      const sizes: number[] = [];
      for (let left = stats.numImages; left > 0; left -= b) sizes.push(Math.min(b, left));
      for (const ratio of [iou, tversky]) {
        for (const average of IMAGE_AVERAGES) {
          const batchSize = average === "per-batch" ? b : undefined;
          const got = meanScore(stats, ratio, { ...options, average, batchSize });
          const want = reference(stats, ratio, average, o, sizes);
          assert.ok(Object.is(got, want), `${average} ${ratio.name}: ${got} !== ${want}`);
        }
        const perClass = perClassScore(stats, ratio, { ...options, average: "class-first" });
        const want = refClassFirst(stats, ratio, o).map((v) => v === undefined ? NaN : v);
        assert.ok(perClass.every((v, k) => Object.is(v, want[k])), `${perClass} vs ${want}`);
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("per-batch with a list of uneven batch sizes equals the array form", () => {
  const stats = new SegmentationStats(C);
  for (let i = 0; i < 7; i++) {
    stats.addImage([0, 1, 2, 3, i % C], [0, 1, 3, 2, (i * 3) % C], [0.1, 0.7, 1.3, 0.2, 0.9]);
  }
  const o = {
    absent: "exclude",
    emptyGroundTruth: "count",
    smooth: 0,
    epsilon: 0,
    classes: [0, 1, 2, 3],
  } as Opts;
  const sizes = [3, 1, 2, 1];
  const got = meanScore(stats, tversky, { average: "per-batch", batchSize: sizes });
  assert.ok(Object.is(got, reference(stats, tversky, "per-batch", o, sizes)));
});
