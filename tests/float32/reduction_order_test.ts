import assert from "node:assert/strict";
import fc from "fast-check";
import { numpySum, torchColumnSums32, torchRowSums32, torchSum32 } from "../../mod.ts";

// The orders themselves are checked against real torch and NumPy through the goldens
// (tests/golden/peers_test.ts: 9- and 12-class matrices with cells above 2^24 exercise the
// vectorised paths). Here: exactness where no rounding can happen, and hand-traced orders.

Deno.test("sums are exact when every partial sum is representable", () => {
  const values = Array.from({ length: 300 }, (_, k) => (k * 7919) % 1000);
  const exact = values.reduce((a, b) => a + b, 0);
  for (const n of [1, 3, 7, 8, 9, 31, 33, 64, 100, 300]) {
    const part = values.slice(0, n);
    const want = part.reduce((a, b) => a + b, 0);
    assert.equal(torchSum32(part), want);
    assert.equal(torchSum32(part, 16), want);
    assert.equal(numpySum(part), want);
    assert.equal(numpySum(part, true), want);
  }
  assert.equal(torchSum32(values), exact);
  const m = Array.from({ length: 35 }, (_, k) => k);
  assert.deepEqual(torchColumnSums32(m, 5, 7), [70, 75, 80, 85, 90, 95, 100]);
  assert.deepEqual(torchRowSums32(m, 5, 7), [21, 70, 119, 168, 217]);
});

Deno.test("torch float32 order, traced by hand", () => {
  const big = 2 ** 24;
  // n = 5 < 8: four interleaved partials [x0+x4, x1, x2, x3], then ((p0 + p1) + p2) + p3.
  // [1, big, 1, 0, 1]: p0 = 1 + 1 = 2, then 2 + big = big + 2 (exact), + 1 = big + 3 → ties to
  // even: big + 4, + 0. A left-to-right sum gives big (each 1 added to big is lost).
  assert.equal(torchSum32([1, big, 1, 0, 1]), big + 4);
  let seq = 0;
  for (const v of [1, big, 1, 0, 1]) seq = Math.fround(seq + v);
  assert.equal(seq, big);
  // Column sums of a 5 x 5 matrix (fewer than 8 columns): columns 0-3 are summed down the rows
  // one after another, column 4 with four interleaved partials. Rows [1, 1, 1, 1, big]:
  // sequential gives 4 + big exactly; partials give p0 = 1 + big → big (tie to even), then
  // + 1 three times, each lost → big.
  const m = new Array<number>(25).fill(0);
  const col4 = [1, 1, 1, 1, big];
  const col0 = [1, 1, 1, 1, big];
  for (let r = 0; r < 5; r++) {
    m[r * 5 + 4] = col4[r];
    m[r * 5] = col0[r];
  }
  const sums = torchColumnSums32(m, 5, 5);
  assert.equal(sums[0], big + 4); // sequential: 4 + big
  assert.equal(sums[4], big); // interleaved: big swallows each 1
});

Deno.test("numpy pairwise order: eight accumulators from 8 values", () => {
  // 9 float32 values: acc[j] = x[j] for j < 8, then x[8] added after the tree.
  const big = 2 ** 24;
  const x = [big, 1, 1, 0, 0, 0, 0, 0, 1];
  // tree: ((big + 1) + (1 + 0)) + (0 ...) = (big + 1 → big) + 1 → big; then + 1 → big.
  assert.equal(numpySum(x, true), big);
  // float64 keeps everything.
  assert.equal(numpySum(x), big + 3);
});

