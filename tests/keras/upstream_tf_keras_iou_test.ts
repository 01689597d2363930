/**
 * Port of tf-keras's `tf_keras/metrics/iou_metrics_test.py` (keras-team/tf-keras, HEAD of
 * 2026-03-22): every test of IoUTest, BinaryIoUTest, MeanIoUTest, OneHotIoUTest and
 * OneHotMeanIoUTest, with the same inputs, expected values and tolerance (`assertAllClose`,
 * atol 1e-3, rtol 1e-6), on the public API (`keras` namespace of the root mod.ts), emulating
 * tf.keras 2.15. Upstream runs each test in graph and eager mode; the emulation has one
 * behaviour for both (the update ops are the same), so each test runs once per mode label.
 * `tf.constant` of integers is int32 and of floats float32; plain arrays stand for Python
 * lists. `get_config`/`from_config` are ported as a rebuild from the public fields.
 */
import assert from "node:assert/strict";
import { keras } from "../../mod.ts";

const VERSION = "2.15";
const MODES = ["graph", "eager"] as const;

function assertAllClose(actual: number, expected: number, atol = 1e-3, rtol = 1e-6): void {
  assert.ok(
    Math.abs(actual - expected) <= atol + rtol * Math.abs(expected),
    `${actual} is not close to ${expected} (atol ${atol})`,
  );
}

function constant(data: number[] | number[][], dtype?: "int32" | "float32") {
  const flat = (data as number[]).flat();
  return {
    data: flat,
    shape: Array.isArray(data[0]) ? [data.length, (data[0] as number[]).length] : [data.length],
    dtype: dtype ??
      (flat.every((v) => Number.isInteger(v)) && !flat.some((v) => Object.is(v, -0))
        ? "int32" as const
        : "float32" as const),
  };
}

function call(
  m: keras.IoU,
  yTrue: keras.KerasInput,
  yPred: keras.KerasInput,
  w?: keras.KerasInput,
) {
  m.updateState(yTrue, yPred, w);
  return m.result();
}

function test(name: string, fn: () => void): void {
  for (const mode of MODES) Deno.test(`tf-keras ${name} [${mode}]`, fn);
}

// ---------------------------------------------------------------- IoUTest
test("IoUTest.test_config", () => {
  const obj = new keras.IoU({
    numClasses: 2,
    targetClassIds: [1, 0],
    name: "iou_class_1_0",
    version: VERSION,
  });
  assert.equal(obj.name, "iou_class_1_0");
  assert.equal(obj.numClasses, 2);
  assert.deepEqual(obj.targetClassIds, [1, 0]);
  const obj2 = new keras.IoU({
    numClasses: obj.numClasses,
    targetClassIds: obj.targetClassIds,
    name: obj.name,
    version: VERSION,
  });
  assert.equal(obj2.name, "iou_class_1_0");
  assert.equal(obj2.numClasses, 2);
  assert.deepEqual(obj2.targetClassIds, [1, 0]);
});

test("IoUTest.test_unweighted", () => {
  const obj = new keras.IoU({ numClasses: 2, targetClassIds: [0, 1], version: VERSION });
  assertAllClose(call(obj, [0, 0, 1, 1], [0, 1, 0, 1]), (1 / (2 + 2 - 1) + 1 / (2 + 2 - 1)) / 2);
});

test("IoUTest.test_weighted", () => {
  const obj = new keras.IoU({ numClasses: 2, targetClassIds: [1, 0], version: VERSION });
  const r = call(
    obj,
    constant([0, 0, 1, 1]),
    constant([0, 1, 0, 1], "float32"),
    constant([0.2, 0.3, 0.4, 0.1]),
  );
  assertAllClose(r, (0.1 / (0.4 + 0.5 - 0.1) + 0.2 / (0.6 + 0.5 - 0.2)) / 2);
});

test("IoUTest.test_multi_dim_input", () => {
  const obj = new keras.IoU({ numClasses: 2, targetClassIds: [0, 1], version: VERSION });
  const r = call(
    obj,
    constant([[0, 0], [1, 1]]),
    constant([[0, 1], [0, 1]], "float32"),
    constant([[0.2, 0.3], [0.4, 0.1]]),
  );
  assertAllClose(r, (0.2 / (0.6 + 0.5 - 0.2) + 0.1 / (0.4 + 0.5 - 0.1)) / 2);
});

test("IoUTest.test_zero_valid_entries", () => {
  assertAllClose(
    new keras.IoU({ numClasses: 2, targetClassIds: [0, 1], version: VERSION }).result(),
    0,
  );
});

