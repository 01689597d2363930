import assert from "node:assert/strict";
import {
  mmsegComputeMetrics,
  mmsegIoUReport,
  mmsegLabelMap,
  mmsegMeanIoU,
  mmsegPerClassIoU,
  mmsegReduceZeroLabel,
  mmsegTotalAreaToMetrics,
  SegmentationStats,
} from "../../mod.ts";
import { near6, TOY_TABLE, toyStats } from "./toy.ts";

// mmsegmentation cannot be installed here: hand-worked values and the worked example of docs/libraries.md.

Deno.test("mmseg IoUMetric: worked-example value, report in percent with 2 decimals", () => {
  const stats = toyStats();
  assert.ok(near6(mmsegMeanIoU(stats), TOY_TABLE.datasetMacroExcluded));
  assert.equal(mmsegIoUReport(stats).mIoU, Math.fround(53.1));
  // nan_to_num=0 includes the absent class 4 as 0.
  assert.ok(near6(mmsegMeanIoU(stats, { nanToNum: 0 }), TOY_TABLE.datasetMacroAbsentZero));
  assert.ok(Number.isNaN(mmsegPerClassIoU(stats)[4]));
});

Deno.test("mmseg float32 totals lose a count past 2^24", () => {
  const stats = new SegmentationStats(2);
  stats.addImage(new Uint8Array(2 ** 24), new Uint8Array(2 ** 24)); // 2^24 pixels 0 → 0
  stats.addImage([0, 0], [0, 1]);
  // Exact class-0 IoU = (2^24 + 1) / (2^24 + 2). mmseg: I = f32(2^24 + 1) = 2^24,
  // U = f32(2^24 + 2) = 2^24 + 2 → f32(2^24 / (2^24 + 2)). Class 1: 0 / 1.
  const per = mmsegPerClassIoU(stats);
  assert.equal(per[0], Math.fround(2 ** 24 / (2 ** 24 + 2)));
  assert.notEqual(per[0], Math.fround((2 ** 24 + 1) / (2 ** 24 + 2)));
  assert.equal(per[1], 0);
});

Deno.test("mmseg reduce_zero_label maps 0 → 255 and shifts the rest", () => {
  assert.deepEqual([...mmsegReduceZeroLabel([0, 1, 5, 255])], [255, 0, 4, 255]);
  const gt = mmsegReduceZeroLabel([0, 1, 2, 2]); // → 255, 0, 1, 1
  const stats = new SegmentationStats(2, { ignoreIndex: 255 }).addImage(gt, [1, 0, 1, 0]);
  // class 0: tp 1, fp 1 → 1/2; class 1: tp 1, fn 1 → 1/2.
  assert.deepEqual(mmsegPerClassIoU(stats), [0.5, 0.5]);
});

Deno.test("mmseg total_area_to_metrics: Dice, Fscore with beta, nan_to_num on every entry", () => {
  // Class 0: I 2, pred 2, label 3; class 1: I 1, pred 2, label 1; class 2: never seen.
  const stats = new SegmentationStats(3).addImage([0, 0, 0, 1], [0, 0, 1, 1]);
  const f = Math.fround;
  const m = mmsegTotalAreaToMetrics(stats, { metrics: ["mIoU", "mDice", "mFscore"], beta: 2 });
  assert.deepEqual(m.IoU!.slice(0, 2), [f(2 / 3), f(1 / 2)]);
  assert.deepEqual(m.Dice!.slice(0, 2), [f(4 / 5), f(2 / 3)]);
  assert.deepEqual(m.Precision!.slice(0, 2), [1, f(1 / 2)]);
  assert.deepEqual(m.Recall!.slice(0, 2), [f(2 / 3), 1]);
  // F2 = 5PR / (4P + R): class 0 = 5·(2/3) / (4 + 2/3) = 10/14; class 1 = 2.5 / 3.
  assert.ok(Math.abs(m.Fscore![0] - 10 / 14) < 1e-7);
  assert.ok(Math.abs(m.Fscore![1] - 2.5 / 3) < 1e-7);
  for (const key of ["IoU", "Acc", "Dice", "Fscore", "Precision", "Recall"] as const) {
    assert.ok(Number.isNaN(m[key]![2]), key);
  }
  assert.equal(m.aAcc, f(3 / 4));
  const filled = mmsegTotalAreaToMetrics(stats, { metrics: ["mFscore"], nanToNum: 7 });
  assert.deepEqual([filled.Fscore![2], filled.Precision![2], filled.Recall![2]], [7, 7, 7]);
  assert.equal(filled.IoU, undefined);
  assert.throws(() => mmsegTotalAreaToMetrics(stats, { metrics: ["mAP" as "mIoU"] }), /"mAP"/);
});

Deno.test("mmseg compute_metrics: the issue's all-ignored image, key order, percentages", () => {
  const ignored = new SegmentationStats(3, { ignoreIndex: 255 }).addImage([255, 255], [0, 2]);
  assert.ok(Number.isNaN(mmsegComputeMetrics(ignored).summary.aAcc));
  assert.equal(mmsegComputeMetrics(ignored, { nanToNum: 0 }).summary.aAcc, 0);
  assert.equal(mmsegComputeMetrics(ignored, { nanToNum: 1 }).summary.aAcc, 100);
  assert.equal(mmsegIoUReport(ignored, { nanToNum: 0 }).aAcc, 0);
  const stats = new SegmentationStats(2).addImage([0, 0, 0, 1], [0, 0, 1, 1]);
  const r = mmsegComputeMetrics(stats, { metrics: ["mFscore", "mDice"] });
  assert.deepEqual(Object.keys(r.summary), [
    "aAcc",
    "mFscore",
    "mPrecision",
    "mRecall",
    "mDice",
    "mAcc",
  ]);
  // Dice 4/5 and 2/3 → 73.33; aAcc 75; per-class Dice 80 and 66.67.
  assert.equal(r.summary.mDice, Math.fround(73.33));
  assert.equal(r.summary.aAcc, 75);
  assert.deepEqual(r.perClass.Dice, [80, Math.fround(66.67)]);
});

Deno.test("mmseg label_map reads the unmapped copy (no cascade) and follows reduce_zero_label", () => {
  assert.deepEqual([...mmsegLabelMap([1, 2, 3], { 1: 2, 2: 3 })], [2, 3, 3]);
  // ADE-style: 0 → 255, 1 → 0, 2 → 1, then label_map swaps 0 and 1.
  const gt = mmsegLabelMap(mmsegReduceZeroLabel([0, 1, 2]), { 0: 1, 1: 0 });
  assert.deepEqual([...gt], [255, 1, 0]);
});
