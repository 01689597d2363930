import assert from "node:assert/strict";
import { compare } from "../../lib/metrics/compare.ts";
import { meanIoU } from "../../lib/metrics/mean_iou.ts";
import { SegmentationStats } from "../../lib/core/segmentation_stats.ts";

Deno.test("compare on the worked example of docs/libraries.md: values, absent and predicted-only classes", () => {
  const stats = new SegmentationStats(5, { ignoreIndex: 255 })
    .addImage([0, 0, 0, 0, 1, 1, 1, 255], [0, 0, 0, 2, 1, 1, 0, 1])
    .addImage([0, 0, 2, 2, 2, 2, 0, 0, 0, 0], [0, 0, 2, 2, 2, 0, 0, 3, 0, 0])
    .addImage([1, 1, 1, 1], [1, 1, 1, 1]);
  const result = compare(stats, { batchSizes: [2] });
  const v = Object.fromEntries(result.definitions.map((d) => [d.name, d.value.toFixed(6)]));
  assert.equal(v["dataset"], "0.530952");
  assert.equal(v["dataset-skip-empty-gt"], "0.707937");
  assert.equal(v["image-first-skip-empty-gt"], "0.788492");
  assert.equal(v["per-batch-2"], "0.741667");
  assert.equal(v["pixel-accuracy"], (17 / 21).toFixed(6)); // 17 of 21 counted pixels right
  assert.deepEqual(result.absentClasses, [4]);
  assert.deepEqual(result.predictedOnlyClasses, [3]);
  assert.equal(result.pixels, 21);
  for (const d of result.definitions) {
    if (
      d.name.startsWith("dataset") || d.name.startsWith("per-batch") || d.name.includes("image")
    ) {
      assert.equal(d.value, meanIoU(stats, d.options), d.name);
    }
  }
});

Deno.test("compare on a bare ConfusionMatrix gives the dataset-level definitions only", () => {
  const stats = new SegmentationStats(2).addImage([0, 1], [0, 1]);
  const names = compare(stats.confusionMatrix).definitions.map((d) => d.name);
  assert.ok(names.includes("micro"));
  assert.ok(!names.includes("image-first"));
});