test("IoUTest.test_zero_and_non_zero_entries", () => {
  const obj = new keras.IoU({ numClasses: 2, targetClassIds: [0, 1], version: VERSION });
  assertAllClose(call(obj, constant([1]), constant([1], "float32")), (1 / (1 + 1 - 1)) / 1);
});

// ---------------------------------------------------------------- BinaryIoUTest
test("BinaryIoUTest.test_config", () => {
  const obj = new keras.BinaryIoU({
    targetClassIds: [1, 0],
    threshold: 0.1,
    name: "iou_class_1_0",
    version: VERSION,
  });
  assert.equal(obj.name, "iou_class_1_0");
  assertAllClose(obj.threshold, 0.1, 1e-7);
  assert.deepEqual(obj.targetClassIds, [1, 0]);
  const obj2 = new keras.BinaryIoU({
    targetClassIds: obj.targetClassIds,
    threshold: obj.threshold,
    name: obj.name,
    version: VERSION,
  });
  assert.equal(obj.name, "iou_class_1_0");
  assertAllClose(obj2.threshold, 0.1, 1e-7);
  assert.deepEqual(obj.targetClassIds, [1, 0]);
});

test("BinaryIoUTest.test_different_thresholds_weighted", () => {
  const yTrue = [0, 1, 0, 1];
  const yPred = [0.1, 0.2, 0.4, 0.7];
  let obj = new keras.BinaryIoU({ targetClassIds: [0, 1], threshold: 0.3, version: VERSION });
  assertAllClose(
    call(obj, yTrue, yPred, constant([0.2, 0.3, 0.4, 0.1])),
    (0.2 / (0.6 + 0.5 - 0.2) + 0.1 / (0.4 + 0.5 - 0.1)) / 2,
  );
  obj = new keras.BinaryIoU({ targetClassIds: [0, 1], threshold: 0.5, version: VERSION });
  assertAllClose(
    call(obj, yTrue, yPred, constant([0.1, 0.2, 0.4, 0.3])),
    (0.5 / (0.5 + 0.7 - 0.5) + 0.3 / (0.5 + 0.3 - 0.3)) / 2,
  );
});

test("BinaryIoUTest.test_different_thresholds_unweighted", () => {
  const yTrue = [0, 1, 0, 1];
  const yPred = [0.1, 0.2, 0.4, 0.7];
  let obj = new keras.BinaryIoU({ targetClassIds: [0, 1], threshold: 0.3, version: VERSION });
  assertAllClose(call(obj, yTrue, yPred), (1 / (2 + 2 - 1) + 1 / (2 + 2 - 1)) / 2);
  obj = new keras.BinaryIoU({ targetClassIds: [0, 1], threshold: 0.5, version: VERSION });
  assertAllClose(call(obj, yTrue, yPred), (2 / (2 + 3 - 2) + 1 / (2 + 1 - 1)) / 2);
});

test("BinaryIoUTest.test_multi_dim_input", () => {
  const obj = new keras.BinaryIoU({ targetClassIds: [0, 1], threshold: 0.4, version: VERSION });
  const r = call(
    obj,
    constant([[0, 1], [0, 1]], "float32"),
    constant([[0.1, 0.7], [0.9, 0.3]]),
    constant([[0.2, 0.3], [0.4, 0.1]]),
  );
  assertAllClose(r, (0.2 / (0.6 + 0.3 - 0.2) + 0.3 / (0.4 + 0.7 - 0.3)) / 2);
});

test("BinaryIoUTest.test_zero_valid_entries", () => {
  assertAllClose(new keras.BinaryIoU({ targetClassIds: [0, 1], version: VERSION }).result(), 0);
});

test("BinaryIoUTest.test_zero_and_non_zero_entries", () => {
  const obj = new keras.BinaryIoU({ targetClassIds: [0, 1], threshold: 0.5, version: VERSION });
  assertAllClose(call(obj, constant([1]), constant([0.6], "float32")), 1 / (1 + 1 - 1));
});

// ---------------------------------------------------------------- MeanIoUTest
test("MeanIoUTest.test_config", () => {
  const m = new keras.MeanIoU({ numClasses: 2, name: "mean_iou", version: VERSION });
  assert.equal(m.name, "mean_iou");
  assert.equal(m.numClasses, 2);
  const m2 = new keras.MeanIoU({ numClasses: m.numClasses, name: m.name, version: VERSION });
  assert.equal(m2.name, "mean_iou");
  assert.equal(m2.numClasses, 2);
});

