// The exact-IoU callback inside real tfjs training (cpu backend): its logged values are checked
// against counts made independently from model.predict (the core's argmax and ConfusionMatrix),
// and its per-batch value against what tfjs itself reports for a per-batch mIoU metric.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  evaluateExactIoU,
  exactIoUCallback,
  type ExactIoUResult,
} from "../../lib/accel/tfjs_callback.ts";
import { argmax } from "../../lib/core/argmax.ts";
import { ConfusionMatrix } from "../../lib/core/confusion_matrix.ts";
import { meanIoU, perClassIoU } from "../../lib/metrics/mean_iou.ts";

await tf.setBackend("cpu");
const C = 3, H = 8, W = 8;

/** Images whose class follows the input's brightness, with label noise; seeded. */
function dataset(n: number, seed: number, ignore?: number) {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const x = new Float32Array(n * H * W), y = new Int32Array(n * H * W);
  for (let k = 0; k < x.length; k++) {
    x[k] = rand();
    y[k] = rand() < 0.15 ? Math.floor(rand() * C) : Math.min(C - 1, Math.floor(x[k] * C));
    if (ignore !== undefined && rand() < 0.05) y[k] = ignore;
  }
  return { x: tf.tensor4d(x, [n, H, W, 1]), labels: y };
}

function makeModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [H, W, 1],
        filters: 6,
        kernelSize: 3,
        padding: "same",
        activation: "relu",
      }),
      tf.layers.conv2d({ filters: C, kernelSize: 1, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy" });
  return model;
}

/** The reference: model.predict on the whole set, the core's argmax, one matrix per batch. */
function reference(
  model: tf.LayersModel,
  x: tf.Tensor,
  labels: Int32Array,
  batchSize: number,
  ignoreIndex?: number,
) {
  const scores = model.predict(x) as tf.Tensor;
  const pred = argmax({ shape: scores.shape, data: scores.dataSync() }, -1).data;
  scores.dispose();
  const N = x.shape[0], P = H * W;
  const dataset = new ConfusionMatrix(C, { ignoreIndex });
  let weighted = 0;
  for (let start = 0; start < N; start += batchSize) {
    const end = Math.min(N, start + batchSize);
    const batch = new ConfusionMatrix(C, { ignoreIndex })
      .update(labels.subarray(start * P, end * P), pred.subarray(start * P, end * P));
    weighted += (end - start) * meanIoU(batch);
    dataset.merge(batch);
  }
  return { dataset, batchMean: weighted / N };
}

Deno.test("exactIoUCallback logs the exact mIoU of model.predict each epoch, and earlyStopping sees it", async () => {
  const train = dataset(24, 1, 255), val = dataset(10, 2, 255);
  const model = makeModel();
  const trainY = tf.oneHot(tf.tensor1d(train.labels.map((v) => v === 255 ? 0 : v), "int32"), C)
    .reshape([24, H, W, C]);
  const exact = await exactIoUCallback({
    numClasses: C,
    ignoreIndex: 255,
    validationData: [val.x, tf.tensor3d(val.labels, [10, H, W], "int32")],
    perClass: true,
  });
  const seen: Record<string, number>[] = [];
  class Check extends tf.Callback {
    override async onEpochEnd(_epoch: number, logs?: tf.Logs) {
      const ref = reference(this.model, val.x, val.labels, 4, 255);
      assert.equal(logs!.val_exact_miou, meanIoU(ref.dataset));
      assert.equal(logs!.val_batch_mean_miou, ref.batchMean);
      perClassIoU(ref.dataset).forEach((v, c) =>
        assert.ok(Object.is(logs![`val_exact_iou_${c}`], v))
      );
      seen.push({ ...logs } as Record<string, number>);
      await Promise.resolve();
    }
  }
  // 10 images in batches of 4: sizes 4, 4, 2, so the per-batch average is size-weighted
  const history = await model.fit(train.x, trainY, {
    epochs: 2,
    batchSize: 4,
    verbose: 0,
    callbacks: [exact, new Check()],
  });
  assert.equal(seen.length, 2);
  assert.deepEqual(history.history.val_exact_miou, seen.map((l) => l.val_exact_miou));
  assert.deepEqual(exact.results.map((r) => r.batchSizes), [[4, 4, 2], [4, 4, 2]]);
  assert.ok(exact.keys.includes("val_exact_iou_2"));

  // earlyStopping after the callback sees the key: an unreachable baseline stops after epoch 0
  const stopped = await model.fit(train.x, trainY, {
    epochs: 3,
    batchSize: 4,
    verbose: 0,
    callbacks: [
      exact,
      tf.callbacks.earlyStopping({ monitor: "val_exact_miou", mode: "max", baseline: 2 }),
    ],
  });
  assert.equal(stopped.epoch.length, 1);
  // before it, it does not (tfjs calls callbacks in list order): all 3 epochs run
  const warn = console.warn;
  console.warn = () => {};
  try {
    const unseen = await model.fit(train.x, trainY, {
      epochs: 3,
      batchSize: 4,
      verbose: 0,
      callbacks: [
        tf.callbacks.earlyStopping({ monitor: "val_exact_miou", mode: "max", baseline: 2 }),
        exact,
      ],
    });
    assert.equal(unseen.epoch.length, 3);
  } finally {
    console.warn = warn;
  }
});

Deno.test("val_batch_mean_miou is what tfjs reports for a per-batch mIoU metric (float32), and differs from the exact mIoU", async () => {
  const train = dataset(20, 3), val = dataset(10, 4);
  const model = makeModel();
  // A per-batch mean IoU written as a tfjs metric, absent classes excluded, as users write it.
  const batchMiou = (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const t = tf.oneHot(tf.argMax(yTrue, -1).flatten(), C).toFloat();
      const p = tf.oneHot(tf.argMax(yPred, -1).flatten(), C).toFloat();
      const inter = tf.sum(tf.mul(t, p), 0);
      const union = tf.sub(tf.add(tf.sum(t, 0), tf.sum(p, 0)), inter);
      const present = tf.greater(union, 0);
      const iou = tf.where(present, tf.div(inter, tf.maximum(union, 1)), tf.zerosLike(inter));
      return tf.div(tf.sum(iou), tf.sum(present.toFloat())) as tf.Scalar;
    });
  model.compile({
    optimizer: tf.train.adam(0.05),
    loss: "categoricalCrossentropy",
    metrics: [batchMiou],
  });
  const oneHot = (labels: Int32Array, n: number) =>
    tf.oneHot(tf.tensor1d(labels, "int32"), C).reshape([n, H, W, C]);
  const valY = oneHot(val.labels, 10);
  const exact = await exactIoUCallback({ numClasses: C, validationData: [val.x, val.labels] });
  const history = await model.fit(train.x, oneHot(train.labels, 20), {
    epochs: 2,
    batchSize: 3, // 10 validation images: batches 3, 3, 3, 1
    verbose: 0,
    validationData: [val.x, valY],
    callbacks: [exact],
  });
  const tfjsValues = history.history.val_batchMiou as number[];
  const ours = history.history.val_batch_mean_miou as number[];
  for (let e = 0; e < 2; e++) {
    assert.ok(
      Math.abs(tfjsValues[e] - ours[e]) < 1e-6,
      `epoch ${e}: ${tfjsValues[e]} vs ${ours[e]}`,
    );
  }
  // the same model evaluated directly agrees with the last epoch (same weights)
  const direct = await evaluateExactIoU(model, val.x, val.labels, { numClasses: C, batchSize: 3 });
  assert.equal(direct.meanIoU, exact.results[1].meanIoU);
  assert.equal(direct.batchMeanIoU, ours[1]);
  assert.notEqual(direct.meanIoU, direct.batchMeanIoU);
});

