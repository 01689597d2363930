import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfusionMatrix } from "../../lib/core/confusion_matrix.ts";
import { meanIoU, type MeanIoUOptions, perClassIoU } from "../../lib/metrics/mean_iou.ts";
import { SegmentationStats } from "../../lib/core/segmentation_stats.ts";
import { type RefAbsent, refCounts, type RefImage, refIoUs, refMean } from "../reference.ts";

// The worked example of docs/libraries.md (the worked example): 5 classes, 255 ignored, 3 images.
function workedExample(): SegmentationStats {
  return new SegmentationStats(5, { ignoreIndex: 255 })
    .addImage([0, 0, 0, 0, 1, 1, 1, 255], [0, 0, 0, 2, 1, 1, 0, 1])
    .addImage([0, 0, 2, 2, 2, 2, 0, 0, 0, 0], [0, 0, 2, 2, 2, 0, 0, 3, 0, 0])
    .addImage([1, 1, 1, 1], [1, 1, 1, 1]);
}

const WORKED: [MeanIoUOptions, number][] = [
  [{}, 0.530952],
  [{ absent: "zero" }, 0.424762],
  [{ absent: "one" }, 0.624762],
  [{ emptyGroundTruth: "skip" }, 0.707937],
  [{ average: "micro" }, 0.680000],
  [{ average: "weighted" }, 0.717460],
  [{ average: "pair-mean" }, 0.532993],
  [{ average: "image-first" }, 0.636772],
  [{ average: "image-first", emptyGroundTruth: "skip" }, 0.788492],
  [{ average: "class-first", absent: "one" }, 0.782063],
  [{ average: "image-micro" }, 0.740741],
  [{ average: "per-batch", batchSize: [2, 1] }, 0.741667],
  [{ average: "per-batch", batchSize: [1, 2] }, 0.519147],
];

for (const [options, expected] of WORKED) {
  Deno.test(`worked example (docs/libraries.md): ${JSON.stringify(options)} = ${expected}`, () => {
    assert.equal(meanIoU(workedExample(), options).toFixed(6), expected.toFixed(6));
  });
}

Deno.test("worked example: per-class dataset IoU by hand", () => {
  // A: t0 p0 x3, t0 p2, t1 p1 x2, t1 p0; B: t0 p0 x5, t2 p2 x3, t2 p0, t0 p3; C: t1 p1 x4.
  // class 0: TP 8, FP 2 (t1->0, t2->0), FN 2 (t0->2, t0->3) => 8/12
  // class 1: TP 6, FP 0, FN 1 => 6/7; class 2: TP 3, FP 1, FN 1 => 3/5; class 3: 0/1; class 4: 0/0
  assert.deepEqual(perClassIoU(workedExample()), [8 / 12, 6 / 7, 3 / 5, 0, NaN]);
  assert.deepEqual(perClassIoU(workedExample(), { absent: "zero" }), [8 / 12, 6 / 7, 3 / 5, 0, 0]);
  assert.deepEqual(perClassIoU(workedExample(), { classes: [2, 0] }), [3 / 5, 8 / 12]);
});

Deno.test("smooth, epsilon and classes change the formula as documented", () => {
  const cm = new ConfusionMatrix(3).update([0, 0, 1, 1], [0, 0, 1, 0]); // IoU 2/3, 1/2, absent
  assert.equal(meanIoU(cm, { smooth: 1 }), ((2 + 1) / (3 + 1) + (1 + 1) / (2 + 1)) / 2);
  assert.equal(meanIoU(cm, { epsilon: 1e-7 }), (2 / (3 + 1e-7) + 1 / (2 + 1e-7)) / 2);
  assert.equal(meanIoU(cm, { classes: [1] }), 1 / 2);
  assert.equal(meanIoU(cm, { classes: [2] }), NaN);
  assert.equal(meanIoU(cm, { classes: [2], absent: "one" }), 1);
  assert.equal(meanIoU(cm, { absent: "nan" }), NaN);
  assert.equal(meanIoU(cm, { average: "micro", classes: [0] }), 2 / 3);
});

Deno.test("options are checked and named", () => {
  const cm = new ConfusionMatrix(3);
  assert.throws(() => meanIoU(cm, { average: "image-first" }), /needs per-image counts/);
  assert.throws(() => meanIoU(cm, { average: "macro" as "dataset" }), /average to be one of/);
  assert.throws(() => meanIoU(cm, { absent: "skip" as "zero" }), /absent to be/);
  assert.throws(() => meanIoU(cm, { emptyGroundTruth: "x" as "skip" }), /emptyGroundTruth/);
  assert.throws(
    () => meanIoU(cm, { classes: [3] }),
    /classes to hold class ids in \[0, 3\), but found 3/,
  );
  assert.throws(
    () => meanIoU(cm, { epsilon: -1 }),
    /epsilon to be a finite number >= 0, but found -1/,
  );
  assert.throws(() => meanIoU(cm, { batchSize: 2 }), /batchSize only with average "per-batch"/);
  const stats = workedExample();
  assert.throws(() => meanIoU(stats, { average: "per-batch" }), /Expected batchSize/);
  assert.throws(
    () => meanIoU(stats, { average: "per-batch", batchSize: [1, 1] }),
    /add up to the number of images \(3\), but found 2/,
  );
  assert.throws(
    () => meanIoU(stats, { average: "per-batch", batchSize: 0 }),
    /integers >= 1, but found 0/,
  );
  assert.throws(() => perClassIoU(stats, { average: "micro" }), /"dataset" or "class-first"/);
  assert.equal(meanIoU(new SegmentationStats(3)), NaN, "nothing counted: NaN, not 0");
});

