// Port of mmsegmentation 1.x tests/test_evaluation/test_metrics/test_iou_metric.py
// (open-mmlab/mmsegmentation 01c96235), TestIoUMetric.test_evaluate.
//
// Upstream builds 2 samples of 64 x 64 with ground truth `np.random.randint(0, 5)` (uint8) and
// predictions `torch.randint(0, 5)`, runs `IoUMetric(iou_metrics=['mIoU'])` with 5 classes and
// asserts only that the result is a dict. Upstream's draws are unseeded; here they come from
// the repository's lowbias32 generator. The other assertions of test_evaluate (a PNG written
// to `output_dir`, `format_only` keeping no results) are about files, which this toolkit never
// writes from lib/: not ported (docs/libraries.md, mmsegmentation).
import assert from "node:assert/strict";
import { mmsegComputeMetrics, SegmentationStats } from "../../mod.ts";
import { lowbias32 } from "../../lib/io/golden_generator.ts";

function demoSamples(batchSize = 2, h = 64, w = 64, numClasses = 5) {
  let s = 16;
  const next = () => (s = lowbias32(s + 1)) % numClasses;
  return Array.from({ length: batchSize }, () => ({
    gt: Uint8Array.from({ length: h * w }, next),
    pred: Int32Array.from({ length: h * w }, next),
  }));
}

Deno.test("mmseg upstream test_evaluate: IoUMetric(iou_metrics=['mIoU']) returns a dict", () => {
  const stats = new SegmentationStats(5, { ignoreIndex: 255, outOfRange: "miss" });
  for (const { gt, pred } of demoSamples()) stats.addImage(gt, pred);
  const res = mmsegComputeMetrics(stats, { metrics: ["mIoU"] }).summary;
  // self.assertIsInstance(res, dict)
  assert.equal(Object.getPrototypeOf(res), Object.prototype);
  // ... and it is the dict compute_metrics builds: aAcc, mIoU, mAcc in percent.
  assert.deepEqual(Object.keys(res), ["aAcc", "mIoU", "mAcc"]);
  // Beyond upstream: the values agree with a float64 textbook count to the 2-decimal rounding.
  const C = 5;
  const inter = new Array(C).fill(0), pr = new Array(C).fill(0), lb = new Array(C).fill(0);
  for (const { gt, pred } of demoSamples()) {
    gt.forEach((g, i) => {
      lb[g]++;
      pr[pred[i]]++;
      if (g === pred[i]) inter[g]++;
    });
  }
  const iou = inter.map((v, c) => v / (pr[c] + lb[c] - v));
  const mIoU = iou.reduce((a, b) => a + b) / C * 100;
  const aAcc = inter.reduce((a, b) => a + b) / lb.reduce((a, b) => a + b) * 100;
  assert.ok(Math.abs(res.mIoU - mIoU) <= 0.005 + 1e-6, `${res.mIoU} vs ${mIoU}`);
  assert.ok(Math.abs(res.aAcc - aAcc) <= 0.005 + 1e-6, `${res.aAcc} vs ${aAcc}`);
});