test("MeanIoUTest.test_unweighted", () => {
  const m = new keras.MeanIoU({ numClasses: 2, version: VERSION });
  assertAllClose(call(m, [0, 0, 1, 1], [0, 1, 0, 1]), (1 / (2 + 2 - 1) + 1 / (2 + 2 - 1)) / 2);
});

test("MeanIoUTest.test_unweighted_ignore_class_255 / _1", () => {
  for (const ignore of [255, -1]) {
    const m = new keras.MeanIoU({ numClasses: 3, ignoreClass: ignore, version: VERSION });
    assertAllClose(
      call(m, [0, 1, 2, ignore], [0, 1, 1, 1]),
      (1 / (1 + 1 - 1) + 1 / (2 + 1 - 1) + 0 / (0 + 1 - 0)) / 3,
    );
  }
});

test("MeanIoUTest.test_weighted", () => {
  const m = new keras.MeanIoU({ numClasses: 2, version: VERSION });
  const r = call(
    m,
    constant([0, 0, 1, 1]),
    constant([0, 1, 0, 1], "float32"),
    constant([0.2, 0.3, 0.4, 0.1]),
  );
  assertAllClose(r, (0.2 / (0.6 + 0.5 - 0.2) + 0.1 / (0.4 + 0.5 - 0.1)) / 2);
});

test("MeanIoUTest.test_weighted_ignore_class_1", () => {
  const m = new keras.MeanIoU({ numClasses: 2, ignoreClass: -1, version: VERSION });
  const r = call(
    m,
    constant([0, 0, 1, -1]),
    constant([0, 1, 0, 1], "float32"),
    constant([0.2, 0.3, 0.4, 0.1]),
  );
  assertAllClose(r, (0.2 / (0.6 + 0.5 - 0.2) + 0.0 / (0.3 + 0.4 - 0.0)) / 2);
});

test("MeanIoUTest.test_multi_dim_input", () => {
  const m = new keras.MeanIoU({ numClasses: 2, version: VERSION });
  const r = call(
    m,
    constant([[0, 0], [1, 1]]),
    constant([[0, 1], [0, 1]], "float32"),
    constant([[0.2, 0.3], [0.4, 0.1]]),
  );
  assertAllClose(r, (0.2 / (0.6 + 0.5 - 0.2) + 0.1 / (0.4 + 0.5 - 0.1)) / 2);
});

test("MeanIoUTest.test_zero_valid_entries", () => {
  assertAllClose(new keras.MeanIoU({ numClasses: 2, version: VERSION }).result(), 0);
});

test("MeanIoUTest.test_zero_and_non_zero_entries", () => {
  const m = new keras.MeanIoU({ numClasses: 2, version: VERSION });
  assertAllClose(call(m, constant([1]), constant([1], "float32")), (0 + 1 / (1 + 1 - 1)) / 1);
});

// ---------------------------------------------------------------- OneHotIoUTest, OneHotMeanIoUTest
const OH_TRUE = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]];
const OH_PRED = [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]];

test("OneHotIoUTest.test_unweighted", () => {
  const obj = new keras.OneHotIoU({ numClasses: 3, targetClassIds: [0, 2], version: VERSION });
  assertAllClose(
    call(obj, constant(OH_TRUE), constant(OH_PRED)),
    (0 / (1 + 2 - 0) + 1 / (3 + 1 - 1)) / 2,
  );
});

test("OneHotIoUTest.test_weighted", () => {
  const obj = new keras.OneHotIoU({ numClasses: 3, targetClassIds: [0, 2], version: VERSION });
  const r = call(obj, constant(OH_TRUE), constant(OH_PRED), [0.1, 0.2, 0.3, 0.4]);
  assertAllClose(r, (0 / (0.3 + 0.6 - 0) + 0.1 / (0.7 + 0.1 - 0.1)) / 2);
});

test("OneHotMeanIoUTest.test_unweighted", () => {
  const obj = new keras.OneHotMeanIoU({ numClasses: 3, version: VERSION });
  assertAllClose(call(obj, constant(OH_TRUE), constant(OH_PRED)), (0 + 0 + 1 / (3 + 1 - 1)) / 3);
});

test("OneHotMeanIoUTest.test_weighted", () => {
  const yTrue = constant([...OH_TRUE, [1, 0, 0]]);
  const yPred = constant([...OH_PRED, [0.6, 0.2, 0.2]]);
  const obj = new keras.OneHotMeanIoU({ numClasses: 3, version: VERSION });
  const r = call(obj, yTrue, yPred, [0.1, 0.2, 0.3, 0.3, 0.1]);
  assertAllClose(r, (0.1 / (0.4 + 0.6 - 0.1) + 0 + 0.1 / (0.6 + 0.1 - 0.1)) / 3);
});
