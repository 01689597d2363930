import assert from "node:assert/strict";
import { float32Risk, simulateFloat32Cell } from "../../lib/keras/risk.ts";
import { MeanIoU } from "../../lib/keras/iou_metrics.ts";

/**
 * Direct pixel-by-pixel float32 simulation of Keras's confusion-matrix state for data that
 * follows the risk model (every image holds the same class mix, predicted right): eager adds
 * one batch matrix (counted pixel by pixel in a Float32Array) to a Float32Array total; compiled
 * adds every pixel straight onto the Float32Array total.
 */
function pixelSimulation(
  numImages: number,
  imagePixels: number,
  batchSize: number,
  perImage: number[],
): { eager: Float32Array; compiled: Float32Array; exact: number[] } {
  const C = perImage.length;
  const eager = new Float32Array(C);
  const compiled = new Float32Array(C);
  const exact = new Array(C).fill(0);
  const image = new Uint8Array(imagePixels);
  let o = 0;
  perImage.forEach((n, c) => image.fill(c, o, o += n));
  const counted = o;
  for (let start = 0; start < numImages; start += batchSize) {
    const batch = new Float32Array(C);
    for (let i = start; i < Math.min(numImages, start + batchSize); i++) {
      for (let p = 0; p < counted; p++) {
        const c = image[p];
        batch[c] += 1;
        compiled[c] += 1;
        exact[c]++;
      }
    }
    for (let c = 0; c < C; c++) eager[c] += batch[c];
  }
  return { eager, compiled, exact };
}

Deno.test("risk: simulateFloat32Cell reproduces the Keras issue #20574 numbers", () => {
  // one update of 2^24 + 5 identical pairs -> 16777216; total 2^24 then +1155 -> 16778372
  assert.equal(simulateFloat32Cell([2 ** 24 + 5]).eager, 16777216);
  assert.equal(simulateFloat32Cell([2 ** 24, 1155]).eager, 16778372);
  const small = simulateFloat32Cell([1000, 2000]);
  assert.deepEqual([small.exact, small.eager, small.compiled], [3000, 3000, 3000]);
  assert.equal(small.eagerFirstLossBatch, null);
});

Deno.test("risk: predictions equal a pixel-by-pixel float32 simulation (no saturation in a batch)", () => {
  // 40 images of 2^20 pixels, batch 8, 75% class 0 / 25% class 1: 2^23 pixels per batch
  const input = {
    numImages: 40,
    imagePixels: 2 ** 20,
    batchSize: 8,
    numClasses: 2,
    classFrequencies: [0.75, 0.25],
  };
  const r = float32Risk(input);
  const sim = pixelSimulation(40, 2 ** 20, 8, [786432, 262144]);
  assert.equal(r.withinBatchSaturationPossible, false);
  assert.deepEqual(r.cells.map((c) => c.exact), sim.exact);
  assert.deepEqual(r.cells.map((c) => c.eager), [...sim.eager]);
  assert.deepEqual(r.cells.map((c) => c.compiled), [...sim.compiled]);
  // class 0: 6291456 per batch; cumulative 6.3M, 12.6M, 18.9M: it passes 2^24 in batch 3
  assert.equal(r.compiledFreezeBatch, 3);
  assert.equal(r.compiledError, sim.exact[0] - 2 ** 24);
  assert.equal(r.eagerError, Math.abs(sim.eager[0] - sim.exact[0]));
  assert.ok(r.eagerWorstCase >= r.eagerError);
  assert.ok(r.compiledWorstCase >= r.compiledError);
});

Deno.test("risk: within-batch saturation matches the pixel simulation and the bound holds", () => {
  // 70 images of 2^18 + 1 pixels, batch 64: batch 1 has 64 * 262145 = 16777280 > 2^24
  const input = { numImages: 70, imagePixels: 262145, batchSize: 64, numClasses: 2 };
  const r = float32Risk(input);
  const sim = pixelSimulation(70, 262145, 64, [262145]);
  assert.equal(r.withinBatchSaturationPossible, true);
  assert.equal(r.safeBatchSize, 63);
  assert.equal(r.cells[0].eager, sim.eager[0]);
  assert.equal(r.cells[0].compiled, sim.compiled[0]);
  assert.equal(r.cells[0].exact, 70 * 262145);
  assert.equal(r.eagerFirstLossBatch, 1);
  assert.equal(sim.eager[0], 16777216 + 6 * 262145); // 16777216 + 1572870, exact below 2^25
  assert.ok(r.eagerWorstCase >= r.eagerError);
});

