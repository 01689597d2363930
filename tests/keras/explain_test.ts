import assert from "node:assert/strict";
import { ConfusionMatrix } from "../../lib/core/confusion_matrix.ts";
import { meanIoU } from "../../lib/metrics/mean_iou.ts";
import { explain, MeanIoU } from "../../lib/keras/mod.ts";

function sumParts(x: ReturnType<typeof explain>): number {
  return x.parts.counting + x.parts.absentClasses + x.parts.epsilon + x.parts.float32Result;
}

function data(n: number, c: number, seed: number): { t: Uint8Array; p: Uint8Array } {
  const t = new Uint8Array(n);
  const p = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    t[i] = (s >>> 4) % c;
    p[i] = (s >>> 12) % 4 === 0 ? (s >>> 20) % c : t[i];
  }
  return { t, p };
}

Deno.test("explain: the exact value is the core's dataset mean IoU, and the parts add up", () => {
  // class 3 never appears: absent
  const { t, p } = data(20000, 3, 1);
  for (const version of ["2.15", "3.7.0", "3.8.0", "3.15.1"]) {
    const m = new MeanIoU({ numClasses: 4, version, trackExact: true });
    m.updateState(t, p);
    const core = new ConfusionMatrix(4).update(t, p);
    for (const absent of ["exclude", "zero", "one"] as const) {
      const x = explain(m, { absent });
      assert.equal(x.exact, meanIoU(core, { absent }), `${version} ${absent}`);
      assert.ok(Math.abs(sumParts(x) - x.gap) < 1e-12);
      assert.deepEqual(x.absentClasses, [3]);
      assert.equal(x.parts.counting, 0); // small counts: every state is exact
      if (absent === "exclude") assert.equal(x.parts.absentClasses, 0);
      if (absent === "zero") assert.ok(x.parts.absentClasses > 0); // Keras leaves class 3 out
    }
    const x = explain(m);
    if (version === "2.15") assert.equal(x.parts.epsilon, 0);
    else assert.ok(x.parts.epsilon < 0);
  }
});

Deno.test("explain: saturation shows up as the counting part, far larger when compiled", () => {
  const batch = 4194304; // 16 batches of 2^22 pixels, most of them in cell (0, 0)
  const t = new Uint8Array(batch);
  const p = new Uint8Array(batch);
  for (let i = 0; i < batch; i += 50) t[i] = 1;
  for (let i = 0; i < batch; i += 70) p[i] = 1;
  const eager = new MeanIoU({ numClasses: 2, version: "3.7.0", backend: "jax", trackExact: true });
  const xla = new MeanIoU({
    numClasses: 2,
    version: "3.7.0",
    backend: "jax",
    compiled: "xla",
    trackExact: true,
  });
  for (let b = 0; b < 16; b++) {
    eager.updateState(t, p);
    xla.updateState(t, p);
  }
  const e = explain(eager);
  const c = explain(xla);
  assert.equal(c.kerasCm[0][0], 16777216);
  assert.ok(c.exactCm[0][0] > 60000000);
  assert.ok(Math.abs(c.parts.counting) > 100 * Math.abs(e.parts.counting));
  assert.ok(c.cellErrors.some(([i, j]) => i === 0 && j === 0));
  assert.ok(c.lines.some((l) => /worst is \[0\]\[0\] = 16777216/.test(l)));
});

Deno.test("explain: truncated float weights of 3.8+ are a counting error", () => {
  const m = new MeanIoU({ numClasses: 2, version: "3.8.0", trackExact: true });
  m.updateState([0, 0, 1, 1], [0, 1, 0, 1], new Float32Array([0.3, 0.3, 0.3, 0.1]));
  const x = explain(m);
  assert.equal(x.keras, 0);
  // exact: cm [[.3,.3],[.3,.1]] -> IoU0 = .3/.9, IoU1 = .1/.7 (float32 weights)
  const w3 = Math.fround(0.3);
  const w1 = Math.fround(0.1);
  assert.ok(Math.abs(x.exact - (w3 / (3 * w3) + w1 / (2 * w3 + w1)) / 2) < 1e-15);
  assert.ok(Math.abs(x.parts.counting + x.exact) < 1e-12);
  assert.ok(x.lines.some((l) => /truncates non-integer weights/.test(l)));
});

Deno.test("explain needs trackExact", () => {
  const m = new MeanIoU({ numClasses: 2 });
  assert.throws(() => explain(m), /trackExact: true/);
});
