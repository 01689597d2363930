import assert from "node:assert/strict";
import fc from "fast-check";
import { toShared, WorkerPool } from "../lib/backend_workers.ts";
import { countPairTable, pairCoding } from "../lib/pair_table.ts";
import { computeConfusionMatrix } from "../lib/compute_confusion_matrix.ts";

Deno.test("WorkerPool: any worker count and split gives the single-thread table", async () => {
  const pools = [1, 2, 3, 5].map((k) => new WorkerPool(k));
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer(),
        fc.constantFrom("u8", "u16", "i32"),
        fc.constantFrom([], [255], [1]),
        async (C, n, seed, kind, ignore) => {
          const Ctor = kind === "u8" ? Uint8Array : kind === "u16" ? Uint16Array : Int32Array;
          const yt = new Ctor(n), yp = new Ctor(n);
          let s = seed | 1;
          for (let i = 0; i < n; i++) {
            s ^= s << 13;
            s ^= s >>> 17;
            s ^= s << 5;
            yt[i] = (s >>> 0) % (C + 2);
            yp[i] = (s >>> 12) % (C + 1);
            if ((s & 63) === 0) yt[i] = 255;
          }
          const coding = pairCoding(C, ignore)!;
          const ref = countPairTable(
            yt,
            yp,
            coding,
            new Float64Array(coding.height * coding.width),
          );
          for (const pool of pools) {
            assert.deepEqual([...await pool.countPairs(yt, yp, coding)], [...ref]);
          }
        },
      ),
      { numRuns: 30 },
    );
  } finally {
    for (const p of pools) p.close();
  }
});

Deno.test("WorkerPool: argument checks and a closed pool", async () => {
  assert.throws(
    () => new WorkerPool(0),
    /Expected workers to be an integer in \[1, 256\], but found 0/,
  );
  const pool = new WorkerPool(1);
  const coding = pairCoding(2, [])!;
  await assert.rejects(
    pool.countPairs(new Uint8Array(2), new Uint8Array(3), coding),
    /Expected yPred to have the length of yTrue \(2\), but found 3/,
  );
  pool.close();
  await assert.rejects(
    pool.countPairs(new Uint8Array(2), new Uint8Array(2), coding),
    /Expected an open WorkerPool/,
  );
});

Deno.test("toShared copies only arrays that are not shared yet", () => {
  const a = new Int32Array([1, -2]);
  const s = toShared(a);
  assert.ok(s.buffer instanceof SharedArrayBuffer);
  assert.ok(s instanceof Int32Array);
  assert.deepEqual([...s], [1, -2]);
  assert.equal(toShared(s), s);
});

// A cell above 2^31 (int32 would wrap, float32 would stop at 2^24): 2^31 + 5 identical pairs,
// one constant shared array used as both yTrue and yPred (2 GiB, counted by 2 workers).
Deno.test("computeConfusionMatrix(workers) counts a cell of 2^31 + 5 exactly", async () => {
  const n = 2 ** 31 + 5;
  const zeros = new Uint8Array(new SharedArrayBuffer(n));
  zeros[n - 1] = 1; // one (1, 1) pair at the very end, so the last range is counted too
  const cm = await computeConfusionMatrix(zeros, zeros, {
    numClasses: 2,
    backend: "workers",
    workers: 2,
  });
  assert.deepEqual([...cm.counts()], [2 ** 31 + 4, 0, 0, 1]);
});
