import assert from "node:assert/strict";
import {
  mmsegIoUReport,
  mmsegMeanIoU,
  mmsegPerClassIoU,
  mmsegReduceZeroLabel,
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
