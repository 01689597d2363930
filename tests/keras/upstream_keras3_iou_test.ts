/**
 * Port of Keras 3.15.1's `keras/src/metrics/iou_metrics_test.py` (tag v3.15.1 of
 * keras-team/keras): every test of IoUTest, BinaryIoUTest, MeanIoUTest, OneHotIoUTest and
 * OneHotMeanIoUTest, with the same inputs, expected values and tolerance (`assertAllClose`,
 * atol 1e-3, rtol 1e-6), on the public API (`keras` namespace of the root mod.ts), emulating
 * Keras 3.15.1 on each backend the upstream CI runs it on (TensorFlow, JAX, torch, NumPy;
 * `test_compilation` compiles on TensorFlow and JAX, eager elsewhere). `obj(y_true, y_pred)` is
 * `updateState` then `result()`, as Keras 3's `Metric.__call__`. Plain arrays stand for NumPy
 * arrays (int64 / float64); `np.array(..., dtype=np.float32)` is spelled out.
 * Differences, all listed in docs/keras.md: `get_config`/`from_config` are ported as a rebuild
 * from the public fields; `test_compilation` (a one-step `model.fit`) as the compiled metric
 * update it runs; `test_big_chunk`'s 10 x 530 x 530 random labels (NumPy seed 14) as their pair
 * counts, computed by NumPy from the upstream lines (each update is a function of its counts).
 */
import assert from "node:assert/strict";
import { keras } from "../../mod.ts";

const VERSION = "3.15.1";
// Upstream CI runs the suite on each backend: so does the port
const BACKENDS = ["tensorflow", "jax", "torch", "numpy"] as const;
let backend: keras.KerasBackend = "tensorflow";
const K = () => ({ version: VERSION, backend });

function test(name: string, fn: () => void): void {
  for (const b of BACKENDS) {
    Deno.test(`keras ${name} [${b}]`, () => {
      backend = b;
      fn();
    });
  }
}

function assertAllClose(actual: number, expected: number, atol = 1e-3, rtol = 1e-6): void {
  assert.ok(
    Math.abs(actual - expected) <= atol + rtol * Math.abs(expected),
    `${actual} is not close to ${expected} (atol ${atol})`,
  );
}

const f32 = (data: number[] | number[][]) => ({
  data: (data as number[]).flat(),
  shape: Array.isArray(data[0]) ? [data.length, (data[0] as number[]).length] : [data.length],
  dtype: "float32" as const,
});

function call(
  m: keras.IoU,
  yTrue: keras.KerasInput,
  yPred: keras.KerasInput,
  w?: keras.KerasInput,
) {
  m.updateState(yTrue, yPred, w);
  return m.result();
}

// ---------------------------------------------------------------- IoUTest
test("IoUTest.test_config", () => {
  const obj = new keras.IoU({
    numClasses: 2,
    targetClassIds: [1, 0],
    name: "iou_class_1_0",
    ...K(),
  });
  assert.equal(obj.name, "iou_class_1_0");
  assert.equal(obj.numClasses, 2);
  assert.deepEqual(obj.targetClassIds, [1, 0]);
  const obj2 = new keras.IoU({
    numClasses: obj.numClasses,
    targetClassIds: obj.targetClassIds,
    name: obj.name,
    ...K(),
  });
  assert.equal(obj2.name, "iou_class_1_0");
  assert.equal(obj2.numClasses, 2);
  assert.deepEqual(obj2.targetClassIds, [1, 0]);
});

test("IoUTest.test_unweighted", () => {
  const obj = new keras.IoU({ numClasses: 2, targetClassIds: [0, 1], ...K() });
  const result = call(obj, [0, 0, 1, 1], [0, 1, 0, 1]);
  assertAllClose(result, (1 / (2 + 2 - 1) + 1 / (2 + 2 - 1)) / 2);
});

test("IoUTest.test_weighted", () => {
  const obj = new keras.IoU({
    numClasses: 2,
    targetClassIds: [1, 0],
    dtype: "float32",
    ...K(),
  });
  const result = call(obj, [0, 0, 1, 1], f32([0, 1, 0, 1]), [0.2, 0.3, 0.4, 0.1]);
  assertAllClose(result, (0.1 / (0.4 + 0.5 - 0.1) + 0.2 / (0.6 + 0.5 - 0.2)) / 2);
});

test("IoUTest.test_multi_dim_input", () => {
  const obj = new keras.IoU({
    numClasses: 2,
    targetClassIds: [0, 1],
    dtype: "float32",
    ...K(),
  });
  const result = call(obj, [[0, 0], [1, 1]], f32([[0, 1], [0, 1]]), [[0.2, 0.3], [0.4, 0.1]]);
  assertAllClose(result, (0.2 / (0.6 + 0.5 - 0.2) + 0.1 / (0.4 + 0.5 - 0.1)) / 2);
});

