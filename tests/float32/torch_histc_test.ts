import assert from "node:assert/strict";
import {
  torchHistc32,
  torchHistcFromCounts32,
  torchHistcRuns32,
  torchParallelChunks,
  torchSum32,
  torchVectorWidth,
} from "../../mod.ts";

// Second method: the kernel written out literally, one float32 increment per element in each
// thread's own histogram (no counting, no cap), the thread rows added one after the other.
function literalHistc(
  values: ArrayLike<number>,
  bins: number,
  lo: number,
  hi: number,
  threads: number,
) {
  const n = values.length;
  const t = n > 200 && threads > 1 ? Math.min(threads, Math.ceil(n / 200)) : 1;
  const chunk = Math.ceil(n / t);
  const rows = Array.from({ length: threads }, () => new Array<number>(bins).fill(0));
  for (let k = 0; k < t; k++) {
    for (let i = k * chunk; i < Math.min(n, (k + 1) * chunk); i++) {
      const v = Math.fround(values[i]);
      if (!(v >= lo && v <= hi)) continue;
      let b = Math.trunc(Math.fround(Math.fround((v - lo) * bins) / (hi - lo)));
      if (b === bins) b = bins - 1;
      rows[k][b] = Math.fround(rows[k][b] + 1);
    }
  }
  return Array.from({ length: bins }, (_, b) => {
    let s = 0;
    for (const r of rows) s = Math.fround(s + r[b]);
    return s;
  });
}

Deno.test("torchHistc32 matches the literal kernel below 2^24 (threads 1 to 4)", () => {
  let x = 12345;
  const rand = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (const n of [0, 1, 199, 200, 201, 401, 599, 600, 601, 1000, 4321]) {
    const values = Array.from({ length: n }, () => Math.floor(rand() * 7) - 1); // -1..5
    for (const threads of [1, 2, 3, 4]) {
      const got = torchHistc32(values, 5, 0, 4, { threads });
      assert.deepEqual(got, literalHistc(values, 5, 0, 4, threads), `n ${n}, ${threads} threads`);
      const runs = values.map((v) => [v, 1] as const);
      assert.deepEqual(torchHistcRuns32(runs, 5, 0, 4, { threads }), got);
    }
  }
});

Deno.test("torch.histc above 2^24: real torch 2.13 (1 and 2 threads), and the literal kernel", () => {
  // Real torch 2.13 (CPU): torch.histc(torch.zeros(16777219), bins=3, min=0, max=2) is
  // [16777216, 0, 0] with torch.set_num_threads(1) and [16777220, 0, 0] with 2 threads.
  assert.deepEqual(torchHistcRuns32([[0, 16777219]], 3, 0, 2), [16777216, 0, 0]);
  assert.deepEqual(torchHistcRuns32([[0, 16777219]], 3, 0, 2, { threads: 2 }), [
    16777220,
    0,
    0,
  ]);
  // The literal kernel on 2^24 + 3 values, runs in several layouts
  const n = 2 ** 24 + 3;
  const values = new Uint8Array(n).fill(1);
  for (let i = 0; i < 500; i++) values[i * 30011] = 0;
  for (const threads of [1, 3]) {
    const want = literalHistc(values, 2, 0, 1, threads);
    assert.deepEqual(torchHistc32(values, 2, 0, 1, { threads }), want);
  }
});

Deno.test("torchHistcFromCounts32: the order-free cases, and a refusal otherwise", () => {
  assert.deepEqual(torchHistcFromCounts32([5, 2 ** 24 + 7]), [5, 2 ** 24]);
  assert.deepEqual(torchHistcFromCounts32([5, 2 ** 24], { threads: 4 }), [5, 2 ** 24]);
  assert.throws(() => torchHistcFromCounts32([2 ** 24 + 1], { threads: 2 }), RangeError);
  assert.throws(() => torchHistcFromCounts32([1.5]), RangeError);
});

Deno.test("torch.histc edges, as real torch 2.13 reports them", () => {
  // torch.histc(torch.tensor([1., 2., 3.]), bins=4, min=0, max=0) == [1, 0, 1, 1]
  assert.deepEqual(torchHistc32([1, 2, 3], 4, 0, 0), [1, 0, 1, 1]);
  // torch.histc(torch.tensor([2., 2.]), bins=4, min=3, max=3) == [0, 0, 2, 0] (data range 2..2,
  // widened to 1..3)
  assert.deepEqual(torchHistc32([2, 2], 4, 3, 3), [0, 0, 2, 0]);
  // [0, 1, 2, nan, -1, 3] with bins 3 over [0, 2]: [1, 1, 1]
  assert.deepEqual(torchHistc32([0, 1, 2, NaN, -1, 3], 3, 0, 2), [1, 1, 1]);
  // RuntimeError: torch.histc: max must be larger than min
  assert.throws(() => torchHistc32([2, 2], 4, 3, 1), /max to be larger than min/);
  assert.throws(() => torchHistc32([2, 2], 0, 0, 1), /bins/);
  assert.throws(() => torchHistc32([2], 2, 0, 1, { threads: 0 }), /threads/);
});

Deno.test("at::parallel_for chunks (OpenMP): min(threads, ceil(n / grain)) chunks of ceil", () => {
  assert.deepEqual(torchParallelChunks(201, 200, 4), [0, 101, 201]);
  assert.deepEqual(torchParallelChunks(1000, 200, 3), [0, 334, 668, 1000]);
  assert.deepEqual(torchParallelChunks(0, 200, 3), [0]);
  assert.deepEqual(torchParallelChunks(10, 200, 3), [0, 10]);
});

Deno.test("torchVectorWidth: 8 lanes under every x86 capability; the AVX-512 fact of issue 16", () => {
  for (const c of ["default", "avx2", "avx512", "AVX512"]) assert.equal(torchVectorWidth(c), 8);
  assert.throws(() => torchVectorWidth("neon"), RangeError);
  // issue 16: on an AVX-512 machine torch.tensor([2**24] + [1.0] * 16).sum() is 16777230
  assert.equal(
    torchSum32([2 ** 24, ...new Array(16).fill(1)], torchVectorWidth("avx512")),
    16777230,
  );
});
