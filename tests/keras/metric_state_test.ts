/**
 * merge_state / reset_state / reset_states / total_cm.assign of the Keras IoU metrics, on cases
 * worked by hand from the sources (tf.keras base_metric.py merge_state: assign_add per weight;
 * TF's float32 round-to-nearest-even and int32 wrap-around) and checked where this machine has
 * the real thing (TF 2.21's tf.Variable.assign_add gives the same sums and error texts).
 */
import assert from "node:assert/strict";
import { keras } from "../../mod.ts";

const isKeras = (type: string, text?: RegExp) => (e: unknown) =>
  e instanceof keras.KerasError && e.kerasErrorType === type &&
  (text === undefined || text.test(e.kerasError));

Deno.test("tf.keras merge_state adds in float32: cells past 2^24 round to even", () => {
  const a = new keras.MeanIoU({ numClasses: 2, version: "2.15" });
  a.assignTotalCm([[2 ** 24, 1], [0, 3]]);
  const b = new keras.MeanIoU({ numClasses: 2, version: "2.15" }).updateStateFromCounts([[1, 1], [
    0,
    3,
  ]]);
  a.mergeState([b]);
  // 16777216 + 1 = 16777217 is no float32 (ties to even: 16777216); 1 + 1 and 3 + 3 exact
  assert.deepEqual(a.totalCm, [[16777216, 2], [0, 6]]);
  // a second merge of the same: 16777216 + 1 again stays; a two-step sum never reaches 2^24 + 2
  a.mergeState([b, b]);
  assert.deepEqual(a.totalCm, [[16777216, 4], [0, 12]]);
  // while one exact sum of 16777216 + 2 = 16777218 is a float32
  const c = new keras.MeanIoU({ numClasses: 2, version: "2.15" }).assignTotalCm([[2, 0], [0, 0]]);
  a.mergeState([c]);
  assert.equal(a.totalCm[0][0], 16777218);
});

Deno.test("tf.keras merge_state: float64 state exact; Keras 3 int32 sums wrap", () => {
  const f = new keras.MeanIoU({ numClasses: 2, version: "2.15", dtype: "float64" });
  f.assignTotalCm([[2 ** 24, 0], [0, 0]]);
  f.mergeState([
    new keras.MeanIoU({ numClasses: 2, version: "2.15", dtype: "float64" }).updateStateFromCounts([[
      1,
      0,
    ], [0, 0]]),
  ]);
  assert.equal(f.totalCm[0][0], 16777217);
  // integer dtypes are not emulated for tf.keras (RangeError); the int32 wrap is Keras 3.8+ on JAX
  assert.throws(
    () => new keras.MeanIoU({ numClasses: 2, version: "2.15", dtype: "int32" }),
    RangeError,
  );
  const i = new keras.MeanIoU({ numClasses: 2, version: "3.8.0", backend: "jax" });
  assert.equal(i.stateDtype, "int32");
  i.assignTotalCm([[2 ** 31 - 1, 0], [0, 0]]);
  i.sumState([
    new keras.MeanIoU({ numClasses: 2, version: "3.8.0", backend: "jax" }).updateStateFromCounts([[
      1,
      0,
    ], [0, 0]]),
  ]);
  assert.equal(i.totalCm[0][0], -(2 ** 31));
});

Deno.test("tf.keras merge_state of a metric into itself doubles it", () => {
  const a = new keras.IoU({ numClasses: 3, targetClassIds: [0], version: "2.12" });
  a.updateState([0, 1, 2, 2], [0, 2, 2, 1]);
  a.mergeState([a]);
  assert.deepEqual(a.totalCm, [[2, 0, 0], [0, 0, 2], [0, 2, 2]]);
  // IoU(0) = 2 / (2 + 2 - 2) = 1, no epsilon in tf.keras
  assert.equal(a.result(), 1);
});