test("IoUTest.test_zero_valid_entries", () => {
  const obj = new keras.IoU({ numClasses: 2, targetClassIds: [0, 1], ...K() });
  assertAllClose(obj.result(), 0);
});

test("IoUTest.test_zero_and_non_zero_entries", () => {
  const obj = new keras.IoU({ numClasses: 2, targetClassIds: [0, 1], ...K() });
  assertAllClose(call(obj, [1], f32([1])), (1 / (1 + 1 - 1)) / 1);
});

test("IoUTest.test_out_of_range_y_true_ignored / y_pred / negative y_true / y_pred", () => {
  const cases: [number[], number[]][] = [[[0, 2], [0, 1]], [[0, 1], [0, 2]], [[-1, 0], [0, 0]], [[
    0,
    1,
  ], [-1, 1]]];
  for (const [yt, yp] of cases) {
    const obj = new keras.IoU({ numClasses: 2, targetClassIds: [0, 1], ...K() });
    obj.updateState(yt, yp);
    assertAllClose(obj.result(), 1.0);
  }
});

test("IoUTest.test_absent_class_contributes_zero", () => {
  const obj = new keras.IoU({ numClasses: 4, targetClassIds: [0, 1, 2, 3], ...K() });
  assertAllClose(call(obj, [0, 0, 1, 1], [0, 1, 0, 1]), (1 / (2 + 2 - 1) + 1 / (2 + 2 - 1)) / 2);
});

test("IoUTest.test_compilation (the compiled metric update of its model.fit step)", () => {
  const m = new keras.MeanIoU({
    numClasses: 2,
    ignoreClass: 0,
    ...K(),
    compiled: backend === "tensorflow" || backend === "jax" ? "xla" : false,
  });
  // y = [[1.0, 0.0]], the softmax output of Dense(2): two probabilities (cast to class 0)
  m.updateState(f32([[1.0, 0.0]]), f32([[0.6, 0.4]]));
  assert.ok(Number.isFinite(m.result()));
});

// ---------------------------------------------------------------- BinaryIoUTest
test("BinaryIoUTest.test_config", () => {
  const obj = new keras.BinaryIoU({
    targetClassIds: [1, 0],
    threshold: 0.1,
    name: "iou_class_1_0",
    ...K(),
  });
  assert.equal(obj.name, "iou_class_1_0");
  assertAllClose(obj.threshold, 0.1, 1e-7);
  assert.deepEqual(obj.targetClassIds, [1, 0]);
  const obj2 = new keras.BinaryIoU({
    targetClassIds: obj.targetClassIds,
    threshold: obj.threshold,
    name: obj.name,
    ...K(),
  });
  assert.equal(obj2.name, "iou_class_1_0");
  assertAllClose(obj2.threshold, 0.1, 1e-7);
  assert.deepEqual(obj2.targetClassIds, [1, 0]);
});

test("BinaryIoUTest.test_different_thresholds_weighted", () => {
  const yTrue = [0, 1, 0, 1];
  const yPred = [0.1, 0.2, 0.4, 0.7];
  let obj = new keras.BinaryIoU({
    targetClassIds: [0, 1],
    threshold: 0.3,
    dtype: "float32",
    ...K(),
  });
  assertAllClose(
    call(obj, yTrue, yPred, [0.2, 0.3, 0.4, 0.1]),
    (0.2 / (0.6 + 0.5 - 0.2) + 0.1 / (0.4 + 0.5 - 0.1)) / 2,
  );
  obj = new keras.BinaryIoU({
    targetClassIds: [0, 1],
    threshold: 0.5,
    dtype: "float32",
    ...K(),
  });
  assertAllClose(
    call(obj, yTrue, yPred, [0.1, 0.2, 0.4, 0.3]),
    (0.5 / (0.5 + 0.7 - 0.5) + 0.3 / (0.5 + 0.3 - 0.3)) / 2,
  );
});

test("BinaryIoUTest.test_different_thresholds_unweighted", () => {
  const yTrue = [0, 1, 0, 1];
  const yPred = [0.1, 0.2, 0.4, 0.7];
  let obj = new keras.BinaryIoU({ targetClassIds: [0, 1], threshold: 0.3, ...K() });
  assertAllClose(call(obj, yTrue, yPred), (1 / (2 + 2 - 1) + 1 / (2 + 2 - 1)) / 2);
  obj = new keras.BinaryIoU({ targetClassIds: [0, 1], threshold: 0.5, ...K() });
  assertAllClose(call(obj, yTrue, yPred), (2 / (2 + 3 - 2) + 1 / (2 + 1 - 1)) / 2);
});