Deno.test("risk: int32 wrap batch and input checks", () => {
  // 3.8+ on JAX/torch/numpy: one class, 4096 images of 1024x1024 = 2^32 pixels; batch 16
  const r = float32Risk({ numImages: 4096, imagePixels: 2 ** 20, batchSize: 16, numClasses: 2 });
  // 2^24 pixels per batch: the count passes 2^31 - 1 after batch 2^31 / 2^24 = 128
  assert.equal(r.int32WrapBatch, 128);
  assert.equal(r.compiledFreezeBatch, 1);
  assert.equal(r.compiledError, 2 ** 32 - 2 ** 24);
  assert.throws(
    () => float32Risk({ ...{ numImages: 0, imagePixels: 1, batchSize: 1, numClasses: 2 } }),
    /numImages/,
  );
  assert.throws(
    () =>
      float32Risk({
        numImages: 1,
        imagePixels: 1,
        batchSize: 1,
        numClasses: 2,
        classFrequencies: [1, 1, 1],
      }),
    /at most 2 class frequencies/,
  );
  assert.throws(
    () => float32Risk({ numImages: 1, imagePixels: 1, batchSize: 1, numClasses: 2, accuracy: 0 }),
    /accuracy/,
  );
});

Deno.test("risk: predictions equal the Keras 3.7 emulation (eager and compiled) on model data", () => {
  // 40 images of 2^20 pixels, 75% class 0 / 25% class 1, predicted right, batch 8
  const px = 2 ** 20, perImage0 = 786432;
  const image = new Uint8Array(px).fill(1, perImage0);
  const batch = new Uint8Array(8 * px);
  for (let i = 0; i < 8; i++) batch.set(image, i * px);
  const eager = new MeanIoU({ numClasses: 2, version: "3.7" });
  const compiled = new MeanIoU({ numClasses: 2, version: "3.7", compiled: "xla" });
  for (let b = 0; b < 5; b++) {
    eager.updateState(batch, batch);
    compiled.updateState(batch, batch);
  }
  const r = float32Risk({
    numImages: 40,
    imagePixels: px,
    batchSize: 8,
    numClasses: 2,
    classFrequencies: [0.75, 0.25],
  });
  assert.equal(eager.totalCm[0][0], r.cells[0].eager);
  assert.equal(eager.totalCm[1][1], r.cells[1].eager);
  assert.equal(compiled.totalCm[0][0], r.cells[0].compiled);
  assert.equal(compiled.totalCm[0][0], 16777216);
  assert.equal(compiled.totalCm[1][1], r.cells[1].compiled);
});

Deno.test("risk: the model's mean IoU (exact by hand) and its compiled damage", () => {
  // 2 classes, 80/20, accuracy 0.9, 100 images of 256x256 at batch 16 (7 batches, last full)
  const r = float32Risk({
    numImages: 112,
    imagePixels: 65536,
    batchSize: 16,
    numClasses: 2,
    classFrequencies: [0.8, 0.2],
    accuracy: 0.9,
  });
  // per batch: 1048576 pixels; class 0: 838861 -> 754975 right, 83886 wrong;
  // class 1: 209715 -> 188744 right, 20972 wrong (rounded); 7 batches
  const b = 7, tp0 = 754975 * b, e0 = 83886 * b, tp1 = 188744 * b, e1 = 20972 * b;
  const iou0 = tp0 / (tp0 + e0 + e1), iou1 = tp1 / (tp1 + e1 + e0);
  assert.ok(Math.abs(r.meanIoU.exact - (iou0 + iou1) / 2) < 1e-12);
  assert.equal(r.compiledLoses, false); // 7 * 754975 < 2^24: nothing freezes
  assert.ok(Math.abs(r.meanIoU.compiled - r.meanIoU.exact) < 1e-6);
  // 4x the images: cell (0, 0) passes 2^24 and freezes in batch ceil(2^24 / 754975) = 23
  const big = float32Risk({
    numImages: 448,
    imagePixels: 65536,
    batchSize: 16,
    numClasses: 2,
    classFrequencies: [0.8, 0.2],
    accuracy: 0.9,
  });
  assert.equal(big.compiledFreezeBatch, 23);
  assert.ok(big.meanIoU.compiled < big.meanIoU.exact - 0.01);
});
