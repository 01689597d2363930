import assert from "node:assert/strict";
import { monaiMeanIoU, monaiMeanIoUPerClass, SegmentationStats } from "../../mod.ts";
import { near6, TOY_TABLE, toyStats } from "./toy.ts";

// MONAI cannot be installed here: the worked example of docs/libraries.md and hand-worked values.

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