test("BinaryIoUTest.test_multi_dim_input", () => {
  const obj = new keras.BinaryIoU({
    targetClassIds: [0, 1],
    threshold: 0.4,
    dtype: "float32",
    ...K(),
  });
  const result = call(obj, f32([[0, 1], [0, 1]]), [[0.1, 0.7], [0.9, 0.3]], [[0.2, 0.3], [
    0.4,
    0.1,
  ]]);
  assertAllClose(result, (0.2 / (0.6 + 0.3 - 0.2) + 0.3 / (0.4 + 0.7 - 0.3)) / 2);
});

test("BinaryIoUTest.test_zero_valid_entries", () => {
  assertAllClose(new keras.BinaryIoU({ targetClassIds: [0, 1], ...K() }).result(), 0);
});

test("BinaryIoUTest.test_zero_and_non_zero_entries", () => {
  const obj = new keras.BinaryIoU({ targetClassIds: [0, 1], threshold: 0.5, ...K() });
  assertAllClose(call(obj, [1], f32([0.6])), 1 / (1 + 1 - 1));
});

// ---------------------------------------------------------------- MeanIoUTest
test("MeanIoUTest.test_config", () => {
  const m = new keras.MeanIoU({ numClasses: 2, name: "mean_iou", ...K() });
  assert.equal(m.name, "mean_iou");
  assert.equal(m.numClasses, 2);
  const m2 = new keras.MeanIoU({ numClasses: m.numClasses, name: m.name, ...K() });
  assert.equal(m2.name, "mean_iou");
  assert.equal(m2.numClasses, 2);
});

test("MeanIoUTest.test_unweighted", () => {
  const m = new keras.MeanIoU({ numClasses: 2, ...K() });
  assertAllClose(call(m, [0, 0, 1, 1], [0, 1, 0, 1]), (1 / (2 + 2 - 1) + 1 / (2 + 2 - 1)) / 2);
});

test("MeanIoUTest.test_unweighted_ignore_class_255 / _1", () => {
  for (const [ignore, last] of [[255, 255], [-1, -1]]) {
    const m = new keras.MeanIoU({ numClasses: 3, ignoreClass: ignore, ...K() });
    const result = call(m, [0, 1, 2, last], [0, 1, 1, 1]);
    assertAllClose(result, (1 / (1 + 1 - 1) + 1 / (2 + 1 - 1) + 0 / (0 + 1 - 0)) / 3);
  }
});

test("MeanIoUTest.test_weighted", () => {
  const m = new keras.MeanIoU({ numClasses: 2, dtype: "float32", ...K() });
  const result = call(m, [0, 0, 1, 1], f32([0, 1, 0, 1]), [0.2, 0.3, 0.4, 0.1]);
  assertAllClose(result, (0.2 / (0.6 + 0.5 - 0.2) + 0.1 / (0.4 + 0.5 - 0.1)) / 2);
});

test("MeanIoUTest.test_weighted_ignore_class_1", () => {
  const m = new keras.MeanIoU({
    numClasses: 2,
    ignoreClass: -1,
    dtype: "float32",
    ...K(),
  });
  const result = call(m, [0, 0, 1, -1], f32([0, 1, 0, 1]), [0.2, 0.3, 0.4, 0.1]);
  assertAllClose(result, (0.2 / (0.6 + 0.5 - 0.2) + 0.0 / (0.3 + 0.4 - 0.0)) / 2);
});

test("MeanIoUTest.test_multi_dim_input", () => {
  const m = new keras.MeanIoU({ numClasses: 2, dtype: "float32", ...K() });
  const result = call(m, [[0, 0], [1, 1]], f32([[0, 1], [0, 1]]), [[0.2, 0.3], [0.4, 0.1]]);
  assertAllClose(result, (0.2 / (0.6 + 0.5 - 0.2) + 0.1 / (0.4 + 0.5 - 0.1)) / 2);
});

test("MeanIoUTest.test_zero_valid_entries", () => {
  assertAllClose(new keras.MeanIoU({ numClasses: 2, ...K() }).result(), 0);
});

test("MeanIoUTest.test_zero_and_non_zero_entries", () => {
  const m = new keras.MeanIoU({ numClasses: 2, ...K() });
  assertAllClose(call(m, [1], f32([1])), (0 + 1 / (1 + 1 - 1)) / 1);
});

