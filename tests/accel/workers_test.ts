import assert from "node:assert/strict";
import fc from "fast-check";
import { toShared, WorkerPool } from "../../lib/accel/workers.ts";
import {
  countPairTable,
  type IntegerLabels,
  pairCoding,
  PairTableCounter,
} from "../../lib/accel/pair_table.ts";
import { computeConfusionMatrix } from "../../lib/accel/compute_confusion_matrix.ts";

/** xorshift labels: classes, out-of-range values and (1 in 64) the label 255. */
function labels(
  Ctor: typeof Uint8Array | typeof Uint16Array | typeof Int32Array,
  n: number,
  C: number,
  seed: number,
  shared: boolean,
): [IntegerLabels, IntegerLabels] {
  const make = (): IntegerLabels => {
    return shared ? toShared(new Ctor(n)) : new Ctor(n);
  };
  const yt = make(), yp = make();
  let s = seed | 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    yt[i] = (s >>> 0) % (C + 2);
    yp[i] = (s >>> 12) % (C + 1);
    if ((s & 63) === 0) yt[i] = 255;
  }
  return [yt, yp];
}

// Chunks of 64 pixels, so that the calling thread and the Workers all take chunks: in place
// from shared arrays, and through the ring of slots (copied, or counted by the caller) otherwise.
Deno.test("WorkerPool: any pool, chunk and input gives the single-thread table", async () => {
  const pools = [
    new WorkerPool(1, { chunkPixels: 64 }),
    new WorkerPool(2, { chunkPixels: 64, slotsPerWorker: 1 }),
    new WorkerPool(3, { chunkPixels: 128, slotsPerWorker: 3 }),
  ];
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer(),
        fc.constantFrom("u8", "u16", "i32"),
        fc.boolean(),
        fc.constantFrom([], [255], [1]),
        async (C, n, seed, kind, shared, ignore) => {
          const Ctor = kind === "u8" ? Uint8Array : kind === "u16" ? Uint16Array : Int32Array;
          const [yt, yp] = labels(Ctor, n, C, seed, shared);
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
      { numRuns: 40 },
    );
  } finally {
    for (const p of pools) p.close();
  }
});

