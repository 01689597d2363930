import assert from "node:assert/strict";
import { compiledRisk, MeanIoU } from "../../lib/keras/mod.ts";

const KERAS_GOLDEN = new URL("../../golden/keras/", import.meta.url).pathname;

Deno.test("updateStateFromCounts equals updateState on pixels with those counts", () => {
  const counts = [[5, 1, 0], [2, 7, 1], [0, 0, 3]];
  const t: number[] = [];
  const p: number[] = [];
  counts.forEach((row, i) =>
    row.forEach((n, j) => {
      for (let k = 0; k < n; k++) {
        t.push(i);
        p.push(j);
      }
    })
  );
  for (const version of ["2.15", "3.7.0", "3.8.0", "3.15.1"]) {
    for (const compiled of [false, "xla"] as const) {
      const a = new MeanIoU({ numClasses: 3, version, compiled });
      const b = new MeanIoU({ numClasses: 3, version, compiled });
      for (let k = 0; k < 3; k++) {
        a.updateState(t, p);
        b.updateStateFromCounts(counts);
      }
      assert.deepEqual(a.totalCm, b.totalCm);
      assert.equal(a.result(), b.result());
    }
  }
  assert.throws(() => new MeanIoU({ numClasses: 2 }).updateStateFromCounts([1, 2, 3]), RangeError);
  assert.throws(
    () => new MeanIoU({ numClasses: 2 }).updateStateFromCounts([1, 2, 3, 0.5]),
    RangeError,
  );
});

Deno.test({
  name: "per-batch counts of golden S4 reproduce real compiled Keras 3.7.0 (jax.jit) step by step",
  fn: () => {
    const file = JSON.parse(Deno.readTextFileSync(`${KERAS_GOLDEN}keras-v3.7.0-jax-jit.json`));
    const s4 = file.scenarios.S4;
    const m = new MeanIoU({ numClasses: 3, version: "3.7.0", backend: "jax", compiled: "xla" });
    let prev = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
    for (const step of s4.steps) {
      const ex: number[][] = step.exact_cm;
      m.updateStateFromCounts(ex.map((row, i) => row.map((v, j) => v - prev[i][j])));
      prev = ex;
      assert.deepEqual(m.totalCm, step.per_metric[0].total_cm);
      assert.equal(m.result(), step.per_metric[0].result);
    }
    assert.equal(m.totalCm[0][0], 16777216);
    assert.equal(m.result(), 0.7179972529411316);
  },
});

Deno.test("compiledRisk: freeze batch per cell, eager vs compiled vs exact", () => {
  // 8 images of 512 x 512 per batch, two classes
  const batch = [[1800000, 50000], [40000, 207152]];
  const r = compiledRisk(batch, 500, { every: 1 });
  // ceil(2^24 / n): 16777216 / 1800000 -> 10, / 50000 -> 336, / 40000 -> 420, / 207152 -> 81
  assert.deepEqual(r.freezeBatch, [[10, 336], [420, 81]]);
  assert.deepEqual(r.firstFreeze, { batch: 10, trueClass: 0, predClass: 0 });
  assert.equal(r.series.length, 500);
  // before the first freeze all three agree to float32 precision
  const early = r.series[8];
  assert.equal(early.eagerCell, early.exactCell);
  assert.equal(early.compiledCell, early.exactCell);
  // after it, the compiled cell is stuck at 2^24 for good; eager keeps counting (with rounding)
  assert.equal(r.final.compiledCell, 16777216);
  assert.ok(Math.abs(r.final.eagerCell - 900000000) <= 64);
  assert.equal(r.final.exactCell, 900000000);
  // exact: IoU0 = 1.8e6 / 1.89e6, IoU1 = 207152 / 297152 for every batch count
  assert.ok(Math.abs(r.final.exact - (1800000 / 1890000 + 207152 / 297152) / 2) < 1e-12);
  assert.ok(Math.abs(r.final.eager - r.final.exact) < 1e-6);
  assert.ok(r.final.exact - r.final.compiled > 0.01);
  assert.throws(() => compiledRisk(batch, 10, { version: "3.8.0" }), /float32 state/);
});
