import assert from "node:assert/strict";
import { pairByName, pixelPosition, toLabelArray } from "../../lib/io/dataset.ts";
import { analyzeSavedMatrix, matrixFromJSON, savedMatrix } from "../../lib/keras/saved_matrix.ts";

Deno.test("audit: saved-matrix verdicts for each kind of evidence", () => {
  // small integer counts: nothing to say
  assert.equal(analyzeSavedMatrix([5, 1, 2, 7], 2, "int64").verdict, "exact");
  // 2^24 exactly in a float32 file: a stopped count
  const sat = analyzeSavedMatrix(new Float32Array([16777216, 0, 0, 3]), 2, "float32");
  assert.equal(sat.verdict, "float32-damaged");
  assert.equal(sat.saturatedCells.length, 1);
  // float64 with big even values only: a float32 origin cannot be ruled out
  const even = analyzeSavedMatrix([33554432, 2, 0, 40000000], 2, "float64");
  assert.equal(even.verdict, "float32-possible");
  assert.equal(even.aboveLimitCells.length, 2);
  // an odd value above 2^24 cannot be a float32 number: exact integer state
  const odd = analyzeSavedMatrix([16777217, 2, 0, 40000000], 2, "int64");
  assert.equal(odd.verdict, "exact");
  assert.deepEqual(odd.notFloat32Cells.map((c) => c.value), [16777217]);
  assert.equal(Math.fround(16777217) === 16777217, false); // the premise, checked
  // negative cells: an int32 wrap
  const wrap = analyzeSavedMatrix(new Int32Array([-2147483000, 1, 1, 1]), 2, "int32");
  assert.equal(wrap.verdict, "int32-wrapped");
  assert.equal(wrap.integerCounts, false);
  // non-integer cells: weighted sums
  assert.equal(analyzeSavedMatrix([0.5, 1, 1, 2], 2, "float32").verdict, "weights");
  assert.equal(analyzeSavedMatrix([1, 1, 1, 2], 2, "json").total, 5);
  assert.throws(
    () => analyzeSavedMatrix([NaN, 1, 1, 1], 2, "float32"),
    /NaN.*NaN or infinite sample weight/,
  );
  assert.throws(() => analyzeSavedMatrix([1, 1, 1], 2, "json"), /4 cells/);
});

Deno.test("audit: pairing, JSON matrices, label conversion, positions", () => {
  assert.throws(() => pairByName(["a.png", "a.npy"], ["a.png"]), /both a\.png and a\.npy/);
  const p = pairByName(["x/a.png", "y/a.png"], ["y/a.npy", "x/a.npy", "z.png"]);
  assert.deepEqual(p.pairs.map((q) => q.name), ["x/a", "y/a"]);
  assert.deepEqual(p.unpairedPred, ["z.png"]);
  assert.deepEqual(matrixFromJSON([[1, 2], [3, 4]]).counts, [1, 2, 3, 4]);
  assert.deepEqual(matrixFromJSON({ confusionMatrix: [[1, 0], [0, 1]] }).numClasses, 2);
  assert.throws(
    () => matrixFromJSON([[1, 2], [3]], "m.json"),
    /m\.json: expected row 1 to have 2 cells/,
  );
  assert.throws(() => matrixFromJSON({ foo: 1 }, "m.json"), /m\.json: expected a square/);
  assert.throws(() => matrixFromJSON([[1, "2"], [3, 4]], "m.json"), /"2" at row 0, column 1/);
  const u = toLabelArray(new Uint32Array([4294967295]));
  assert.ok(u instanceof Float64Array);
  assert.equal(u[0], 4294967295);
  const same = new Uint16Array([1]);
  assert.equal(toLabelArray(same), same);
  assert.equal(pixelPosition(5, [2, 3, 4]), "element (0, 1, 1)");
  const cm = savedMatrix([3, 1, 0, 2], 2);
  assert.deepEqual(cm.toArray(), [[3, 1], [0, 2]]);
  assert.equal(cm.weighted, false);
  assert.throws(() => savedMatrix([-1, 0, 0, 1], 2), /row 0, column 0/);
});
