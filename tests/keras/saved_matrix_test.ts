import assert from "node:assert/strict";
import {
  analyzeSavedMatrix,
  matrixFromJSON,
  MAX_SAVED_MATRIX_CLASSES,
  readSavedMatrix,
  savedMatrix,
} from "../../lib/keras/saved_matrix.ts";
import { compare } from "../../lib/metrics/compare.ts";

/** A C x C matrix with a heavy diagonal and a deterministic spread of errors. */
function bigMatrix(C: number, scale = 1): Float64Array {
  const counts = new Float64Array(C * C);
  for (let t = 0; t < C; t++) {
    for (let p = 0; p < C; p++) {
      counts[t * C + p] = scale * (t === p ? 1000 + t : (t * 31 + p * 17) % 5);
    }
  }
  return counts;
}

// `Math.max(...cells)` overflowed the call stack from about 350 classes (120,000 arguments).
Deno.test("a saved matrix of 700 classes is analysed and compared without a stack overflow", () => {
  const C = 700;
  const counts = bigMatrix(C, 2 ** 21); // int32 cells up to (1000 + 699) * 2^21, above 2^30
  const report = analyzeSavedMatrix(counts, C, "int32");
  assert.equal(report.verdict, "float32-possible");
  let max = 0, total = 0;
  for (const v of counts) {
    if (v > max) max = v;
    total += v;
  }
  assert.equal(report.total, total);
  assert.ok(
    report.findings.some((f) => f.includes(`int32 cells reach ${max}`)),
    report.findings.join("\n"),
  );
  const { matrix } = readSavedMatrix(counts, C, "int32");
  assert.ok(matrix !== null);
  const result = compare(matrix);
  // the dataset mIoU by a second method: IoU_c = M[c][c] / (row_c + col_c - M[c][c])
  let sum = 0;
  for (let c = 0; c < C; c++) {
    let row = 0, col = 0;
    for (let k = 0; k < C; k++) {
      row += counts[c * C + k];
      col += counts[k * C + c];
    }
    sum += counts[c * C + c] / (row + col - counts[c * C + c]);
  }
  const dataset = result.definitions.find((d) => d.name === "dataset")!.value;
  assert.ok(Math.abs(dataset - sum / C) < 1e-12, `${dataset} vs ${sum / C}`);
  assert.equal(result.pixels, total);
});

Deno.test("negative cells are read as an int32 wrap and reported, with no matrix", () => {
  // int32 total_cm of Keras 3.8+ on JAX: cell (0, 0) held 2^31 + 648 pixels, stored as -2^31 + 648
  const cells = new Int32Array([2 ** 31 + 648, 3, 2, 9]);
  assert.equal(cells[0], -2147483000);
  const { report, matrix } = readSavedMatrix(cells, 2, "int32", "total_cm.npy");
  assert.equal(report.verdict, "int32-wrapped");
  assert.deepEqual(report.negativeCells, [{ trueClass: 0, predClass: 0, value: -2147483000 }]);
  assert.equal(report.integerCounts, false);
  assert.match(report.findings[0], /negative cell\(s\) \(0, 0\).*wraps after 2,147,483,647/);
  assert.equal(matrix, null);
  // building a matrix from them still refuses, and now says why
  assert.throws(
    () => savedMatrix(cells, 2),
    /found -2147483000 at row 0, column 0: a negative count is the signature of an int32 total_cm/,
  );
});

Deno.test("totals past 2^53 are refused, never rounded; 2^53 - 1 is exact", () => {
  const edge = [2 ** 52, 2 ** 52 - 2, 1, 0]; // 2^53 - 1
  const ok = readSavedMatrix(edge, 2, "int64");
  assert.equal(ok.report.total, Number.MAX_SAFE_INTEGER);
  assert.equal(ok.matrix!.total, Number.MAX_SAFE_INTEGER);
  assert.equal(ok.report.verdict, "exact"); // 2^52 - 2 is no float32 number: not float32 state
  // 2^53 + 1 pixels: float64 would store 2^53 and call the result exact
  const over = [2 ** 52, 2 ** 52, 1, 0];
  for (
    const f of [
      () => analyzeSavedMatrix(over, 2, "int64"),
      () => savedMatrix(over, 2),
      () => readSavedMatrix(over, 2, "float64"),
    ]
  ) {
    assert.throws(
      f,
      /Expected the cells to sum to less than 2\^53 .* sum to 2\^53 or more: the total/,
    );
  }
  assert.throws(
    () => readSavedMatrix(over, 2, "int64", "cm.npy"),
    /^RangeError: cm\.npy: Expected/,
  );
  // a single float64 cell past 2^53 is past it too
  assert.throws(
    () => analyzeSavedMatrix([1e17, 0, 0, 1], 2, "float64"),
    /sum to less than 2\^53 .* but they sum to about 1\.000000e\+17/,
  );
  // negative cells do not lower the sum that is checked
  assert.throws(
    () => analyzeSavedMatrix([2 ** 53, -5, 0, 0], 2, "float64"),
    /sum to less than 2\^53/,
  );
});

Deno.test("the number of classes of a saved matrix is limited, before anything is allocated", () => {
  const C = MAX_SAVED_MATRIX_CLASSES + 1;
  const rows = new Array(C).fill([]); // rows would be checked after the count
  assert.throws(
    () => matrixFromJSON(rows, "cm.json"),
    new RegExp(
      `^RangeError: cm\\.json: Expected a saved confusion matrix of 2 to at most 4096 classes, but found ${C}$`,
    ),
  );
  assert.throws(() => analyzeSavedMatrix([], C, "json"), /at most 4096 classes, but found 4097/);
  assert.throws(() => savedMatrix([], 1.5), /at most 4096 classes, but found 1\.5/);
});

Deno.test("weighted saved matrices stay weighted; lengths are checked", () => {
  const cm = savedMatrix([0.5, 1, 0, 2.25], 2);
  assert.equal(cm.weighted, true);
  assert.deepEqual(cm.toArray(), [[0.5, 1], [0, 2.25]]);
  assert.equal(readSavedMatrix([0.5, 1, 0, 2.25], 2, "float32").report.verdict, "weights");
  assert.throws(() => savedMatrix([1, 2, 3], 2), /Expected 4 cells for 2 classes, but found 3/);
  assert.throws(() => savedMatrix([1, NaN, 3, 4], 2), /found NaN at row 0, column 1$/);
});
