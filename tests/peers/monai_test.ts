import assert from "node:assert/strict";
import {
  monaiMeanIoU,
  monaiMeanIoUPerClass,
  monaiMetric,
  monaiReduce,
  monaiTable,
  MultilabelStats,
  SegmentationStats,
} from "../../mod.ts";
import { near6, TOY_TABLE, toyStats } from "./toy.ts";

// The worked example of docs/libraries.md and hand-worked values; the real-MONAI runs are replayed
// by tests/golden/monai_test.ts and MONAI's own tests are ported in monai_upstream_test.ts.

Deno.test("MONAI MeanIoU on the worked-example toy", () => {
  const stats = toyStats();
  assert.ok(near6(monaiMeanIoU(stats), TOY_TABLE.monaiIgnoreEmpty));
  assert.ok(near6(monaiMeanIoU(stats, { ignoreEmpty: false }), TOY_TABLE.monaiKeepEmpty));
});

Deno.test("MONAI: FP on an image without that class is never penalised by default", () => {
  const clean = new SegmentationStats(2).addImage([0, 0, 0, 0], [0, 0, 0, 0]);
  const fp = new SegmentationStats(2).addImage([0, 0, 0, 0], [0, 0, 1, 1]);
  // Class 1 cell is NaN either way; class 0 = 1 vs 2/4.
  assert.equal(monaiMeanIoU(clean), 1);
  assert.equal(monaiMeanIoU(fp), 0.5);
  assert.deepEqual(monaiMeanIoUPerClass(fp), [0.5, 0]); // class 1 never valid → 0
  assert.deepEqual(monaiMeanIoUPerClass(fp, { ignoreEmpty: false }), [0.5, 0]);
  assert.deepEqual(monaiMeanIoUPerClass(clean, { ignoreEmpty: false }), [1, 1]);
  assert.equal(monaiMeanIoU(fp, { includeBackground: false }), 0);
});

Deno.test("MONAI table on multi-hot masks: overlapping channels, NaN for empty ground truth", () => {
  // 2 images, 3 channels, 4 pixels; channel masks overlap (non-exclusive)
  const stats = new MultilabelStats(3)
    .addImageMasks([1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0])
    .addImageMasks([0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0]);
  // image 0: I/U = 1/2, 3/4, NaN (empty truth); image 1: NaN, 1/3, 3/4
  assert.deepEqual(monaiTable(stats), [[0.5, 0.75, NaN], [NaN, Math.fround(1 / 3), 0.75]]);
  // Dice 2I / (|y| + |ŷ|): 2/3, 6/7, NaN; NaN, 2/4, 6/7
  const dice = monaiTable(stats, { metric: "dice" });
  assert.deepEqual(dice, [[Math.fround(2 / 3), Math.fround(6 / 7), NaN], [
    NaN,
    0.5,
    Math.fround(6 / 7),
  ]]);
  // ignore_empty=False: empty truth scores 1 if nothing is predicted there, else 0
  assert.deepEqual(monaiTable(stats, { ignoreEmpty: false })[0][2], 0);
  assert.deepEqual(monaiTable(stats, { ignoreEmpty: false })[1][0], 1);
  assert.deepEqual(monaiTable(stats, { includeBackground: false })[1], [Math.fround(1 / 3), 0.75]);
});

Deno.test("MONAI reductions on a table with NaNs, worked by hand", () => {
  const t = [[0.5, 0.75, NaN], [NaN, 0.25, 0.75], [NaN, NaN, NaN]];
  assert.deepEqual(monaiReduce(t, "sum"), { value: 2.25, notNans: 4 });
  assert.deepEqual(monaiReduce(t, "sum_batch"), { value: [0.5, 1, 0.75], notNans: [1, 2, 1] });
  assert.deepEqual(monaiReduce(t, "mean_batch"), { value: [0.5, 0.5, 0.75], notNans: [1, 2, 1] });
  assert.deepEqual(monaiReduce(t, "sum_channel"), { value: [1.25, 1, 0], notNans: [2, 2, 0] });
  assert.deepEqual(monaiReduce(t, "mean_channel"), { value: [0.625, 0.5, 0], notNans: [2, 2, 0] });
  // mean: images with a valid cell only: (0.625 + 0.5) / 2
  assert.deepEqual(monaiReduce(t, "mean"), { value: 0.5625, notNans: 2 });
  assert.deepEqual(monaiReduce(t, "none").notNans, [[1, 1, 0], [0, 1, 1], [0, 0, 0]]);
  assert.throws(() => monaiReduce(t, "max" as "sum"), /Expected reduction to be one of/);
});

Deno.test("monaiMetric mean / mean_batch agree with monaiMeanIoU / monaiMeanIoUPerClass", () => {
  let x = 777;
  const rnd = (n: number) => (x = (x * 1103515245 + 12345) >>> 0) % n;
  const stats = new SegmentationStats(4);
  for (let i = 0; i < 9; i++) {
    const t = Array.from({ length: 40 }, () => rnd(3));
    stats.addImage(t, t.map((v) => rnd(3) === 0 ? rnd(4) : v));
  }
  for (const includeBackground of [true, false]) {
    for (const ignoreEmpty of [true, false]) {
      const o = { includeBackground, ignoreEmpty };
      assert.equal(monaiMetric(stats, { ...o, reduction: "mean" }).value, monaiMeanIoU(stats, o));
      assert.deepEqual(
        monaiMetric(stats, { ...o, reduction: "mean_batch" }).value,
        monaiMeanIoUPerClass(stats, o),
      );
    }
  }
});