Deno.test("WorkerPool: mixed label types, and counts started together on one pool", async () => {
  const pool = new WorkerPool(2, { chunkPixels: 64 });
  try {
    const coding = pairCoding(5, [255])!;
    const [t8] = labels(Uint8Array, 3001, 5, 7, false);
    const [, p32] = labels(Int32Array, 3001, 5, 9, true);
    const [t16, p16] = labels(Uint16Array, 2000, 5, 11, false);
    const ref = (t: IntegerLabels, p: IntegerLabels) => [
      ...countPairTable(t, p, coding, new Float64Array(coding.height * coding.width)),
    ];
    // started without awaiting: they share the pool's ring and must run one after the other
    const [a, b, c] = await Promise.all([
      pool.countPairs(t8, p32, coding),
      pool.countPairs(t16, p16, coding),
      pool.countPairs(t8, p32, coding),
    ]);
    assert.deepEqual([...a], ref(t8, p32));
    assert.deepEqual([...b], ref(t16, p16));
    assert.deepEqual([...c], ref(t8, p32));
  } finally {
    pool.close();
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
  assert.throws(
    () => new WorkerPool(1, { chunkPixels: 100 }),
    /Expected chunkPixels to be a multiple of 64 in \[64, 2\^26\], but found 100/,
  );
  assert.throws(
    () => new WorkerPool(1, { slotsPerWorker: 0 }),
    /Expected slotsPerWorker to be an integer in \[1, 64\], but found 0/,
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
// one constant shared array used as both yTrue and yPred (2 GiB), counted by the calling thread
// and 2 Workers, then by one PairTableCounter alone (its u32 histogram is folded at 2^31).
Deno.test("workers count a cell of 2^31 + 5 exactly, and so does one PairTableCounter", async () => {
  const n = 2 ** 31 + 5;
  const zeros = new Uint8Array(new SharedArrayBuffer(n));
  // (1, 1) pairs at both ends: the last chunk is counted too, and the first pixel only once
  zeros[0] = 1;
  zeros[n - 1] = 1;
  const cm = await computeConfusionMatrix(zeros, zeros, {
    numClasses: 2,
    backend: "workers",
    workers: 2,
  });
  assert.deepEqual([...cm.counts()], [2 ** 31 + 3, 0, 0, 2]);
  const coding = pairCoding(2, [])!;
  const counter = new PairTableCounter(coding);
  counter.add(zeros, zeros);
  const table = counter.finish();
  assert.equal(table[0], 2 ** 31 + 3);
  assert.equal(table[1 * coding.width + 1], 2);
  assert.equal(table.reduce((a, b) => a + b), n);
});

/** A Worker module in a temporary file (removed by the caller), for faults the real one never has. */
async function faultyWorker(source: string): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(path, source);
  return path;
}

const realWorker = new URL("../../lib/accel/workers_worker.ts", import.meta.url).href;
const shared = (n: number) => toShared(new Uint8Array(n).fill(1));

Deno.test("WorkerPool: closing the pool during a count rejects that count with the cause", async () => {
  // a Worker that takes the job and never answers: the count waits on it until the pool closes
  const path = await faultyWorker(`self.onmessage = () => {};`);
  const pool = new WorkerPool(1, { chunkPixels: 64, workerUrl: `file://${path}` });
  try {
    const coding = pairCoding(2, [])!;
    const counting = pool.countPairs(shared(1000), shared(1000), coding);
    const queued = pool.countPairs(shared(1000), shared(1000), coding);
    setTimeout(() => pool.close(), 50);
    await assert.rejects(
      counting,
      /Expected the WorkerPool to stay open until the count finished, but it was closed during the count/,
    );
    await assert.rejects(queued, /Expected an open WorkerPool, but found a closed one/);
  } finally {
    pool.close();
    await Deno.remove(path);
  }
});

Deno.test("WorkerPool: a Worker that exits or throws during a count fails it, and the pool", async () => {
  const exits = await faultyWorker(
    `import ${JSON.stringify(realWorker)};\nself.onmessage = () => Deno.exit(3);\n`,
  );
  const throws = await faultyWorker(
    `self.onmessage = () => setTimeout(() => { throw new Error("boom"); });\n`,
  );
  const coding = pairCoding(2, [])!;
  try {
    for (
      const [path, cause] of [
        [exits, /A counting worker failed: Worker 0 exited: the Worker's event loop ended/],
        [throws, /A counting worker failed: Worker 0 threw: Uncaught Error: boom/],
      ] as const
    ) {
      const pool = new WorkerPool(1, { chunkPixels: 64, workerUrl: `file://${path}` });
      try {
        // ring mode (ordinary arrays) and then shared mode
        await assert.rejects(
          pool.countPairs(new Uint8Array(1000), new Uint8Array(1000), coding),
          cause,
        );
        await assert.rejects(
          pool.countPairs(shared(1000), shared(1000), coding),
          /Expected a WorkerPool whose Workers are alive, but one died/,
        );
        // counts small enough for the calling thread alone still need a live pool
        await assert.rejects(
          pool.countPairs(new Uint8Array(10), new Uint8Array(10), coding),
          /one died/,
        );
      } finally {
        pool.close();
      }
    }
  } finally {
    await Deno.remove(exits);
    await Deno.remove(throws);
  }
});

Deno.test("WorkerPool: closing during a real count settles it: exact table or the cause", async () => {
  const pool = new WorkerPool(2, { chunkPixels: 4096 });
  const coding = pairCoding(2, [])!;
  const n = 1 << 22;
  const counting = pool.countPairs(new Uint8Array(n), new Uint8Array(n).fill(1), coding);
  setTimeout(() => pool.close(), 0);
  try {
    const table = await counting;
    assert.equal(table[0 * coding.width + 1], n); // finished before the close: exact
  } catch (e) {
    assert.match(String(e), /closed during the count/);
  } finally {
    pool.close();
  }
});
