import assert from "node:assert/strict";
import { compare } from "../../lib/metrics/compare.ts";
import { explain, parseDefinition } from "../../lib/metrics/explain.ts";
import { meanIoU } from "../../lib/metrics/mean_iou.ts";
import { SegmentationStats } from "../../lib/core/segmentation_stats.ts";
import { refCounts, refIoUs, refMean } from "../reference.ts";

const images = [
  { yTrue: [0, 0, 1, 1, 2, 2], yPred: [0, 1, 1, 1, 2, 0] },
  { yTrue: [0, 0, 0, 0, 1, 1], yPred: [0, 0, 0, 3, 1, 1] },
  { yTrue: [1, 1, 1, 1, 1, 1], yPred: [1, 1, 0, 1, 1, 1] },
];
const stats = new SegmentationStats(4);
for (const im of images) stats.addImage(im.yTrue, im.yPred);
const policy = { numClasses: 4, ignore: [], outOfRange: "drop" as const };

Deno.test("explain: every name compare prints parses back to its own options", () => {
  for (const d of compare(stats, { batchSizes: [2] }).definitions) {
    const parsed = parseDefinition(d.name);
    if (parsed.score === "iou") assert.deepEqual(parsed.options, d.options, d.name);
  }
  assert.deepEqual(parseDefinition("image-micro-absent-nan-epsilon-1e-7").options, {
    average: "image-micro",
    absent: "nan",
    epsilon: 1e-7,
  });
  assert.throws(() => parseDefinition("datasets"), /definition name/);
  assert.throws(() => parseDefinition("dataset-absent-two"), /at '-absent-two'/);
});

Deno.test("explain: the path's ends equal the reference, one option per step", () => {
  const e = explain(stats, "dataset-absent-one", "image-first");
  // start: dataset with absent classes counted as 1 (class 3 is predicted but never true: IoU 0)
  assert.equal(e.from.value, refMean(refIoUs(refCounts(images, policy), "one", false)));
  const perImage = images.map((im) => refMean(refIoUs(refCounts([im], policy), "exclude", false))!);
  const imageFirst = perImage.reduce((a, b) => a + b, 0) / perImage.length;
  assert.ok(Math.abs(e.to.value - imageFirst) < 1e-15);
  assert.deepEqual(e.steps.map((s) => s.option), ["absent", "average"]);
  assert.equal(e.steps[0].value, meanIoU(stats)); // absent back to exclude at dataset level
  for (let k = 1; k < e.steps.length; k++) {
    assert.equal(e.steps[k].delta, e.steps[k].value - e.steps[k - 1].value);
  }
  // score changes come last
  const d = explain(stats, "dataset", "dice");
  assert.deepEqual(d.steps.map((s) => s.option), ["score"]);
  // per-image definitions need per-image counts
  assert.throws(() => explain(stats.confusionMatrix, "dataset", "image-first"), /per-image/);
});