// Property: every average equals the textbook formula computed by the slow reference.
const imagesArb = fc.integer({ min: 2, max: 5 }).chain((C) =>
  fc.record({
    C: fc.constant(C),
    images: fc.array(
      fc.array(fc.tuple(fc.oneof(fc.nat(C - 1), fc.constant(255)), fc.nat(C - 1)), {
        maxLength: 40,
      }),
      { minLength: 1, maxLength: 8 },
    ),
    absent: fc.constantFrom<RefAbsent>("exclude", "zero", "one"),
    skipEmpty: fc.boolean(),
    batch: fc.integer({ min: 1, max: 4 }),
  })
);

Deno.test("property: each average equals the slow reference", () => {
  fc.assert(
    fc.property(imagesArb, ({ C, images, absent, skipEmpty, batch }) => {
      const ref: RefImage[] = images.map((px) => ({
        yTrue: px.map(([t]) => t),
        yPred: px.map(([, p]) => p),
      }));
      const policy = { numClasses: C, ignore: [255], outOfRange: "drop" as const };
      const stats = new SegmentationStats(C, { ignoreIndex: 255 });
      for (const image of ref) stats.addImage(image.yTrue, image.yPred);
      const options: MeanIoUOptions = { absent, emptyGroundTruth: skipEmpty ? "skip" : "count" };
      const perImage = ref.map((image) => refCounts([image], policy));
      const close = (got: number, want: number | null) => {
        if (want === null) assert.ok(Number.isNaN(got), `expected NaN, got ${got}`);
        else assert.ok(Math.abs(got - want) < 1e-12, `got ${got}, want ${want}`);
      };
      const all = refCounts(ref, policy);
      close(meanIoU(stats, options), refMean(refIoUs(all, absent, skipEmpty)));
      close(
        meanIoU(stats, { ...options, average: "image-first" }),
        refMean(perImage.map((c) => refMean(refIoUs(c, absent, skipEmpty)))),
      );
      close(
        meanIoU(stats, { ...options, average: "pair-mean" }),
        refMean(perImage.flatMap((c) => refIoUs(c, absent, skipEmpty))),
      );
      close(
        meanIoU(stats, { ...options, average: "class-first" }),
        refMean(
          Array.from(
            { length: C },
            (_, k) => refMean(perImage.map((c) => refIoUs(c, absent, skipEmpty)[k])),
          ),
        ),
      );
      const batches = [];
      for (let i = 0; i < ref.length; i += batch) {
        batches.push(refCounts(ref.slice(i, i + batch), policy));
      }
      close(
        meanIoU(stats, { ...options, average: "per-batch", batchSize: batch }),
        refMean(batches.map((c) => refMean(refIoUs(c, absent, skipEmpty)))),
      );
      // Micro and weighted, straight from their formulas.
      const keep = (k: number) => !skipEmpty || all.tp[k] + all.fn[k] > 0;
      const ks = Array.from({ length: C }, (_, k) => k).filter(keep);
      const sum = (f: (k: number) => number) => ks.reduce((s, k) => s + f(k), 0);
      const union = sum((k) => all.tp[k] + all.fp[k] + all.fn[k]);
      close(
        meanIoU(stats, { ...options, average: "micro" }),
        // With emptyGroundTruth "skip" and no class left, nothing is averaged (NaN).
        skipEmpty && ks.length === 0
          ? null
          : union === 0
          ? (absent === "exclude" ? null : absent === "zero" ? 0 : 1)
          : sum((k) => all.tp[k]) / union,
      );
      const support = sum((k) => all.tp[k] + all.fn[k]);
      close(
        meanIoU(stats, { ...options, average: "weighted" }),
        support === 0
          ? null
          : sum((k) =>
            all.tp[k] + all.fn[k] === 0
              ? 0
              : all.tp[k] * (all.tp[k] + all.fn[k]) / (all.tp[k] + all.fp[k] + all.fn[k])
          ) / support,
      );
      // Every IoU lies in [0, 1].
      for (const v of perClassIoU(stats, options)) assert.ok(Number.isNaN(v) || (v >= 0 && v <= 1));
    }),
    { numRuns: 300 },
  );
});