test("MeanIoUTest.test_out_of_range_ignored / test_negative_ignored", () => {
  for (const yt of [[0, 3], [0, -1]]) {
    const m = new keras.MeanIoU({ numClasses: 2, ...K() });
    m.updateState(yt, [0, 1]);
    assertAllClose(m.result(), 1.0);
  }
});

test("MeanIoUTest.test_absent_class_contributes_zero", () => {
  const m = new keras.MeanIoU({ numClasses: 3, ...K() });
  assertAllClose(call(m, [0, 0, 0, 0], [0, 0, 0, 0]), 1.0);
});

test("MeanIoUTest.test_big_chunk", () => {
  // np.random.seed(14); choice([0, 1, 2], (10, 530, 530)); argmax of normalised rand(.., 3):
  // the pair counts of those 2,809,000 labels, by NumPy 2 running the upstream lines
  const counts = [[311969, 313077, 311345], [311849, 311821, 313432], [311836, 311780, 311891]];
  assert.equal(counts.flat().reduce((a, b) => a + b), 10 * 530 * 530);
  const start = [[18729664, 18728760, 18731196], [18727297, 18726105, 18728071], [
    18727917,
    18717835,
    18723155,
  ]];
  const manual = start.map((r, i) => r.map((v, j) => v + counts[i][j]));
  const intM = new keras.MeanIoU({ numClasses: 3, ...K() }).assignTotalCm(start);
  intM.updateStateFromCounts(counts);
  assert.deepEqual(intM.totalCm, manual, "Confusion matrices do not match!");
  const f32M = new keras.MeanIoU({ numClasses: 3, dtype: "float32", ...K() })
    .assignTotalCm(start);
  f32M.updateStateFromCounts(counts);
  assert.notDeepEqual(f32M.totalCm, manual, "Confusion matrices match, but they should not!");
  // beyond upstream: the float32 matrix and the result real Keras 3.15.1 gives here (the same on
  // TensorFlow, JAX, torch and NumPy, run with the upstream lines)
  assert.deepEqual(f32M.totalCm, [
    [19041632, 19041836, 19042540],
    [19039144, 19037924, 19041504],
    [19039752, 19029616, 19035048],
  ]);
  assert.equal(f32M.result(), 0.19999273121356964);
  assert.equal(intM.result(), 0.19999273121356964);
});

test("MeanIoUTest.test_user_warning_float_weight", () => {
  const m = new keras.MeanIoU({ numClasses: 3, ...K() });
  call(m, [0, 1, 1, 0], [0, 1, 1, 1], [0.2, 0.3, 0.4, 0.1]);
  assert.ok(m.warnings.some((w) => /weight.*float.*int.*casting/.test(w)), m.warnings.join("\n"));
});

// ---------------------------------------------------------------- OneHotIoUTest, OneHotMeanIoUTest
const OH_TRUE = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]];
const OH_PRED = [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]];

test("OneHotIoUTest.test_unweighted", () => {
  const obj = new keras.OneHotIoU({ numClasses: 3, targetClassIds: [0, 2], ...K() });
  assertAllClose(call(obj, OH_TRUE, OH_PRED), (0 / (1 + 2 - 0) + 1 / (3 + 1 - 1)) / 2);
});

test("OneHotIoUTest.test_weighted", () => {
  const obj = new keras.OneHotIoU({
    numClasses: 3,
    targetClassIds: [0, 2],
    dtype: "float32",
    ...K(),
  });
  assertAllClose(
    call(obj, OH_TRUE, OH_PRED, [0.1, 0.2, 0.3, 0.4]),
    (0 / (0.3 + 0.6 - 0) + 0.1 / (0.7 + 0.1 - 0.1)) / 2,
  );
});

test("OneHotMeanIoUTest.test_unweighted", () => {
  const obj = new keras.OneHotMeanIoU({ numClasses: 3, ...K() });
  assertAllClose(call(obj, OH_TRUE, OH_PRED), (0 + 0 + 1 / (3 + 1 - 1)) / 3);
});

test("OneHotMeanIoUTest.test_weighted", () => {
  const yTrue = [...OH_TRUE, [1, 0, 0]];
  const yPred = [...OH_PRED, [0.6, 0.2, 0.2]];
  const expected = (0.1 / (0.4 + 0.6 - 0.1) + 0 + 0.1 / (0.6 + 0.1 - 0.1)) / 3;
  const obj = new keras.OneHotMeanIoU({ numClasses: 3, dtype: "float32", ...K() });
  assertAllClose(call(obj, yTrue, yPred, [0.1, 0.2, 0.3, 0.3, 0.1]), expected);
  const objInt = new keras.OneHotMeanIoU({ numClasses: 3, ...K() });
  assertAllClose(call(objInt, yTrue, yPred, [1, 2, 3, 3, 1]), expected);
});
