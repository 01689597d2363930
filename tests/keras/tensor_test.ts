import assert from "node:assert/strict";
import { argmaxTensor, toKerasTensor } from "../../lib/keras/tensor.ts";

Deno.test("toKerasTensor: dtypes stand for what NumPy would hold", () => {
  assert.equal(toKerasTensor([1, 2, 3], "x").dtype, "int64");
  assert.equal(toKerasTensor([1, 2.5], "x").dtype, "float64");
  assert.equal(toKerasTensor(new Uint8Array(2), "x").dtype, "uint8");
  assert.equal(toKerasTensor(new Float32Array(2), "x").dtype, "float32");
  const s = toKerasTensor(0.5, "w");
  assert.equal(s.pythonScalar, true);
  assert.deepEqual(s.shape, []);
  const t = toKerasTensor({ data: [0, 1, 2, 3, 4, 5], shape: [2, 3], dtype: "int32" }, "x");
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, "int32");
});

Deno.test("toKerasTensor: errors name the input, the expectation and the finding", () => {
  assert.throws(
    () => toKerasTensor({ data: [1, 2, 3], shape: [2, 2] }, "yTrue"),
    /Expected yTrue\.data to hold 4 values for shape \[2, 2\], but found 3/,
  );
  assert.throws(() => toKerasTensor([[1, 2], [3]], "yPred"), /rectangular/);
  assert.throws(
    () => toKerasTensor({ data: [1], shape: [1], dtype: "complex64" as never }, "w"),
    /Expected w\.dtype to be one of/,
  );
  assert.throws(() => toKerasTensor("abc" as never, "yTrue"), TypeError);
});

Deno.test("argmaxTensor: first maximum wins ties, NaN counts as the maximum, any axis", () => {
  const t = toKerasTensor([[0.4, 0.4, 0.2], [0.25, 0.375, 0.375], [1, 1, 1], [0, NaN, 5]], "p");
  assert.deepEqual(Array.from(argmaxTensor(t, -1, "p").data), [0, 1, 0, 1]);
  // (2, 2, 2): reduce the middle axis
  const u = toKerasTensor({ data: [1, 5, 3, 2, 0, 0, 9, 1], shape: [2, 2, 2] }, "p");
  const r = argmaxTensor(u, 1, "p");
  assert.deepEqual(r.shape, [2, 2]);
  assert.deepEqual(Array.from(r.data), [1, 0, 1, 1]);
  assert.throws(() => argmaxTensor(u, 3, "p"), /Expected axis to index a dimension of p/);
});