Deno.test("tf.keras merge_state errors: dtype first, then shape; earlier metrics stay merged", () => {
  const a = new keras.MeanIoU({ numClasses: 2, version: "2.15" });
  const ok = new keras.MeanIoU({ numClasses: 2, version: "2.15" }).updateStateFromCounts([[1, 0], [
    0,
    1,
  ]]);
  const three = new keras.MeanIoU({ numClasses: 3, version: "2.15" });
  const f64 = new keras.MeanIoU({ numClasses: 2, version: "2.15", dtype: "float64" });
  assert.throws(
    () => a.mergeState([ok, three, ok]),
    isKeras(
      "InvalidArgumentError",
      /^InvalidArgumentError: Cannot update variable with shape \[2,2\] using a Tensor with shape \[3,3\], shapes must be equal\. \[Op:AssignAddVariableOp\]$/,
    ),
  );
  assert.deepEqual(a.totalCm, [[1, 0], [0, 1]]); // the first was merged, the third was not
  assert.throws(
    () => a.mergeState([f64]),
    isKeras(
      "ValueError",
      /Incompatible type conversion requested to type float32 for `tf.Variable of type float64/,
    ),
  );
  assert.deepEqual(a.totalCm, [[1, 0], [0, 1]]);
  // another emulated version is an API misuse, not a Keras behaviour
  assert.throws(
    () => a.mergeState([new keras.MeanIoU({ numClasses: 2, version: "2.10" })]),
    RangeError,
  );
});

Deno.test("Keras 3 has no merge_state and no reset_states: AttributeError, state unchanged", () => {
  for (const version of ["3.0.0", "3.7.0", "3.8.0", "3.15.1"]) {
    for (
      const [C, name] of [[keras.MeanIoU, "MeanIoU"], [
        keras.OneHotMeanIoU,
        "OneHotMeanIoU",
      ]] as const
    ) {
      const m = new C({ numClasses: 2, version }).updateStateFromCounts([[1, 0], [0, 1]]);
      assert.throws(
        () => m.mergeState([m]),
        isKeras(
          "AttributeError",
          new RegExp(`^AttributeError: '${name}' object has no attribute 'merge_state'$`),
        ),
      );
      assert.throws(() => m.resetStates(), isKeras("AttributeError", /'reset_states'$/));
      assert.deepEqual(m.totalCm, [[1, 0], [0, 1]]);
    }
  }
});

Deno.test("reset_state zeroes in place and keeps the dtype; reset_states is its alias in tf.keras", () => {
  const m = new keras.MeanIoU({ numClasses: 2, version: "2.15", trackExact: true });
  m.updateState([0, 1, 1], [0, 1, 0], [0.5, 2, 1]);
  assert.equal(m.exactWeighted, true);
  m.resetStates();
  assert.deepEqual(m.totalCm, [[0, 0], [0, 0]]);
  assert.deepEqual(m.exactCm, [[0, 0], [0, 0]]);
  assert.equal(m.exactWeighted, false);
  assert.equal(m.result(), 0); // divide_no_nan(0, 0)
  m.updateState([1], [1]);
  assert.equal(m.result(), 1);
  const k3 = new keras.MeanIoU({ numClasses: 2, version: "3.8.0", backend: "jax" });
  k3.updateState([0, 1], [0, 1]);
  k3.resetState();
  assert.equal(k3.stateDtype, "int32");
  assert.deepEqual(k3.totalCm, [[0, 0], [0, 0]]);
});

Deno.test("sumState (total_cm.assign(total_cm + other.total_cm)) per state dtype, and exact tracking", () => {
  // Keras 3.7: float32 state whatever dtype says; 2^24 - 1 + 4 = 16777219 rounds to 16777220
  const a = new keras.MeanIoU({ numClasses: 2, version: "3.7.0", trackExact: true });
  const b = new keras.MeanIoU({ numClasses: 2, version: "3.7.0", trackExact: true });
  a.updateStateFromCounts([[2 ** 24 - 1, 0], [0, 0]]);
  b.updateStateFromCounts([[4, 0], [0, 0]]);
  a.sumState([b]);
  assert.equal(a.totalCm[0][0], 16777220);
  assert.equal(a.exactCm?.[0][0], 16777219); // the exact matrix keeps the true count
  // Keras 3.8 on TF: int64 state, exact
  const c = new keras.MeanIoU({ numClasses: 2, version: "3.8.0" }).assignTotalCm([
    [2 ** 31 - 1, 0],
    [0, 0],
  ]);
  c.sumState([
    new keras.MeanIoU({ numClasses: 2, version: "3.8.0" }).updateStateFromCounts([[1, 0], [0, 0]]),
  ]);
  assert.equal(c.stateDtype, "int64");
  assert.equal(c.totalCm[0][0], 2 ** 31);
  // a merged metric without an exact matrix makes the exact matrix unknown
  a.sumState([new keras.MeanIoU({ numClasses: 2, version: "3.7.0" })]);
  assert.equal(a.exactCm, null);
  // mismatches are refused, state unchanged
  const d = new keras.MeanIoU({ numClasses: 2, version: "3.15.1", backend: "torch" });
  assert.throws(
    () => d.sumState([new keras.MeanIoU({ numClasses: 3, version: "3.15.1", backend: "torch" })]),
    RangeError,
  );
  assert.throws(
    () => d.sumState([new keras.MeanIoU({ numClasses: 2, version: "3.15.1", backend: "jax" })]),
    RangeError,
  );
  assert.throws(
    () =>
      d.sumState([
        new keras.MeanIoU({ numClasses: 2, version: "3.15.1", backend: "torch", dtype: "float32" }),
      ]),
    RangeError,
  );
  assert.deepEqual(d.totalCm, [[0, 0], [0, 0]]);
});

Deno.test("assignTotalCm casts to the state dtype and refuses what it cannot hold", () => {
  const f = new keras.MeanIoU({ numClasses: 2, version: "3.15.1", dtype: "float32" });
  f.assignTotalCm([18727297, 18728760, 18731195, 1]); // row-major also accepted
  assert.deepEqual(f.totalCm, [[18727296, 18728760], [18731196, 1]]);
  const i = new keras.MeanIoU({ numClasses: 2, version: "3.15.1", backend: "jax" });
  assert.throws(() => i.assignTotalCm([[2 ** 31, 0], [0, 0]]), RangeError);
  assert.throws(() => i.assignTotalCm([[0.5, 0], [0, 0]]), RangeError);
  assert.throws(() => i.assignTotalCm([[1, 0, 0], [0, 0, 0]]), RangeError);
  assert.deepEqual(i.totalCm, [[0, 0], [0, 0]]);
  const big = new keras.MeanIoU({ numClasses: 2, version: "3.15.1" }); // int64 on TF
  big.assignTotalCm([[2 ** 53 - 1, 0], [0, 0]]);
  assert.throws(() => big.sumState([big]), RangeError); // past 2^53 the emulation stops
  assert.equal(big.totalCm[0][0], 2 ** 53 - 1);
});