Deno.test("torch orders match real torch 2.13 sums (tests/fixtures/torch_sums.json)", () => {
  // Recorded with real torch (CPU, AVX2) for the Keras emulation, independently of this module.
  const fixture = JSON.parse(
    Deno.readTextFileSync(new URL("../fixtures/torch_sums.json", import.meta.url)),
  ) as {
    cpu_capability: string;
    vectors: { values: number[]; sum: number }[];
    matrices: { matrix: number[][]; row_sums: number[]; col_sums: number[] }[];
  };
  assert.equal(fixture.cpu_capability, "AVX2");
  for (const v of fixture.vectors) assert.equal(torchSum32(v.values), v.sum);
  for (const m of fixture.matrices) {
    const rows = m.matrix.length;
    const cols = m.matrix[0].length;
    assert.deepEqual(torchRowSums32(m.matrix.flat(), rows, cols), m.row_sums);
    assert.deepEqual(torchColumnSums32(m.matrix.flat(), rows, cols), m.col_sums);
  }
  assert.ok(fixture.vectors.length > 50 && fixture.matrices.length > 40);
  // they are not plain left-to-right sums (the test would not catch a wrong order otherwise)
  const leftToRight = (v: number[]) => v.reduce((a, b) => Math.fround(a + Math.fround(b)), 0);
  assert.ok(fixture.vectors.some((v) => leftToRight(v.values) !== v.sum));
});

Deno.test("torchSum32 equals a direct port of PyTorch's cascade sum, short rows included", () => {
  // A second, literal port of aten's `multi_row_sum` / `row_sum` / vectorised sum (float32
  // accumulators), with no shortcut for short rows: the module skips the cascade below its
  // smallest level step, which must not change a bit.
  const f = Math.fround;
  const multiRowSum = (get: (i: number, k: number) => number, nrows: number, size: number) => {
    const levelPower = Math.max(4, Math.floor((size <= 1 ? 0 : Math.ceil(Math.log2(size))) / 4));
    const step = 2 ** levelPower;
    const acc = [0, 1, 2, 3].map(() => new Array<number>(nrows).fill(0));
    let i = 0;
    while (i + step <= size) {
      for (let j = 0; j < step; j++, i++) {
        for (let k = 0; k < nrows; k++) acc[0][k] = f(acc[0][k] + get(i, k));
      }
      for (let j = 1; j < 4; j++) {
        for (let k = 0; k < nrows; k++) {
          (acc[j][k] = f(acc[j][k] + acc[j - 1][k])), (acc[j - 1][k] = 0);
        }
        if (Math.floor(i / 2 ** (j * levelPower)) % step !== 0) break;
      }
    }
    for (; i < size; i++) for (let k = 0; k < nrows; k++) acc[0][k] = f(acc[0][k] + get(i, k));
    for (let j = 1; j < 4; j++) {
      for (let k = 0; k < nrows; k++) acc[0][k] = f(acc[0][k] + acc[j][k]);
    }
    return acc[0];
  };
  const rowSum = (get: (i: number) => number, size: number) => {
    const ilp = Math.floor(size / 4);
    const p = multiRowSum((i, k) => get(i * 4 + k), 4, ilp);
    for (let i = ilp * 4; i < size; i++) p[0] = f(p[0] + get(i));
    return f(f(f(p[0] + p[1]) + p[2]) + p[3]);
  };
  const sum = (x: Float32Array) => {
    const n = x.length;
    if (n < 8) return rowSum((i) => x[i], n);
    const vec = Math.floor(n / 8);
    const lanes = Array.from({ length: 8 }, (_, l) => rowSum((v) => x[v * 8 + l], vec));
    let total = 0;
    for (let k = vec * 8; k < n; k++) total = f(total + x[k]);
    for (const lane of lanes) total = f(total + lane);
    return total;
  };
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1200 }),
      fc.integer({ min: 1, max: 2 ** 31 }),
      (n, seed) => {
        // large and small magnitudes mixed, signs too, so that the order shows in the last bits
        let s = seed;
        const next = () => (s = (s * 1103515245 + 12345) >>> 0);
        const x = Float32Array.from({ length: n }, () => {
          const r = next();
          return (r % 7 === 0 ? 2 ** 24 : 1) * ((r >>> 8) % 1000) / 7 * (r % 3 === 0 ? -1 : 1);
        });
        assert.ok(Object.is(torchSum32(x), sum(x)), `n ${n}`);
      },
    ),
    { numRuns: 400 },
  );
});