Deno.test("evaluateExactIoU counts the same integers on tfjs and on the host, per image", async () => {
  const val = dataset(7, 5, 255);
  const model = makeModel();
  const y = tf.tensor4d(val.labels, [7, H, W, 1], "int32"); // trailing axis of 1 accepted
  const results: ExactIoUResult[] = [];
  for (const counting of ["tfjs", "host"] as const) {
    results.push(
      await evaluateExactIoU(model, val.x, y, {
        numClasses: C,
        ignoreIndex: 255,
        batchSize: 3,
        counting,
      }),
    );
  }
  assert.deepEqual(results[0].stats.toJSON(), results[1].stats.toJSON());
  const ref = reference(model, val.x, val.labels, 3, 255);
  assert.deepEqual(results[0].stats.confusionMatrix.toArray(), ref.dataset.toArray());
  assert.equal(results[0].stats.numImages, 7);
  assert.equal(results[0].batchMeanIoU, ref.batchMean);
});

Deno.test("evaluateExactIoU and exactIoUCallback refuse bad input with the input's name", async () => {
  const val = dataset(2, 6);
  const model = makeModel();
  await assert.rejects(
    evaluateExactIoU(model, val.x, val.labels, { numClasses: 4 }),
    /Expected the model to output 4 class scores for each of the 64 pixels of an image, but found shape \[2,8,8,3\]/,
  );
  const bad = val.labels.slice();
  bad[70] = 7;
  await assert.rejects(
    evaluateExactIoU(model, val.x, bad, { numClasses: C }),
    /Expected yTrue values to be class ids in \[0, 3\), but found 7 at index 70/,
  );
  await assert.rejects(
    evaluateExactIoU(model, val.x, val.labels.subarray(1), { numClasses: C }),
    /same number of pixels for each of the 2 images/,
  );
  await assert.rejects(
    evaluateExactIoU(model, val.x, val.labels, { numClasses: C, batchSize: 0 }),
    /batchSize to be an integer >= 1, but found 0/,
  );
  // a diverged model (NaN scores) is refused rather than given a backend-dependent argmax
  const nanModel = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [H, W, 1],
        filters: C,
        kernelSize: 1,
        biasInitializer: tf.initializers.constant({ value: NaN }),
      }),
    ],
  });
  await assert.rejects(
    evaluateExactIoU(nanModel, val.x, val.labels, { numClasses: C }),
    /Expected finite class scores, but found NaN/,
  );
  // a list starting with a plain object: tfjs wraps every entry as a plain config
  const detached = await exactIoUCallback({ numClasses: C, validationData: [val.x, val.labels] });
  model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
  await assert.rejects(
    model.fit(val.x, tf.oneHot(tf.tensor1d(val.labels, "int32"), C).reshape([2, H, W, C]), {
      epochs: 1,
      verbose: 0,
      callbacks: [{ onBatchEnd: () => {} }, detached as never],
    }),
    /Expected fit's callbacks to be callback objects/,
  );
  await assert.rejects(
    exactIoUCallback({ numClasses: C, validationData: [val.labels as never, val.labels] }),
    /validationData to be \[x, y\]/,
  );
});
